"""The evaluation report: every section on the page and in the PDF, mid-term versus final, careful
conclusions, and analyses stored before the sections existed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from indsats.evaluation import report, services
from indsats.evaluation.models import Analysis, Design
from indsats.interventions.evidence import (
    EvidenceFact,
    register_evidence_provider,
    unregister_evidence_provider,
)
from indsats.outcomes.models import RoundKind
from tests.conftest import logged_in
from tests.evaluation.factories import add_children, make_study, record_randomisation
from tests.outcomes.factories import RoundFactory

NEW_KEYS = ("subgroups", "subgroups_skipped", "exposure", "rounds", "process_facts_by_language")


def _children(municipalities, count, *, with_exposure=True, effect=True, offset=0):
    return [
        {
            "before": 14 + (i * 11) % 9 + offset,
            "after": 14 + (i * 11) % 9 + offset - ((i % 5 + 1) if effect else (i % 3) - 1),
            "age": 5 + (i * 7) % 13,
            "female": i % 2 == 0,
            "municipality": municipalities[i % 2],
            "sessions": 3 + i % 10 if with_exposure else None,
            "fidelity": round(0.4 + (i % 6) / 10, 1) if with_exposure else None,
        }
        for i in range(count)
    ]


def _two_rounds(intervention):
    return (
        RoundFactory(intervention=intervention, kind=RoundKind.BASELINE, order=0),
        RoundFactory(
            intervention=intervention,
            kind=RoundKind.MONTH_6,
            order=1,
            opens_on=datetime.date(2025, 7, 1),
            closes_on=datetime.date(2025, 9, 30),
        ),
    )


@pytest.fixture
def training_facts(intervention):
    """An implementation provider like the grants app's, registered for the test's intervention only."""

    def provider(found_for):
        if found_for.pk != intervention.pk:
            return []
        return [EvidenceFact("Uddannede medarbejdere", "12", "Puljer og tilskud: uddannelse", "/puljer/")]

    register_evidence_provider("implementation", provider)
    yield provider
    unregister_evidence_provider("implementation", provider)


@pytest.fixture
def pre_post(assigned_evaluator, intervention, sdq, aarhus, odense, training_facts) -> Analysis:
    rounds = _two_rounds(intervention)
    add_children(rounds=rounds, instrument=sdq, children=_children([aarhus, odense], 40), prefix="r")
    RoundFactory(
        intervention=intervention,
        kind=RoundKind.MONTH_12,
        order=2,
        opens_on=datetime.date(2026, 1, 5),
        closes_on=datetime.date(2026, 3, 31),
    )
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    return services.run_analysis(actor=assigned_evaluator, study=study)


def _quasi(
    actor, intervention, comparison, sdq, municipalities, design=Design.QUASI, **study_fields
) -> Analysis:
    rounds = _two_rounds(intervention)
    add_children(rounds=rounds, instrument=sdq, children=_children(municipalities, 40), prefix="q")
    control = _children(municipalities, 40, with_exposure=False, effect=False, offset=1)
    add_children(rounds=_two_rounds(comparison), instrument=sdq, children=control, prefix="k")
    study = make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=design,
        comparison_intervention=comparison,
        **study_fields,
    )
    if design == Design.RANDOMISED:
        record_randomisation(study)
    return services.run_analysis(actor=actor, study=study)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_final_report_page_has_every_section(assigned_evaluator, pre_post):
    response = logged_in(assigned_evaluator).get(reverse("evaluation:analysis_report", args=[pre_post.pk]))
    html = response.content.decode()
    text = _text(html)
    for heading in (
        "Konklusion",
        "Metode",
        "Resultat",
        "Evidens",
        "For hvem virker det? Undergrupper",
        "Dosis og troskab",
        "Implementering",
        "Økonomi",
        "Sporbarhed",
    ):
        assert f"<h2>{heading}</h2>" in html, heading
    # subgroups by age band (in order), sex and municipality, each with the test of equal effects
    assert text.index("4-9 år") < text.index("10-13 år") < text.index("14-17 år")
    assert "Pige" in text and "Dreng" in text and "Aarhus Kommune" in text
    assert text.count("test af ens effekt F(") == 3
    # dose and fidelity with their charts; every chart has a text alternative
    assert "Registreret for 40 af 40 børn" in text
    assert html.count('role="img"') == 3  # rounds, dose, fidelity
    assert all("aria-labelledby=" in svg for svg in re.findall(r'<svg[^>]*role="img"[^>]*>', html))
    # facts of the other modules with their sources
    assert "Uddannede medarbejdere" in text and "Puljer og tilskud: uddannelse" in text
    assert "Bevilget til faserne" in text
    # a before-after design: a change, but no claim that the intervention caused it
    assert "ingen sammenligningsgruppe" in text and "Det kan derfor ikke vise" in text
    assert "Foreløbige resultater" not in text
    # no balance plot without a comparison group
    assert "Balance mellem grupperne" not in text


def test_report_numbers_are_the_stored_ones(assigned_evaluator, pre_post):
    context = report.report_context(pre_post, "slut")
    stored = {entry["variable"]: entry for entry in pre_post.result["subgroups"]}
    sex_table = next(t for t in context["subgroups"] if t["variable"] == "sex")
    girls = next(row for row in stored["sex"]["subgroups"] if row["level"] == "female")
    assert any(
        row["level"] == "Pige" and row["estimate"] == report.number(girls["estimate"], 2)
        for row in sex_table["rows"]
    )
    dose = next(s for s in context["exposure"]["sections"] if s["name"] == "dose")
    assert dose["slope"] == report.number(pre_post.result["exposure"]["dose"]["estimate"], 2)
    assert [b["n"] for b in dose["bands"]] == [b["n"] for b in pre_post.result["exposure"]["dose"]["bands"]]


def test_midterm_report_is_interim_and_lists_rounds_still_to_come(assigned_evaluator, pre_post):
    url = reverse("evaluation:analysis_report", args=[pre_post.pk]) + "?type=midtvejs"
    text = _text(logged_in(assigned_evaluator).get(url).content.decode())
    assert "Midtvejsevaluering" in text and "Foreløbige resultater" in text
    assert "12 måneder (åbner 5. jan. 2026, lukker 31. marts 2026)" in text
    assert "Før (baseline) (åbner" not in text
    assert "Konklusion" not in text


def test_report_without_dose_data_says_none_were_recorded(
    assigned_evaluator, intervention, sdq, aarhus, odense
):
    rounds = _two_rounds(intervention)
    children = _children([aarhus, odense], 24, with_exposure=False)
    add_children(rounds=rounds, instrument=sdq, children=children, prefix="n")
    analysis = services.run_analysis(
        actor=assigned_evaluator, study=make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    )
    url = reverse("evaluation:analysis_report", args=[analysis.pk])
    text = _text(logged_in(assigned_evaluator).get(url).content.decode())
    assert "Der er ikke registreret dosis (modtagne sessioner) eller troskab" in text
    assert "Der er ikke registreret oplysninger om implementering" in text


def test_matched_report_has_a_love_plot_and_careful_conclusion(
    assigned_evaluator, intervention, comparison, sdq, aarhus, odense
):
    analysis = _quasi(assigned_evaluator, intervention, comparison, sdq, [aarhus, odense])
    html = (
        logged_in(assigned_evaluator).get(reverse("evaluation:analysis_report", args=[analysis.pk])).content
    )
    text = _text(html.decode())
    assert "Balance mellem grupperne" in text and "Efter matchning" in text
    balance = report.balance_section(analysis)
    assert [row["label"] for row in balance["rows"]] == ["Score før indsatsen", "Alder", "Køn (andel piger)"]
    for row, stored in zip(balance["rows"], analysis.result["balance"], strict=True):
        assert row["smd_before"] in text and row["smd_after"] == report.number(stored["smd_after"], 2)
    # sex and municipality coincide in these data: the municipality effects cannot be estimated
    # with sex as a covariate, and the report says so
    assert "Kommune: kunne ikke beregnes" in text
    # one open and one filled circle per covariate
    assert balance["chart"].count("<circle") == 3 * 2 + 2
    # a favourable difference from matching: suggests an effect, but names what matching cannot rule out
    assert analysis.proposed_grade == "B"
    assert "tyder på en gunstig virkning" in text and "ikke dannet ved lodtrækning" in text
    assert "Børnene er fordelt ved lodtrækning" not in text


def test_randomised_ancova_report_shows_balance_before_only(
    assigned_evaluator, intervention, comparison, sdq, aarhus, odense
):
    analysis = _quasi(
        assigned_evaluator,
        intervention,
        comparison,
        sdq,
        [aarhus, odense],
        Design.RANDOMISED,
        cluster_by_municipality=False,
        no_clustering_reason="Two municipalities only",
    )
    context = report.report_context(analysis, "slut")
    assert context["balance"]["matched"] is False
    assert "Efter matchning" not in context["balance"]["chart"]
    conclusion = " ".join(context["conclusion"])
    assert analysis.proposed_grade == "A"
    assert "Børnene er fordelt ved lodtrækning" in conclusion
    assert "Designet giver evidensniveau 1." in conclusion


@pytest.mark.parametrize("kind", ["slut", "midtvejs"])
def test_an_analysis_stored_before_the_new_sections_still_renders(
    assigned_evaluator, pre_post, kind, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    old = {key: value for key, value in pre_post.result.items() if key not in NEW_KEYS}
    Analysis.objects.filter(pk=pre_post.pk).update(result=old)
    pre_post.refresh_from_db()
    client = logged_in(assigned_evaluator)
    response = client.get(reverse("evaluation:analysis_report", args=[pre_post.pk]) + f"?type={kind}")
    assert response.status_code == 200
    text = _text(response.content.decode())
    assert "Analysen er beregnet, før rapporten fik undergrupper" in text
    assert "Analysen er beregnet, før rapporten fik dosis og troskab" in text
    assert "så oplysningerne er hentet nu" in text and "Uddannede medarbejdere" in text
    pdf_url = reverse("evaluation:analysis_pdf", args=[pre_post.pk]) + f"?type={kind}"
    with django_capture_on_commit_callbacks(execute=True):  # the background task renders it on commit
        assert "Rapporten dannes" in client.get(pdf_url).text
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def _page_texts(document) -> list[str]:
    return [
        " ".join(box.text for box in page._page_box.descendants() if hasattr(box, "text"))
        for page in document.pages
    ]


def test_pdf_pages_hold_every_section_on_a4(pre_post):
    document = report.report_document(pre_post, "slut")
    assert len(document.pages) >= 2
    for page in document.pages:  # A4 in CSS pixels (96 per inch)
        assert page.width == pytest.approx(210 / 25.4 * 96, abs=1)
        assert page.height == pytest.approx(297 / 25.4 * 96, abs=1)
    pages = _page_texts(document)
    whole = " ".join(pages)
    assert pages[0].startswith("Slutevaluering: Skolefravær")
    for heading in (
        "Konklusion",
        "Undergrupper",
        "Dosis og troskab",
        "Implementering",
        "Økonomi",
        "Sporbarhed",
    ):
        assert heading in whole, heading
    assert pre_post.inputs_hash in whole
    # the page counter in the margin: "1 / N" ... "N / N"
    count = len(pages)
    assert f"{count} / {count}" in pages[-1]


def test_midterm_pdf_is_marked_interim(pre_post):
    pages = _page_texts(report.report_document(pre_post, "midtvejs"))
    assert pages[0].startswith("Midtvejsevaluering")
    assert "Foreløbige resultater" in pages[0]
    assert "Konklusion" not in " ".join(pages)
