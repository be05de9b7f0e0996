"""The agency's starting vocabulary of problem areas and the playbook's typical deliverables per phase.

The data migration seeds them into a new database; the agency keeps both afterwards (Indsatser ->
Opsætning). `ensure_playbook()` puts back whatever is missing (demo data on an emptied database).
"""

from __future__ import annotations

PROBLEM_AREAS = [
    ("Bekymrende skolefravær", "Børn og unge med bekymrende fravær fra skolen."),
    ("Opmærksomhedsforstyrrelser", "ADHD, ADD og lignende vanskeligheder med opmærksomhed."),
    ("Psykisk mistrivsel og rusmiddelbrug", "Psykiske vanskeligheder, ofte sammen med brug af rusmidler."),
    ("Handicap", "Børn og unge med fysisk eller psykisk funktionsnedsættelse."),
    ("Anbringelse uden for hjemmet", "Børn og unge anbragt i pleje, på institution eller opholdssted."),
    ("Vold og overgreb", "Børn og unge, der har været udsat for vold eller seksuelle overgreb."),
    ("Kriminalitet", "Unge i eller på vej ind i kriminalitet."),
    ("Udsatte familier", "Familier med behov for støtte til forældreskabet."),
]

# phase, title, required, description
DELIVERABLES = [
    ("screening", "Behovs- og vidensafdækning", True, "Kommunernes udfordringer og den eksisterende viden."),
    ("screening", "Vurdering af kandidatindsatser", True, "Kandidater vurderet mod de fem kriterier."),
    ("screening", "Foreløbig forandringsteori", False, ""),
    ("maturation", "Forandringsteori", True, "Aktiviteter, kortsigtede og langsigtede resultater."),
    ("maturation", "Indsatsbeskrivelse, manual og kerneelementer", True, ""),
    ("maturation", "Fidelitetsværktøj", True, "Redskab til at måle, om indsatsen gives som beskrevet."),
    ("maturation", "Evalueringsplan", True, "Design og dataindsamling for afprøvningen."),
    ("maturation", "Pilotafprøvning i få kommuner", False, ""),
    ("maturation", "Første omkostningsestimat", False, ""),
    ("testing", "Effektstudie", True, "Randomiseret eller kvasieksperimentelt studie."),
    ("testing", "Implementeringsstudie", True, "Implementeringsgrad og fidelitet."),
    ("testing", "Omkostningsanalyse", True, ""),
    ("testing", "Business case", True, "Omkostninger og gevinster for kommune, region og stat."),
    ("dissemination", "Uddannelses- og implementeringsmateriale", True, ""),
    ("dissemination", "Plan for implementeringsstøtte", True, ""),
    ("dissemination", "Monitorering af fidelitet og resultater i drift", True, ""),
]


def ensure_playbook() -> None:
    """Put back whatever is missing of the starting rows, in today's tables (demo data, tests)."""
    # Imported here: migration 0002 imports this module for seed_playbook, and must not load today's models.
    from indsats.interventions.models import DeliverableTemplate, ProblemArea

    seed_playbook(ProblemArea, DeliverableTemplate)


def seed_playbook(problem_area_model: type, deliverable_model: type) -> None:
    """Create the starting rows that do not exist yet (by name), leaving the agency's changes alone."""
    for order, (name, description) in enumerate(PROBLEM_AREAS, start=1):
        problem_area_model.objects.get_or_create(  # type: ignore[attr-defined]
            name=name, defaults={"description": description, "order": order * 10}
        )
    for order, (phase, title, required, description) in enumerate(DELIVERABLES, start=1):
        deliverable_model.objects.get_or_create(  # type: ignore[attr-defined]
            phase=phase,
            title=title,
            defaults={"is_required": required, "description": description, "order": order * 10},
        )
