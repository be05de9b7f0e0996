"""The report across practices in the browser: the demo evaluator pools the studies it may see."""

from __future__ import annotations

import pytest

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.dashboard.demo import load_demo
from indsats.evaluation.demo import load_cross_practice
from indsats.evaluation.models import Study

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    context = load_demo(scale=1, log=lambda _message: None)
    load_cross_practice(context)  # idempotent: a no-op once evaluation.demo.load calls it


def test_an_evaluator_pools_the_practices_and_leaves_one_out(page, demo):
    page.login("evaluator", DEMO_PASSWORD)
    page.goto("/evaluering/")
    with page.page.expect_navigation():
        page.page.click("text=Evalueringsrapport på tværs af indsatser")
    content = page.page.content()
    studies = list(Study.objects.order_by("intervention__name"))
    assert len(studies) >= 3
    assert "Samlet for 4 indsatser" in content and "<polygon" in content
    page.check("evaluation-cross-practice")
    page.page.uncheck(f"input[name=studie][value='{studies[0].pk}']")
    with page.page.expect_navigation():
        page.page.click("text=Beregn den samlede analyse")
    content = page.page.content()
    assert "Samlet for 3 indsatser" in content
    assert "Kun 3 indsatser indgår" in content
    page.check("evaluation-cross-practice-three")
    href = page.page.get_attribute("text=Hent rapporten som PDF", "href")
    response = page.page.request.get(page.base_url + href)
    assert response.status == 200 and response.body().startswith(b"%PDF")
