"""The phase model in a real browser: register an intervention, fill its checklist, review the gate,
decide as the steering group, and see it move on the board. Every page is checked with axe-core."""

from __future__ import annotations

import pytest

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.dashboard.demo import load_demo
from indsats.interventions.models import GateReview, Intervention, ReviewStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    load_demo(scale=1, log=lambda _message: None)


def test_register_fill_checklist_review_decide_and_see_it_move(page, demo):
    page.login("styrelse", DEMO_PASSWORD)
    page.goto("/indsatser/")
    page.check("interventions-board")
    page.page.click("text=Registrér en indsats >> nth=0")
    page.page.fill("#id_name", "Skoleteam mod fravær")
    page.page.fill("#id_short_description", "Et tværfagligt skoleteam reagerer på fravær i første uge.")
    page.page.fill("#id_age_from", "6")
    page.page.fill("#id_age_to", "16")
    page.page.check("label:has-text('Bekymrende skolefravær')")
    page.page.select_option("#id_origin", value="municipal_practice")
    page.page.select_option("#id_owner", label="Aarhus Kommune")
    page.page.fill("#id_programme", "BUIP 2020: Bekymrende skolefravær")
    page.page.fill("#id_activities", "Fraværsmøde i første uge\nFælles handleplan med familien")
    page.page.fill("#id_short_term_outcomes", "Højere fremmøde")
    page.page.fill("#id_long_term_outcomes", "Gennemført grundskole")
    page.check("intervention-form")
    page.page.click("main button[type=submit]")
    assert "Indsatsen er registreret i Fase 0: Screening." in page.page.content()
    page.check("intervention-detail-new")

    page.page.click("text=Opdatér fase og tjekliste")
    for box in page.page.locator("input[name=done]").all():
        box.check()
    page.page.fill("#id_committed_amount", "650000")
    page.page.fill("#id_planned_end", "2027-06-30")
    page.check("phase-checklist")
    page.page.click("main button[type=submit]")
    assert "Fasen og tjeklisten er gemt." in page.page.content()

    page.page.click("text=Start gate review")
    for criterion in ("effect", "economy", "implementation", "demand", "realistic_operation"):
        page.page.check(f"#id_{criterion}-rating_0")
        page.page.fill(f"#id_{criterion}-rationale", "Vurderet ud fra kortlægningen af kommunernes behov.")
    page.page.fill("#id_effect-fact", "3 studier med positiv effekt")
    page.page.fill("#id_effect-fact_source", "Vidensafdækning 2026")
    page.page.fill("#id_summary", "Styrelsen indstiller, at indsatsen modnes.")
    page.check("gate-review-form")
    page.page.click("text=Gem og send til styregruppen")
    assert "Gate review er sendt til styregruppen." in page.page.content()
    page.check("gate-review-submitted")
    page.page.click("button.log-off")

    page.login("styregruppe", DEMO_PASSWORD)
    assert "Gate reviews, der venter på dig" in page.page.content()
    page.check("front-page-steering-group")
    page.page.click("text=Alle ventende gate reviews")
    page.page.click("text=Skoleteam mod fravær")
    page.page.check("label:has-text('Godkend med betingelser')")
    page.page.fill("#id_reason", "Behovet er dokumenteret i mange kommuner.")
    page.page.fill("#id_conditions", "En pilot i mindst tre kommuner.")
    page.check("gate-review-decision")
    page.page.click("main button[type=submit]")
    assert "Afgørelsen er gemt, og indsatsen er flyttet." in page.page.content()
    page.check("intervention-detail-after-decision")
    intervention = Intervention.objects.get(name="Skoleteam mod fravær")
    assert intervention.state == "maturation"

    page.goto("/indsatser/")
    column = page.page.locator("section[aria-labelledby=column-maturation]")
    assert "Skoleteam mod fravær" in column.inner_text()
    page.check("interventions-board-after")


def test_the_portfolio_table_a_detail_page_with_charts_and_a_decision_race(page, demo):
    page.login("styregruppe", DEMO_PASSWORD)
    page.goto("/indsatser/tabel/?fase=testing")
    page.check("interventions-table")
    page.goto("/indsatser/gate-reviews/")
    page.check("gate-reviews-waiting")
    review = GateReview.objects.filter(status=ReviewStatus.SUBMITTED).order_by("pk").first()
    page.goto(f"/indsatser/gate-reviews/{review.pk}/")
    page.page.check("label:has-text('Send tilbage til styrelsen')")
    page.page.fill("#id_reason", "Mangler data om implementering.")
    # someone else decides first, while this page is open
    from indsats.accounts.models import User
    from indsats.interventions.services import decide_gate_review

    decide_gate_review(
        actor=User.objects.get(username="styregruppe"),
        review=review,
        decision="approve",
        reason="Først.",
        expected_version=review.version,
    )
    page.page.click("main button[type=submit]")
    body = page.page.content()
    assert "allerede afgjort af Stine Styregruppe" in body and "Mangler data om implementering." in body
    page.check("gate-review-already-decided")
    with_everything = Intervention.objects.filter(
        knowledge_declarations__isnull=False, state="testing"
    ).first()
    page.goto(f"/indsatser/{with_everything.pk}/")
    page.check("intervention-detail-with-charts")


def test_a_municipality_sees_its_interventions_and_assesses_its_practice(page, demo):
    page.login("kommune-aarhus", DEMO_PASSWORD)
    page.goto("/indsatser/")
    assert "Indsatser, I deltager i" in page.page.content()
    page.check("interventions-municipality")
    page.page.click("text=Trygge overgange for anbragte unge")
    page.check("intervention-detail-municipality")
    page.page.click("text=Vurdér praksis")
    for index in range(11):
        page.page.locator("input[type=radio][value='2']").nth(index).check()
    page.check("practice-assessment-form")
    page.page.click("main button[type=submit]")
    assert "Vurderingen af praksis er gemt." in page.page.content()
    page.goto("/indsatser/lovende-praksis/")
    assert "Odense Kommune" not in page.page.content()
    page.check("practice-comparison-municipality")
