"""Dose and fidelity in the browser: a caseworker uploads a broken file, then a good one, and sets one
child by hand; the demo evaluator opens the page from the evaluation index."""

from __future__ import annotations

import pytest

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.dashboard.demo import load_demo
from indsats.evaluation.models import Exposure, Study
from indsats.outcomes.models import Participant
from indsats.outcomes.services.participants import register_participant

pytestmark = pytest.mark.django_db(transaction=True)

NEW_CHILD_CPR = "010115-4011"  # registered in the test; never stored, only its pseudonym


@pytest.fixture
def demo(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    load_demo(scale=1, log=lambda _message: None)


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_a_caseworker_uploads_a_broken_file_then_a_good_one_and_sets_one_child(page, demo):
    from indsats.accounts.models import User

    study = Study.objects.select_related("intervention").order_by("pk").first()  # the evaluator's own
    assert study is not None
    intervention = study.intervention
    caseworker = User.objects.get(username="sagsbehandler-aarhus")
    child = register_participant(
        actor=caseworker,
        municipality=Participant.objects.filter(municipality__municipality_code="751").first().municipality,
        intervention=intervention,
        cpr=NEW_CHILD_CPR,
    )
    own = (
        Participant.objects.filter(
            municipality__municipality_code="751", enrolments__intervention=intervention
        )
        .exclude(pk=child.pk)
        .order_by("pk")
        .first()
    )
    before = {e.pk: (e.sessions, e.fidelity) for e in Exposure.objects.all()}

    page.login("sagsbehandler-aarhus", DEMO_PASSWORD)
    page.goto(f"/evaluering/indsats/{intervention.pk}/dosis/")
    assert "Dosis og troskab" in page.page.content() and "Odense Kommune" not in page.page.content()
    page.check("exposure-index-caseworker")

    broken = _csv("cpr;sessions;fidelity", f"{NEW_CHILD_CPR};1,5;0,8", "050515-4005;3;120 %")
    page.page.set_input_files("#id_file", {"name": "fejl.csv", "mimeType": "text/csv", "buffer": broken})
    with page.page.expect_navigation():
        page.page.click("text=Indlæs filen")
    content = page.page.content()
    assert "fejl.csv har 3 fejl. Intet er gemt." in content
    assert (
        "helt tal" in content and "uden for 0-1" in content and "intet barn med dette CPR-nummer" in content
    )
    assert "050515" not in content and "010115" not in content
    page.check("exposure-import-errors")
    assert {e.pk: (e.sessions, e.fidelity) for e in Exposure.objects.all()} == before

    good = _csv("cpr;sessions;fidelity", f"{NEW_CHILD_CPR};11;80 %")
    page.page.set_input_files("#id_file", {"name": "god.csv", "mimeType": "text/csv", "buffer": good})
    with page.page.expect_navigation():
        page.page.click("text=Indlæs filen")
    assert "Filen er indlæst: 1 nye, 0 ændrede og 0 uændrede børn." in page.page.content()
    assert Exposure.objects.get(participant=child).sessions == 11
    assert child.short_code in page.page.content()
    page.check("exposure-import-done")

    page.page.select_option("#id_participant", str(own.pk))
    page.page.fill("#id_sessions", "20")
    page.page.fill("#id_fidelity", "0,95")
    with page.page.expect_navigation():
        page.page.click("text=Gem barnets tal")
    assert "Barnets dosis og troskab er gemt." in page.page.content()
    exposure = Exposure.objects.get(participant=own, intervention=intervention)
    assert (exposure.sessions, exposure.fidelity) == (20, 0.95)
    page.check("exposure-child-saved")


def test_the_evaluator_opens_the_page_from_the_evaluation_index(page, demo):
    page.login("evaluator", DEMO_PASSWORD)
    page.goto("/evaluering/")
    with page.page.expect_navigation():
        page.page.click("text=Dosis og troskab i")
    content = page.page.content()
    assert "Aarhus Kommune" in content and "Odense Kommune" in content and "Deltagerkode" in content
    page.check("exposure-index-evaluator")
