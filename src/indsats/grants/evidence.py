"""Live facts for the interventions app's gate reviews: implementation (training and support), demand
(applications to pools under initiatives of the intervention) and economy (the money of the initiatives
that fund it). Registered in ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from indsats.grants.models import Application, ApplicationStatus
from indsats.grants.selectors import implementation_facts, intervention_money
from indsats.interventions.evidence import EvidenceFact, register_evidence_provider
from indsats.interventions.models import Intervention
from indsats.ui.formatting import date, hours, kroner


def implementation_evidence(intervention: Intervention) -> list[EvidenceFact]:
    facts = implementation_facts(intervention)
    if not facts.trained_staff and not facts.support_entries:
        return []
    source = _("Puljer og tilskud: uddannelse og støttelog")
    last = date(facts.last_trained_on)
    return [
        EvidenceFact(
            _("Uddannede medarbejdere"), str(facts.trained_staff), source, "/puljer/implementering/"
        ),
        EvidenceFact(_("Kommuner med uddannede medarbejdere"), str(facts.municipalities_trained), source),
        EvidenceFact(_("Seneste uddannelse"), last, source),
        EvidenceFact(
            _("Implementeringsstøtte"),
            _("%(hours)s i %(n)s kommuner")
            % {"hours": hours(facts.support_hours), "n": facts.municipalities_supported},
            source,
        ),
    ]


def demand_from_applications(intervention: Intervention) -> list[EvidenceFact]:
    applications = Application.objects.filter(pool__initiative__intervention=intervention).exclude(
        status=ApplicationStatus.DRAFT
    )
    count = applications.count()
    if not count:
        return []
    applicants = applications.values("applicant").distinct().count()
    source = _("Puljer og tilskud: ansøgninger til puljer")
    return [
        EvidenceFact(_("Ansøgninger til indsatsens puljer"), str(count), source),
        EvidenceFact(_("Forskellige ansøgere"), str(applicants), source),
    ]


def funding_from_initiatives(intervention: Intervention) -> list[EvidenceFact]:
    """Økonomi: what the programme has set aside for, committed to and paid out to the intervention,
    one fact per initiative (programme year), read from the grants ledger."""
    facts = []
    for money in intervention_money(intervention=intervention):
        initiative = money.initiative
        facts.append(
            EvidenceFact(
                _("Initiativ ”%(name)s” (%(programme)s %(year)s)")
                % {
                    "name": initiative.name,
                    "programme": initiative.programme_year.programme,
                    "year": initiative.programme_year.year,
                },
                _("budget %(budget)s, bevilget %(committed)s, udbetalt %(paid)s")
                % {
                    "budget": kroner(money.budget),
                    "committed": kroner(money.committed),
                    "paid": kroner(money.paid),
                },
                _("Puljer og tilskud: programmets initiativer"),
                reverse("grants:programmes"),
            )
        )
    return facts


register_evidence_provider("implementation", implementation_evidence)
register_evidence_provider("demand", demand_from_applications)
register_evidence_provider("economy", funding_from_initiatives)
