"""The økonomi criterion of a gate review: the newest finished business case result of the intervention,
registered as a provider in the interventions app's evidence registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from indsats.economy.selectors import latest_economy_facts
from indsats.interventions.evidence import EvidenceFact, register_evidence_provider
from indsats.ui.formatting import date, kroner, percent, ratio

if TYPE_CHECKING:
    from indsats.interventions.models import Intervention


def business_case_facts(intervention: Intervention) -> list[EvidenceFact]:
    facts = latest_economy_facts(intervention)
    if facts is None:
        return []
    source = _("Business case ”%(name)s”, beregnet %(date)s") % {
        "name": facts["case_name"],
        "date": date(facts["computed_at"]),
    }
    url = reverse("economy:result_detail", args=[facts["result_id"]])
    break_even = facts["break_even_year"]
    found = [
        EvidenceFact(_("Nettonutidsværdi"), kroner(facts["npv"], 0), source, url),
        EvidenceFact(_("Afkast pr. krone"), ratio(facts["roi"]), source, url),
        EvidenceFact(
            _("Tilbagebetaling"),
            _("år %(year)s") % {"year": break_even}
            if break_even is not None
            else _("ikke inden for horisonten"),
            source,
            url,
        ),
    ]
    if facts["p_positive"] is not None:
        found.append(EvidenceFact(_("Sandsynlighed for gevinst"), percent(facts["p_positive"]), source, url))
    return found


register_evidence_provider("economy", business_case_facts)
