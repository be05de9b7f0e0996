"""Engine errors in the reader's language: every code has a Danish message and an English translation,
and a Danish page never shows the engine's English sentence (the page: tests/evaluation/test_engine_errors.py)."""

from __future__ import annotations

import re
import string

import polib
import pytest
from django.utils import translation

from indsats.engine.base.errors import EngineError, StatisticsInputError, engine_error_kinds
from indsats.engine.cpr import CprError, validate_cpr
from indsats.engine.investment.case_document import CaseError, parse_case
from indsats.ui.engine_messages import CATALOGUES, engine_message
from tests.config.test_translations import CATALOGUE

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _all_codes() -> list[tuple[type[EngineError], str]]:
    # importing the catalogue imported every module that defines an engine error
    return [(kind, code) for kind in engine_error_kinds() for code in kind.MESSAGES]


def _sample(kind: type[EngineError], code: str) -> EngineError:
    """An error of the kind with each parameter of its English message filled with a distinct value."""
    error = EngineError.__new__(kind)
    fields = _given(kind, code)
    error.field, error.code = "field", code
    error.params = {name: 7 for name in fields}
    error.message = kind.MESSAGES[code].format(**error.params)
    return error


def _given(kind: type[EngineError], code: str) -> set[str]:
    """The parameters an error of this kind and code gives."""
    used = {name for _, name, _, _ in string.Formatter().parse(kind.MESSAGES[code]) if name}
    return used | set(kind.EXTRA_PARAMS.get(code, ()))


def test_every_engine_error_code_has_a_danish_message():
    missing = []
    for kind, code in _all_codes():
        catalogue = next((CATALOGUES[k] for k in kind.__mro__ if k in CATALOGUES), None)
        if catalogue is None or code not in catalogue:
            missing.append(f"{kind.__name__}.{code}")
    assert missing == []
    assert len(_all_codes()) > 150


def test_every_danish_message_uses_only_parameters_the_engine_gives():
    for kind, code in _all_codes():
        catalogue = next(CATALOGUES[k] for k in kind.__mro__ if k in CATALOGUES)
        with translation.override("da"):
            danish = str(catalogue[code])
        assert set(PLACEHOLDER.findall(danish)) <= _given(kind, code), f"{kind.__name__}.{code}"


def test_every_danish_engine_message_has_an_english_translation():
    translated = {entry.msgid for entry in polib.pofile(str(CATALOGUE)) if entry.translated()}
    untranslated = []
    for catalogue in CATALOGUES.values():
        for code, message in catalogue.items():
            with translation.override("da"):
                if str(message) not in translated:
                    untranslated.append(code)
    assert untranslated == []


@pytest.mark.parametrize(("kind", "code"), _all_codes(), ids=lambda value: getattr(value, "__name__", value))
def test_a_message_is_danish_in_danish_and_english_in_english(kind, code):
    error = _sample(kind, code)
    with translation.override("da"):
        danish = engine_message(error)
    with translation.override("en"):
        english = engine_message(error)
    assert danish != english
    assert len(error.message) < 5 or error.message not in danish  # a message that is only a number


def test_a_real_engine_error_reads_in_the_active_language():
    with pytest.raises(CaseError) as caught:
        parse_case({"name": "x", "price_year": 2024, "horizon_years": 5, "participants": 10, "costs": 3})
    with translation.override("da"):
        assert engine_message(caught.value) == "skal være en liste af omkostninger"
    with translation.override("en"):
        assert engine_message(caught.value) == "must be a list of costs"
    with pytest.raises(CprError) as cpr:
        validate_cpr("070761-428")
    with translation.override("da"):
        assert engine_message(cpr.value) == "CPR-nummeret skal have 10 cifre (DDMMÅÅ-SSSS); det har 9."
    with translation.override("en"):
        assert engine_message(cpr.value) == "The CPR number must have 10 digits (DDMMYY-SSSS); it has 9."


def test_numbers_in_a_message_follow_the_language():
    error = StatisticsInputError("vi", "variance_not_positive", study=2, variance=-0.25)
    with translation.override("da"):
        assert "-0,25" in engine_message(error)
    with translation.override("en"):
        assert "-0.25" in engine_message(error)
