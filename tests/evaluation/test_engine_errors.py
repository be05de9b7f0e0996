"""An engine error on an evaluation page reads in the page's language, never the engine's English."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.conftest import logged_in
from tests.evaluation.conftest import _rounds
from tests.evaluation.factories import make_study


def test_a_danish_page_never_shows_the_engines_english_text(assigned_evaluator, intervention, sdq):
    # a study without measurements: the engine refuses with "only 0 children have both a pre and a post
    # score; at least 3 are needed", which the page must show in Danish
    study = make_study(intervention=intervention, rounds=_rounds(intervention), instrument=sdq)
    client = logged_in(assigned_evaluator)
    response = client.post(reverse("evaluation:study_run", args=[study.pk]), follow=True)
    body = response.content.decode()
    assert "kun 0 børn har både en før- og en eftermåling; der skal være mindst 3" in body
    assert "both a pre and a post score" not in body
    assert "at least 3 are needed" not in body


def test_an_english_page_shows_the_engines_error_in_english(assigned_evaluator, intervention, sdq):
    study = make_study(intervention=intervention, rounds=_rounds(intervention), instrument=sdq)
    client = logged_in(assigned_evaluator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("da"):  # the request activates English; leave the language as it was after it
        body = client.post(reverse("evaluation:study_run", args=[study.pk]), follow=True).content.decode()
    assert "only 0 children have both a pre and a post score; at least 3 are needed" in body
    assert "før- og eftermåling" not in body
