"""A municipality as a user of its own evaluation and economy (issue 18): the demo's Aarhus manager opens
the evaluation of its practice from the front page and makes a local business case for an intervention
Aarhus takes part in, started from the national case, and computes it."""

from __future__ import annotations

import pytest

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.accounts.models import Organisation, User
from indsats.dashboard.demo import load_demo
from indsats.economy.models import BusinessCase, BusinessCaseResult, ResultStatus
from indsats.evaluation.access import practice_intervention_ids

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    load_demo(scale=1, log=lambda _message: None)


def test_a_municipality_reads_its_practice_and_makes_a_local_business_case(page, demo):
    page.login("kommune-aarhus", DEMO_PASSWORD)
    page.goto("/")
    panel = page.page.locator("section, article, div.card", has_text="Evaluering af jeres praksis").last
    assert panel.count() == 1
    page.check("municipality-front-page")
    with page.page.expect_navigation():
        panel.locator("a").first.click()
    content = page.page.content()
    assert "evaluering:" in content.lower() or "Slutevaluering" in content
    assert "Odense Kommune" not in content
    page.check("municipality-practice-report")

    page.goto("/oekonomi/business-cases/ny/")
    assert "Ny lokal business case" in page.page.content()
    manager = User.objects.get(username="kommune-aarhus")
    national = next(
        case
        for case in BusinessCase.objects.filter(municipality__isnull=True).order_by("pk")
        if case.intervention_id in practice_intervention_ids(manager)
    )
    page.page.select_option("#id_intervention", value=str(national.intervention_id))
    page.page.fill("#id_name", "Aarhus: vores egen business case")
    page.page.fill("#id_participants", "30")
    page.check("municipality-case-create")
    with page.page.expect_navigation():
        page.page.click("main button[type=submit]")
    case = BusinessCase.objects.get(name="Aarhus: vores egen business case")
    assert case.municipality == Organisation.objects.get(name="Aarhus Kommune") and case.participants == 30
    assert case.costs.count() == national.costs.count() > 0  # started from the national case
    assert case.outcomes.count() == national.outcomes.count()
    page.check("municipality-case-edit")
    page.page.click("button:has-text('Gem og beregn')")
    page.page.wait_for_url("**/oekonomi/beregninger/**")
    assert "Aarhus Kommune (lokal)" in page.page.content()
    assert BusinessCaseResult.objects.get(case=case).status == ResultStatus.DONE
    page.check("municipality-case-result")
