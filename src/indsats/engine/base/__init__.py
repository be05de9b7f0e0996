"""What every analysis of the engine shares: errors with stable codes, input checks, warnings, the
linear model and the plain-value form of results. Nothing here computes an analysis of its own."""
