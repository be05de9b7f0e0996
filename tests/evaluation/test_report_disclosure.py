"""Disclosure control in the evaluation report's subgroup tables (issue 11, point 2): a subgroup of
fewer than five children is withheld, and so is the next smallest where the hidden one would follow from
the published total by subtraction."""

from __future__ import annotations

from types import SimpleNamespace

from indsats.evaluation import report
from indsats.evaluation.disclosure import disclosed_result


def _row(level, n, n_treated=None, n_control=0, estimate=1.0):
    return {
        "level": level,
        "n": n,
        "n_treated": n if n_treated is None else n_treated,
        "n_control": n_control,
        "estimate": estimate,
        "ci_low": estimate - 1,
        "ci_high": estimate + 1,
        "p_value": 0.04,
    }


def _analysis(rows, has_comparison_group=False):
    entry = {
        "variable": "municipality",
        "heterogeneity_df": [2, 30],
        "heterogeneity_f": 1.2,
        "heterogeneity_p_value": 0.3,
        "has_comparison_group": has_comparison_group,
        "subgroups": rows,
        "warnings": [],
    }
    return SimpleNamespace(result={"subgroups": [entry]})


def test_a_municipality_with_three_children_is_withheld_with_a_partner():
    rows = [
        _row("Aarhus Kommune", 20, estimate=2.5),
        _row("Odense Kommune", 3, estimate=-4.25),
        _row("Vejle Kommune", 9),
    ]
    table = report.subgroup_tables(_analysis(rows))[0]
    shown = {row["level"]: row for row in table["rows"]}
    assert shown["Odense Kommune"]["n"] == "–" and shown["Odense Kommune"]["estimate"] == "–"
    # Vejle (the smallest other) is withheld too, or Odense's 3 = total - 20 - 9
    assert shown["Vejle Kommune"]["n"] == "–"
    assert shown["Aarhus Kommune"]["n"] == 20 and shown["Aarhus Kommune"]["estimate"] == "2,50"
    assert table["hidden_rows"] == 2
    assert "-4,25" not in str(table)


def test_subgroups_of_five_or_more_are_all_shown():
    rows = [_row("Pige", 5), _row("Dreng", 7)]
    table = report.subgroup_tables(_analysis(rows))[0]
    assert [row["n"] for row in table["rows"]] == [5, 7] and table["hidden_rows"] == 0


def test_with_a_comparison_group_each_arm_needs_five_children(settings):
    rows = [_row("Pige", 12, n_treated=10, n_control=2), _row("Dreng", 20, n_treated=10, n_control=10)]
    table = report.subgroup_tables(_analysis(rows, has_comparison_group=True))[0]
    assert table["rows"][0]["estimate"] == "–"
    settings.DISCLOSURE_MIN_CHILDREN = 2
    table = report.subgroup_tables(_analysis(rows, has_comparison_group=True))[0]
    assert table["hidden_rows"] == 0


def test_a_rounds_mean_of_fewer_than_five_children_is_withheld():
    study = SimpleNamespace(intervention="Skolefravær", comparison_intervention="Sædvanlig praksis")
    rounds = [
        {"kind": "baseline", "n": 12, "mean": 14.5, "comparison_n": 4, "comparison_mean": 13.0},
        {"kind": "month_6", "n": 3, "mean": 9.0, "comparison_n": 6, "comparison_mean": 12.0},
    ]
    labels, series = report._round_series(study, rounds)
    assert series == [("Skolefravær", [14.5, None]), ("Sædvanlig praksis", [None, 12.0])]


def test_the_api_withholds_what_the_report_withholds():
    result = _analysis(
        [_row("Aarhus Kommune", 20), _row("Odense Kommune", 3, estimate=-4.25), _row("Vejle Kommune", 9)]
    ).result
    result["rounds"] = [{"kind": "baseline", "n": 3, "mean": 9.0}, {"kind": "month_6", "n": 8, "mean": 7.5}]
    shown = disclosed_result(result)
    rows = {row["level"]: row for row in shown["subgroups"][0]["subgroups"]}
    assert rows["Odense Kommune"]["estimate"] is None and rows["Odense Kommune"]["n"] is None
    assert rows["Odense Kommune"]["suppressed"] and rows["Vejle Kommune"]["suppressed"]
    assert rows["Aarhus Kommune"]["n"] == 20 and "suppressed" not in rows["Aarhus Kommune"]
    assert [r["mean"] for r in shown["rounds"]] == [None, 7.5]
    assert result["subgroups"][0]["subgroups"][1]["estimate"] == -4.25  # the stored result is untouched
