"""Scoring of questionnaires against hand-scored answers, the official SDQ syntax and published cut-offs.

References used here, never the code's own earlier output:
* questionnaires scored by hand in the comments (item by item, with the reverse-scored items flipped);
* the SDQ's official scoring syntax (youthinmind, sdqinfo.org): a subscale is RND(MEAN.3(items) * 5),
  re-implemented below per row with Python's ``decimal`` ROUND_HALF_UP (SPSS RND / Stata round);
* published cut-offs (the sdqinfo.org band tables, the ORS/SRS manual, Topp et al. 2015 for the WHO-5),
  quoted in the comments at each test.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from indsats.engine.instruments import (
    InstrumentDefinitionError,
    UnknownInstrument,
    list_instruments,
    load_instrument,
    parse_instrument,
)
from indsats.engine.scoring import (
    AnswerError,
    classify_change,
    round_half_away_from_zero,
    score,
    validate_answers,
)

NAN = math.nan

# The SDQ's subscales by official item number (Goodman 1997; sdqinfo.org scoring instructions).
SDQ_SUBSCALES = {
    "emotional": (3, 8, 13, 16, 24),
    "conduct": (5, 7, 12, 18, 22),
    "hyperactivity": (2, 10, 15, 21, 25),
    "peer": (6, 11, 14, 19, 23),
    "prosocial": (1, 4, 9, 17, 20),
}
SDQ_REVERSED = (
    7,
    11,
    14,
    21,
    25,
)  # obeys, good friend, generally liked, thinks things out, sees tasks through


def sdq_row(answers: Mapping[int, float]) -> list[float]:
    """A 25-item row from {item number: answer}; items not given are missing."""
    return [answers.get(i, NAN) for i in range(1, 26)]


# A parent SDQ scored by hand. Answers by item number; reverse-scored items flipped (2 - answer):
#   emotional     3:0  8:1  13:1  16:0  24:2                      = 4
#   conduct       5:1  7:2->0  12:0  18:0  22:0                   = 1
#   hyperactivity 2:1  10:2  15:2  21:0->2  25:1->1               = 8
#   peer          6:0  11:2->0  14:1->1  19:1  23:1               = 3
#   prosocial     1:2  4:2  9:2  17:2  20:1                       = 9
#   total difficulties 4 + 1 + 8 + 3                              = 16
COMPLETE = {
    1: 2, 2: 1, 3: 0, 4: 2, 5: 1, 6: 0, 7: 2, 8: 1, 9: 2, 10: 2, 11: 2, 12: 0, 13: 1,
    14: 1, 15: 2, 16: 0, 17: 2, 18: 0, 19: 1, 20: 1, 21: 0, 22: 0, 23: 1, 24: 2, 25: 1,
}  # fmt: skip

# The same kind of form with items left empty, scored by hand with the official rule
# "mean of the answered items x 5, rounded half up, if at least 3 of 5 are answered":
#   emotional     3:1  8:1  13:0  16:-  24:0    4 answered, sum 2: 2/4*5 = 2.5   -> 3 (numpy.round gives 2)
#   conduct       5:1  7:-  12:0  18:-  22:0    3 answered, sum 1: 1/3*5 = 1.67  -> 2
#   hyperactivity 2:2  10:2  15:-  21:-  25:-   2 answered                       -> not scored
#   peer          6:2  11:0->2  14:-  19:2  23:0  4 answered, sum 6: 6/4*5 = 7.5 -> 8
#   prosocial     1:1  4:1  9:1  17:1  20:1      all answered                    = 5
#   total difficulties: hyperactivity missing                                     -> not scored
WITH_MISSING = {1: 1, 2: 2, 3: 1, 4: 1, 5: 1, 6: 2, 8: 1, 9: 1, 10: 2, 11: 0, 12: 0, 13: 0, 17: 1, 19: 2,
                20: 1, 22: 0, 23: 0, 24: 0}  # fmt: skip

# Peer problems with a reverse-scored item in a prorated .5 case:
#   6:-  11:1->1  14:2->0  19:1  23:0   4 answered, sum 2: 2/4*5 = 2.5 -> 3
REVERSED_HALF = {11: 1, 14: 2, 19: 1, 23: 0}


@pytest.fixture(scope="module")
def sdq_parent():
    return load_instrument("sdq-parent-4-17")


def test_sdq_definitions_follow_the_official_item_order_keying_and_subscales():
    for key in ("sdq-parent-4-17", "sdq-teacher-4-17", "sdq-self-11-17"):
        sdq = load_instrument(key)
        assert sdq.item_keys == tuple(f"sdq{i}" for i in range(1, 26))
        reversed_items = tuple(int(item.key[3:]) for item in sdq.items if item.reverse)
        assert reversed_items == SDQ_REVERSED
        for subscale in sdq.subscales:
            assert tuple(int(k[3:]) for k in subscale.items) == SDQ_SUBSCALES[subscale.key]
            assert (subscale.rule, subscale.min_answered, subscale.decimals) == ("prorated_sum", 3, 0)
        (total,) = sdq.composites
        assert total.key == "total_difficulties"
        assert total.components == ("emotional", "conduct", "hyperactivity", "peer")


def test_complete_parent_sdq_matches_the_hand_scored_form(sdq_parent):
    result = score(sdq_parent, [sdq_row(COMPLETE)])
    expected = {
        "emotional": 4,
        "conduct": 1,
        "hyperactivity": 8,
        "peer": 3,
        "prosocial": 9,
        "total_difficulties": 16,
    }
    assert {key: result.scores[key][0] for key in expected} == expected
    assert result.row_warnings(0) == ()


def test_complete_parent_sdq_gets_the_published_four_bands(sdq_parent):
    # sdqinfo.org four-band table, parent-completed: emotional 4 = slightly raised (0-3 average, 4, 5-6,
    # 7-10); conduct 1 = close to average (0-2); hyperactivity 8 = high (0-5, 6-7, 8, 9-10); peer 3 =
    # slightly raised (0-2, 3, 4, 5-10); prosocial 9 = close to average (8-10); total 16 = slightly
    # raised (0-13, 14-16, 17-19, 20-40).
    result = score(sdq_parent, [sdq_row(COMPLETE)])
    assert {key: str(codes[0]) for key, codes in result.bands.items()} == {
        "emotional": "slightly_raised",
        "conduct": "close_to_average",
        "hyperactivity": "high",
        "peer": "slightly_raised",
        "prosocial": "close_to_average",
        "total_difficulties": "slightly_raised",
    }


def test_complete_parent_sdq_gets_the_original_three_bands(sdq_parent):
    # Goodman (1997) / sdqinfo.org, parent: emotional 0-3 normal, 4 borderline; conduct 0-2 normal;
    # hyperactivity 7-10 abnormal; peer 3 borderline; prosocial 6-10 normal; total 14-16 borderline.
    result = score(sdq_parent, [sdq_row(COMPLETE)], band_scheme="three_band")
    assert result.band_scheme == "three_band"
    assert {key: str(codes[0]) for key, codes in result.bands.items()} == {
        "emotional": "borderline",
        "conduct": "normal",
        "hyperactivity": "abnormal",
        "peer": "borderline",
        "prosocial": "normal",
        "total_difficulties": "borderline",
    }


def test_missing_items_are_prorated_rounding_halves_up_as_the_official_syntax(sdq_parent):
    result = score(sdq_parent, [sdq_row(WITH_MISSING)])
    assert result.scores["emotional"][0] == 3  # 2.5 -> 3, not numpy's half-to-even 2
    assert result.scores["conduct"][0] == 2
    assert np.isnan(result.scores["hyperactivity"][0])
    assert result.scores["peer"][0] == 8  # 7.5 -> 8
    assert result.scores["prosocial"][0] == 5
    assert np.isnan(result.scores["total_difficulties"][0])
    assert result.bands["hyperactivity"][0] == ""
    assert result.bands["total_difficulties"][0] == ""


def test_prorating_applies_after_reverse_scoring(sdq_parent):
    result = score(sdq_parent, [sdq_row(REVERSED_HALF)])
    assert result.scores["peer"][0] == 3


def test_a_subscale_with_only_two_answers_is_not_scored_and_the_row_warns(sdq_parent):
    result = score(sdq_parent, [sdq_row(WITH_MISSING)])
    warnings = result.row_warnings(0)
    assert "hyperactivity: not scored, 2 of 5 items answered (at least 3 needed)" in warnings
    assert "emotional: scored from 4 of 5 items" in warnings
    assert list(result.rows_with_warnings()) == [0]
    assert any(w.startswith("hyperactivity: 1 of 1 rows could not be scored") for w in result.warnings)


def test_an_empty_form_gives_no_scores_and_no_bands(sdq_parent):
    result = score(sdq_parent, np.full((1, 25), NAN))
    assert all(np.isnan(result.scores[key][0]) for key in result.score_keys)
    assert all(codes[0] == "" for codes in result.bands.values())


def official_syntax_subscale(values: list[float], reverse: list[bool]) -> float:
    """One SDQ subscale per the official syntax, per row, with ``decimal``'s ROUND_HALF_UP (SPSS RND)."""
    answered = [2 - v if r else v for v, r in zip(values, reverse, strict=True) if not math.isnan(v)]
    if len(answered) < 3:
        return NAN
    exact = Decimal(sum(int(v) for v in answered)) * 5 / Decimal(len(answered))
    return float(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        dtype=np.float64,
        shape=st.tuples(st.integers(1, 40), st.just(25)),
        elements=st.sampled_from([0.0, 1.0, 2.0, NAN]),
    )
)
def test_every_subscale_equals_the_official_syntax_row_by_row(answers):
    sdq = load_instrument("sdq-teacher-4-17")
    result = score(sdq, answers)
    for key, numbers in SDQ_SUBSCALES.items():
        for row in range(answers.shape[0]):
            values = [answers[row, i - 1] for i in numbers]
            expected = official_syntax_subscale(values, [i in SDQ_REVERSED for i in numbers])
            got = result.scores[key][row]
            assert (math.isnan(expected) and math.isnan(got)) or got == expected
        # total difficulties: the four added with '+', so missing if any is missing
    parts = np.array([result.scores[k] for k in ("emotional", "conduct", "hyperactivity", "peer")])
    expected_total = np.where(np.isnan(parts).any(axis=0), NAN, np.nansum(parts, axis=0))
    np.testing.assert_array_equal(result.scores["total_difficulties"], expected_total)


def test_teacher_and_self_report_use_their_own_published_bands():
    # Same answers, different norms: emotional 5 is "high" for teachers (0-3, 4, 5, 6-10; Kersten et al.
    # 2016, Table 1, from sdqinfo.org) and "slightly raised" for self-report (0-4, 5, 6, 7-10).
    answers = sdq_row({3: 1, 8: 1, 13: 1, 16: 1, 24: 1})
    teacher = score(load_instrument("sdq-teacher-4-17"), [answers])
    self_report = score(load_instrument("sdq-self-11-17"), [answers])
    assert teacher.scores["emotional"][0] == self_report.scores["emotional"][0] == 5
    assert teacher.bands["emotional"][0] == "high"
    assert self_report.bands["emotional"][0] == "slightly_raised"


@pytest.mark.parametrize(
    ("prosocial_items", "expected_band"),
    [
        # parent four-band prosocial: 8-10 close to average, 7 slightly lowered, 6 low, 0-5 very low
        ((2, 2, 2, 1, 1), "close_to_average"),  # 8
        ((2, 2, 1, 1, 1), "slightly_lowered"),  # 7
        ((2, 1, 1, 1, 1), "low"),  # 6
        ((1, 1, 1, 1, 1), "very_low"),  # 5
    ],
)
def test_prosocial_bands_run_the_other_way(sdq_parent, prosocial_items, expected_band):
    answers = sdq_row(dict(zip(SDQ_SUBSCALES["prosocial"], prosocial_items, strict=True)))
    result = score(sdq_parent, [answers])
    assert result.bands["prosocial"][0] == expected_band
    assert sdq_parent.direction("prosocial") == "higher_is_better"
    assert sdq_parent.band_order("prosocial")[0] == "close_to_average"
    assert sdq_parent.band_order("emotional")[0] == "close_to_average"


# --- the impact supplement ---------------------------------------------------------------------------


def impact_row(instrument, answers: dict[str, float]) -> list[float]:
    return [answers.get(key, NAN) for key in instrument.item_keys]


def test_parent_impact_is_the_recoded_sum_of_distress_and_four_impairments():
    impact = load_instrument("sdq-impact-parent-4-17")
    # difficulties "definite"; distress "a great deal" 2, home "quite a lot" 1, friendships "only a little"
    # 0, classroom missing (adds 0), leisure "a great deal" 2: impact = 2 + 1 + 0 + 0 + 2 = 5
    row = impact_row(
        impact,
        {"impact_difficulties": 2, "impact_distress": 3, "impact_home": 2, "impact_friendships": 1,
         "impact_leisure": 3, "impact_duration": 3, "impact_burden": 3},
    )  # fmt: skip
    result = score(impact, [row])
    assert result.scores["impact"][0] == 5
    assert result.bands["impact"][0] == "very_high"  # four-band parent impact: 0, 1, 2, 3-10


def test_impact_is_zero_when_no_difficulties_are_reported_and_missing_when_nothing_is_answered():
    impact = load_instrument("sdq-impact-parent-4-17")
    rows = [
        impact_row(impact, {"impact_difficulties": 0}),  # "No" -> 0 whatever is missing
        impact_row(impact, {}),  # nothing answered -> missing
        impact_row(impact, {"impact_difficulties": 1}),  # "minor", no impact item answered -> missing
        impact_row(impact, {"impact_difficulties": 1, "impact_distress": 2}),  # 1
    ]
    result = score(impact, rows)
    np.testing.assert_array_equal(result.scores["impact"], [0, NAN, NAN, 1])
    assert list(result.bands["impact"]) == ["close_to_average", "", "", "slightly_raised"]
    assert result.row_warnings(0) == ()


def test_teacher_impact_uses_distress_peers_and_classroom_only():
    impact = load_instrument("sdq-impact-teacher-4-17")
    # distress "quite a lot" 1 + peers "a great deal" 2 + classroom "only a little" 0 = 3 (range 0-6)
    row = impact_row(
        impact, {"impact_difficulties": 3, "impact_distress": 2, "impact_peers": 3, "impact_classroom": 1}
    )
    result = score(impact, [row], band_scheme="three_band")
    assert result.scores["impact"][0] == 3
    assert result.bands["impact"][0] == "abnormal"  # three-band: 0 normal, 1 borderline, 2+ abnormal
    assert impact.score_range("impact") == (0.0, 6.0)


# --- ORS, SRS, WHO-5 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "marks", "total", "band"),
    [
        # adult clinical cut-off 25 (Miller et al. 2003): below 25 is the clinical range
        ("ors-adult", (6.2, 5.8, 7.0, 5.9), 24.9, "clinical"),
        ("ors-adult", (6.3, 6.2, 6.3, 6.2), 25.0, "non_clinical"),
        # adolescents 13-17: 28; children's CORS: 32 (Duncan et al. 2006)
        ("ors-adolescent-13-17", (7.0, 7.0, 7.0, 6.9), 27.9, "clinical"),
        ("ors-adolescent-13-17", (7.0, 7.0, 7.0, 7.0), 28.0, "non_clinical"),
        ("cors-child-6-12", (8.0, 8.0, 8.0, 7.9), 31.9, "clinical"),
        ("cors-child-6-12", (8.0, 8.0, 8.0, 8.0), 32.0, "non_clinical"),
        # SRS: below 36 signals a possible alliance problem (Miller & Duncan 2004)
        ("srs", (9.0, 9.0, 9.0, 8.9), 35.9, "possible_alliance_problem"),
        ("srs", (9.1, 8.9, 9.0, 9.0), 36.0, "no_indication"),
    ],
)
def test_session_scales_total_the_four_marks_and_apply_the_published_cutoff(key, marks, total, band):
    result = score(load_instrument(key), [list(marks)])
    assert result.scores["total"][0] == pytest.approx(total, abs=1e-12)
    assert result.bands["total"][0] == band


def test_ors_marks_off_the_ten_centimetre_line_or_its_millimetres_are_rejected():
    ors = load_instrument("ors-adult")
    with pytest.raises(AnswerError, match=r"row 1, ors_socially: value 10.5 is outside the scale 0-10"):
        validate_answers(ors, [[5.0, 5.0, 10.5, 5.0]])
    with pytest.raises(AnswerError, match=r"row 2, ors_individually: value 6.55 is not on the scale"):
        validate_answers(ors, [[5.0, 5.0, 5.0, 5.0], [6.55, 5.0, 5.0, 5.0]])


def test_ors_total_needs_all_four_marks():
    result = score(load_instrument("ors-adult"), [[5.0, NAN, 5.0, 5.0]])
    assert np.isnan(result.scores["total"][0])


def test_reliable_change_on_the_ors_is_five_points_either_way():
    # Miller & Duncan (2004): a change of 5 points or more on the ORS total is reliable.
    ors = load_instrument("ors-adult")
    before = np.array([20.0, 26.3, 30.0, 30.0, NAN])
    after = np.array([25.0, 31.3, 26.0, 25.0, 30.0])  # 31.3 - 26.3 = 4.999999999999998 in binary
    codes = classify_change(ors, "total", before, after)
    assert list(codes) == [
        "reliable_improvement",
        "reliable_improvement",
        "no_reliable_change",
        "reliable_deterioration",
        "",
    ]


def test_reliable_change_is_refused_for_a_score_without_a_published_threshold(sdq_parent):
    with pytest.raises(
        ValueError, match="score_key: sdq-parent-4-17 defines no reliable change for 'emotional'"
    ):
        classify_change(sdq_parent, "emotional", [1.0], [2.0])


@pytest.mark.parametrize(
    ("answers", "raw", "percentage", "band"),
    [
        # Topp et al. (2015): percentage = raw x 4; <= 28 likely depression, <= 50 poor well-being
        ((1, 1, 1, 2, 2), 7, 28, "likely_depression"),
        ((2, 2, 2, 1, 1), 8, 32, "poor_wellbeing"),
        ((3, 3, 2, 2, 2), 12, 48, "poor_wellbeing"),
        ((3, 3, 3, 2, 2), 13, 52, "not_indicated"),
        ((5, 5, 5, 5, 5), 25, 100, "not_indicated"),
    ],
)
def test_who5_percentage_is_four_times_the_raw_score_with_the_published_cutoffs(
    answers, raw, percentage, band
):
    result = score(load_instrument("who-5"), [list(answers)])
    assert result.scores["raw"][0] == raw
    assert result.scores["percentage"][0] == percentage
    assert result.bands["percentage"][0] == band


def test_who5_with_an_item_missing_is_not_scored():
    result = score(load_instrument("who-5"), [[3, 3, NAN, 2, 2]])
    assert np.isnan(result.scores["raw"][0]) and np.isnan(result.scores["percentage"][0])


# --- validation of answers ---------------------------------------------------------------------------


def test_an_answer_off_the_scale_is_named_by_row_and_item(sdq_parent):
    answers = np.zeros((5, 25))
    answers[3, 6] = 3
    with pytest.raises(AnswerError) as caught:
        score(sdq_parent, answers)
    assert str(caught.value) == "row 4, sdq7: value 3 is outside the scale 0-2"
    assert caught.value.field == "sdq7"
    assert [(p.row, p.item, p.value) for p in caught.value.problems] == [(3, "sdq7", 3.0)]


def test_a_value_between_the_scale_points_is_named(sdq_parent):
    answers = np.zeros((1, 25))
    answers[0, 0] = 1.5
    with pytest.raises(
        AnswerError, match=r"row 1, sdq1: value 1.5 is not one of the scale's values \(0, 1, 2\)"
    ):
        validate_answers(sdq_parent, answers)


def test_many_bad_answers_are_listed_up_to_five_then_counted(sdq_parent):
    answers = np.full((3, 25), 7.0)
    with pytest.raises(AnswerError) as caught:
        validate_answers(sdq_parent, answers)
    message = str(caught.value)
    assert message.startswith("row 1, sdq1: value 7 is outside the scale 0-2; row 1, sdq2:")
    assert message.endswith("(and 70 more)")
    assert len(caught.value.problems) == caught.value.n_problems == 75


def test_a_file_coded_on_the_wrong_scale_keeps_the_first_thousand_problems(sdq_parent):
    # answers coded 1-3 instead of 0-2: every "3" (a third of 100,000 x 25 cells) is off the scale
    answers = np.tile([1.0, 2.0, 3.0], (100_000, 9))[:, :25]
    with pytest.raises(AnswerError) as caught:
        validate_answers(sdq_parent, answers)
    assert caught.value.n_problems == int(np.count_nonzero(answers == 3))
    assert len(caught.value.problems) == 1000
    assert str(caught.value).endswith(f"(and {caught.value.n_problems - 5} more)")


def test_answers_with_the_wrong_number_of_columns_are_refused(sdq_parent):
    with pytest.raises(
        AnswerError, match=r"answers: sdq-parent-4-17 has 25 items .* must be an array with 25 columns"
    ):
        score(sdq_parent, np.zeros((2, 24)))


def test_an_infinite_answer_is_refused(sdq_parent):
    answers = np.zeros((1, 25))
    answers[0, 4] = np.inf
    with pytest.raises(AnswerError, match="row 1, sdq5"):
        score(sdq_parent, answers)


# --- rounding -----------------------------------------------------------------------------------------


def test_rounding_is_half_away_from_zero_like_decimal_round_half_up():
    values = np.array([0.5, 1.5, 2.5, 3.5, -2.5, 2.4999, 7.5, 24.95, NAN])
    expected = [float(Decimal(str(v)).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for v in values[:-1]]
    np.testing.assert_array_equal(round_half_away_from_zero(values)[:-1], expected)
    assert np.isnan(round_half_away_from_zero(values)[-1])
    assert round_half_away_from_zero(np.array([24.95]), 1)[0] == 25.0
    assert np.round(2.5) == 2.0  # why numpy's own rounding cannot be used for the SDQ


# --- definitions --------------------------------------------------------------------------------------


def test_every_built_in_definition_loads_and_cites_a_source_for_every_rule():
    instruments = list_instruments()
    assert {i.key for i in instruments} >= {
        "sdq-parent-4-17",
        "sdq-teacher-4-17",
        "sdq-self-11-17",
        "sdq-impact-parent-4-17",
        "sdq-impact-teacher-4-17",
        "sdq-impact-self-11-17",
        "ors-adult",
        "srs",
        "who-5",
    }
    for instrument in instruments:
        assert instrument.source.strip()
        assert all(s.source.strip() for s in instrument.subscales)
        assert all(c.source.strip() for c in instrument.composites)
        assert all(b.source.strip() for b in instrument.band_schemes)
        assert all(r.source.strip() for r in instrument.reliable_change.values())


def test_an_unknown_instrument_lists_the_known_ones():
    with pytest.raises(
        UnknownInstrument, match="there is no instrument 'sdq'; the instruments are: .*sdq-parent-4-17"
    ):
        load_instrument("sdq")
    with pytest.raises(UnknownInstrument, match="sdq-parent-4-17 has no version 9"):
        load_instrument("sdq-parent-4-17", 9)


def minimal_definition() -> dict[str, Any]:
    """A small valid definition written for these tests: three items on 0-3, one subscale, bands."""
    label = {"da": "x", "en": "x"}
    return {
        "key": "test-scale",
        "version": 1,
        "name": {"da": "Testskala", "en": "Test scale"},
        "source": "Written for the tests.",
        "respondent": "self",
        "scales": {"zero_to_three": {"values": [{"value": v, "label": label} for v in range(4)]}},
        "items": [{"key": f"q{i}", "text": label, "scale": "zero_to_three"} for i in (1, 2, 3)],
        "subscales": [
            {
                "key": "total",
                "name": label,
                "items": ["q1", "q2", "q3"],
                "rule": "sum",
                "direction": "higher_is_worse",
                "source": "Written for the tests.",
            },
        ],  # fmt: skip
        "band_schemes": [
            {
                "key": "cut",
                "name": label,
                "source": "Written for the tests.",
                "bands": {
                    "total": [
                        {"code": "low", "label": label, "min": 0, "max": 4},
                        {"code": "high", "label": label, "min": 5, "max": 9},
                    ]
                },
            },
        ],  # fmt: skip
    }


def test_a_new_instrument_needs_only_a_definition():
    instrument = parse_instrument(minimal_definition())
    result = score(instrument, np.array([[1, 1, 2], [3, 3, 3], [1, NAN, 1]]))
    np.testing.assert_array_equal(result.scores["total"], [4, 9, NAN])  # "sum" needs every item by default
    assert list(result.bands["total"]) == ["low", "high", ""]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d["subscales"][0]["items"].append("q9"), "subscales[0].items[3]", "'q9' is not an item"),
        (lambda d: d["items"][1].update(scale="nope"), "items[1].scale", "'nope' is not one of the scales"),
        (lambda d: d["subscales"][0].update(rule="median"), "subscales[0].rule", "must be one of"),
        (lambda d: d["subscales"][0].update(min_answered=4), "subscales[0].min_answered", "from 1 to"),
        (lambda d: d["subscales"][0].pop("source"), "subscales[0].source", "non-empty text"),
        (lambda d: d["band_schemes"][0]["bands"]["total"][1].update(min=4),
         "band_schemes[0].bands.total[1].min", "overlaps the band before"),
        (lambda d: d["band_schemes"][0]["bands"]["total"][1].update(max=8), "band_schemes[0].bands.total",
         "the bands cover 0-8 but the score can be 0-9"),
        (lambda d: d["subscales"][0].update(recode={"0": 0, "1": 0, "2": 1}), "subscales[0].recode",
         "every value of the scale; 3 has none"),
        (lambda d: d.update(composites=[{"key": "both", "name": {"da": "b", "en": "b"},
                                         "components": ["total", "x"], "rule": "sum",
                                         "direction": "higher_is_worse", "source": "s"}]),
         "composites[0].components[1]", "'x' is not a subscale"),
        (lambda d: d.update(colour="red"), "colour", "is not a field"),
        (lambda d: d["name"].pop("da"), "name.da", "non-empty text"),
    ],
)  # fmt: skip
def test_a_wrong_definition_is_refused_naming_the_field(change, field, message):
    definition = copy.deepcopy(minimal_definition())
    change(definition)
    with pytest.raises(InstrumentDefinitionError) as caught:
        parse_instrument(definition)
    assert caught.value.field == field
    assert message in caught.value.message


def test_many_rows_are_scored_at_once():
    # 100,000 random parent SDQs, some items missing: the result has one value per row and agrees with
    # the official-syntax re-implementation on a sample of rows.
    rng = np.random.default_rng(7)
    answers = rng.integers(0, 3, size=(100_000, 25)).astype(float)
    answers[rng.random(answers.shape) < 0.1] = NAN
    result = score(load_instrument("sdq-parent-4-17"), answers)
    assert result.scores["emotional"].shape == (100_000,)
    for row in rng.choice(100_000, size=50, replace=False):
        numbers = SDQ_SUBSCALES["peer"]
        expected = official_syntax_subscale(
            [answers[row, i - 1] for i in numbers], [i in SDQ_REVERSED for i in numbers]
        )
        got = result.scores["peer"][row]
        assert (math.isnan(expected) and math.isnan(got)) or got == expected


def test_one_respondent_can_be_scored_from_a_flat_list_and_the_result_is_json_ready(sdq_parent):
    result = score(sdq_parent, sdq_row(WITH_MISSING))
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))  # no NaN may reach JSON
    assert data["scores"]["emotional"] == [3.0] and data["scores"]["hyperactivity"] == [None]
    assert data["bands"]["hyperactivity"] == [None] and data["bands"]["peer"] == ["very_high"]
    assert "hyperactivity: not scored, 2 of 5 items answered (at least 3 needed)" in data["row_warnings"]["0"]
    assert "hyperactivity: 0 scored, 1 not scorable" in result.summary()
