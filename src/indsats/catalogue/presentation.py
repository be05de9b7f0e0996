"""A published snapshot made ready for the page: codes translated, dates parsed, charts drawn.

The snapshot holds plain data; this module turns it into what the templates show, in the reader's
language, with the same chart code the register and the evaluation reports use."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from indsats.economy.models import Payer
from indsats.evaluation.forest_plot import ForestRow, forest_plot
from indsats.evaluation.models import Design
from indsats.interventions.charts import spider_chart_svg, theory_of_change_svg
from indsats.interventions.models import GRADE_POINTS, DeliveryFormat, Dimension, EventKind, PartnerRole
from indsats.interventions.workflow import InterventionState
from indsats.ui.formatting import interval, number


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def phase_label(value: str) -> str:
    return _label(InterventionState, value)


def effect_chart(effect: dict[str, Any]) -> SafeString | str:
    rows = effect.get("studies") or []
    pooled = effect.get("pooled")
    if not rows or pooled is None:
        return ""
    weights = [1 / r["variance"] for r in rows]
    total = sum(weights)
    return forest_plot(
        rows=[
            ForestRow(r["study"], r["g"], r["ci_low"], r["ci_high"], 100 * w / total)
            for r, w in zip(rows, weights, strict=True)
        ],
        pooled=ForestRow(_("Samlet"), pooled["estimate"], pooled["ci_low"], pooled["ci_high"], 100.0),
        prediction=None,
        title=_(
            "Forest plot: standardiseret effekt (Hedges' g) med 95 %% konfidensinterval for %(k)s studier og "
            "den samlede effekt %(estimate)s (%(interval)s). Positive værdier er en forbedring. Tallene står "
            "i tabellen under grafen."
        )
        % {
            "k": len(rows),
            "estimate": number(pooled["estimate"], 2),
            "interval": interval(pooled["ci_low"], pooled["ci_high"]),
        },
        favours_left=_("Forværring"),
        favours_right=_("Forbedring"),
        headers=(_("Studie"), _("g [95 % KI]"), _("Vægt")),
    )


def declaration_chart(declaration: dict[str, Any] | None) -> SafeString | str:
    if not declaration:
        return ""
    grades = {s["dimension"]: s["grade"] for s in declaration["scores"]}
    if set(grades) != set(Dimension.values):
        return ""
    day = datetime.date.fromisoformat(declaration["declared_on"])
    return spider_chart_svg(
        [str(d.label) for d in Dimension],
        [(f"{day:%d.%m.%Y}", [GRADE_POINTS[grades[d]] for d in Dimension.values])],
    )


def page_context(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Everything the intervention page shows of one published version."""
    effect = snapshot["effect"]
    economy = snapshot["economy"]
    declaration = snapshot["declaration"]
    implementation = dict(snapshot["implementation"])
    implementation["delivery_format_label"] = (
        _label(DeliveryFormat, implementation["delivery_format"]) if implementation["delivery_format"] else ""
    )
    if declaration:
        declaration = {
            **declaration,
            "declared_on": datetime.date.fromisoformat(declaration["declared_on"]),
            "scores": [{**s, "label": _label(Dimension, s["dimension"])} for s in declaration["scores"]],
        }
    studies = [{**row, "design_label": _label(Design, row["design"])} for row in effect.get("studies", [])]
    payers = []
    if economy:
        payers = [
            {"payer": _label(Payer, payer), "npv": npv} for payer, npv in economy["npv_by_payer"].items()
        ]
        economy = {
            **economy,
            "computed_at": datetime.datetime.fromisoformat(economy["source"]["computed_at"])
            if economy["source"].get("computed_at")
            else None,
        }
    history = [
        {
            **event,
            "date": datetime.date.fromisoformat(event["date"]),
            "kind_label": _label(EventKind, event["kind"]),
            "from_label": phase_label(event["from_state"]) if event["from_state"] else "",
            "to_label": phase_label(event["to_state"]) if event["to_state"] else "",
        }
        for event in snapshot["phase_history"]
    ]
    toc = snapshot["theory_of_change"]
    return {
        "s": snapshot,
        "phase_label": phase_label(snapshot["phase"]),
        "implementation": implementation,
        "declaration": declaration,
        "declaration_chart": declaration_chart(snapshot["declaration"]),
        "toc_chart": theory_of_change_svg(toc["activities"], toc["short_term"], toc["long_term"])
        if any(toc.values())
        else "",
        "studies": studies,
        "pooled": effect.get("pooled"),
        "suppressed_studies": effect.get("suppressed_studies", 0),
        "instruments": effect.get("instruments", []),
        "effect_chart": effect_chart(effect),
        "economy": economy,
        "payers": payers,
        "history": history,
        "municipalities": [
            {**m, "role_label": _label(PartnerRole, m["role"])} for m in snapshot["municipalities"]
        ],
        "evidence": snapshot["evidence"],
    }


def compare_row(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The columns of the compare page for one intervention."""
    economy = snapshot["economy"] or {}
    implementation = snapshot["implementation"]
    return {
        "s": snapshot,
        "phase_label": phase_label(snapshot["phase"]),
        "pooled": snapshot["effect"].get("pooled"),
        "cost_per_participant": economy.get("cost_per_participant"),
        "npv": economy.get("npv"),
        "p_positive": economy.get("p_positive"),
        "delivery_format_label": _label(DeliveryFormat, implementation["delivery_format"])
        if implementation["delivery_format"]
        else "",
    }
