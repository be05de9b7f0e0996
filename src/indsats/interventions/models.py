"""Models of the interventions app."""
