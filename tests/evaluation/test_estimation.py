"""The report's extra numbers stored with an analysis: subgroups, dose and fidelity, rounds, other
modules' facts; checked against statsmodels OLS and hand-computed means, not against our own code."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from indsats.evaluation import services
from indsats.evaluation.models import Design, Exposure
from indsats.outcomes.models import RoundKind
from tests.evaluation.factories import add_children, make_study
from tests.factories import MunicipalityFactory
from tests.outcomes.factories import InterventionFactory, RoundFactory


def _rounds(intervention):
    return (
        RoundFactory(intervention=intervention, kind=RoundKind.BASELINE, order=0),
        RoundFactory(
            intervention=intervention,
            kind=RoundKind.MONTH_12,
            order=2,
            opens_on=datetime.date(2026, 1, 1),
            closes_on=datetime.date(2026, 3, 31),
        ),
    )


def _children(municipalities, count, *, offset=0, effect=True):
    """Deterministic children: ages 5-17, girls and boys, three municipalities, sessions and fidelity
    that go with a larger improvement (SDQ: lower is better)."""
    children = []
    for i in range(count):
        age = 5 + (i * 7) % 13
        sessions = 4 + (i * 5) % 13
        fidelity = round(0.5 + ((i * 7) % 6) / 10, 1)
        before = 14 + (i * 11) % 9 + offset
        drop = (sessions // 4 + (2 if age >= 14 else 0) + i % 3) if effect else (i % 3) - 1
        children.append(
            {
                "before": before,
                "after": before - drop,
                "age": age,
                "female": (i * 3) % 5 < 2,
                "municipality": municipalities[i % 3],
                "sessions": sessions,
                "fidelity": fidelity,
            }
        )
    return children


@pytest.fixture
def municipalities(aarhus, odense):
    return [aarhus, odense, MunicipalityFactory(name="Vejle Kommune", municipality_code="630", region="1083")]


@pytest.fixture
def pre_post_analysis(assigned_evaluator, intervention, sdq, municipalities):
    rounds = _rounds(intervention)
    children = _children(municipalities, 60)
    add_children(rounds=rounds, instrument=sdq, children=children, prefix="p")
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    return services.run_analysis(actor=assigned_evaluator, study=study), pd.DataFrame(children)


def _frame(children, names):
    frame = pd.DataFrame(children)
    frame["change"] = frame["after"] - frame["before"]
    frame["band"] = pd.cut(frame["age"], [3, 9, 13, 17], labels=["4-9", "10-13", "14-17"]).astype(str)
    frame["sex"] = np.where(frame["female"], "female", "male")
    frame["kommune"] = [m.name for m in frame["municipality"]]
    frame["female"] = frame["female"].astype(float)
    return frame[names] if names else frame


def test_pre_post_subgroups_are_the_hand_computed_mean_changes_with_the_ols_test(pre_post_analysis):
    analysis, _ = pre_post_analysis
    frame = _frame(pre_post_analysis[1].to_dict("records"), None)
    found = {entry["variable"]: entry for entry in analysis.result["subgroups"]}
    assert set(found) == {"age_band", "sex", "municipality"}
    for variable, column in (("age_band", "band"), ("sex", "sex"), ("municipality", "kommune")):
        means = frame.groupby(column)["change"].mean()
        counts = frame.groupby(column)["change"].size()
        fit = smf.ols(f"change ~ 0 + C({column})", data=frame).fit()
        intervals = fit.conf_int()
        for row in found[variable]["subgroups"]:
            assert row["estimate"] == pytest.approx(means[row["level"]])
            assert row["n"] == counts[row["level"]]
            name = f"C({column})[{row['level']}]"
            assert row["ci_low"] == pytest.approx(intervals.loc[name, 0])
            assert row["ci_high"] == pytest.approx(intervals.loc[name, 1])
        # equal mean change in every subgroup: the overall F test of the model with an intercept
        overall = smf.ols(f"change ~ C({column})", data=frame).fit()
        assert found[variable]["heterogeneity_f"] == pytest.approx(overall.fvalue)
        assert found[variable]["heterogeneity_p_value"] == pytest.approx(overall.f_pvalue)
    # age bands in their natural order, not as sorted text
    assert [row["level"] for row in found["age_band"]["subgroups"]] == ["4-9", "10-13", "14-17"]


def test_dose_and_fidelity_response_match_statsmodels_and_band_means(pre_post_analysis):
    analysis, children = pre_post_analysis
    frame = _frame(children.to_dict("records"), None)
    exposure = analysis.result["exposure"]
    assert exposure["n_children"] == 60 and exposure["dose_recorded"] == 60
    for name, column in (("dose", "sessions"), ("fidelity", "fidelity")):
        fit = smf.ols(f"change ~ {column} + before", data=frame).fit()
        found = exposure[name]
        assert found["estimate"] == pytest.approx(fit.params[column])
        assert found["ci_low"] == pytest.approx(fit.conf_int().loc[column, 0])
        assert found["p_value"] == pytest.approx(fit.pvalues[column])
        edges = np.quantile(frame[column], [0, 1 / 3, 2 / 3, 1])
        for b, band in enumerate(found["bands"]):
            last = b == len(found["bands"]) - 1
            inside = (frame[column] >= edges[b]) & (
                (frame[column] <= edges[b + 1]) if last else (frame[column] < edges[b + 1])
            )
            assert band["n"] == int(inside.sum())
            assert band["mean"] == pytest.approx(frame.loc[inside, "change"].mean())


def test_ancova_subgroup_effects_match_statsmodels_interaction_model(
    assigned_evaluator, intervention, comparison, sdq, municipalities
):
    rounds = _rounds(intervention)
    add_children(rounds=rounds, instrument=sdq, children=_children(municipalities, 45), prefix="t")
    control = _children(municipalities, 45, offset=1, effect=False)
    add_children(rounds=_rounds(comparison), instrument=sdq, children=control, prefix="c")
    study = make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=Design.RANDOMISED,
        comparison_intervention=comparison,
        adjust_for_age=True,
        adjust_for_sex=True,
    )
    analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    treated = _frame(_children(municipalities, 45), None).assign(t=1.0)
    frame = pd.concat([treated, _frame(control, None).assign(t=0.0)], ignore_index=True)
    found = {entry["variable"]: entry for entry in analysis.result["subgroups"]}
    # the sex subgroups leave the sex covariate out (it is constant within a subgroup)
    for variable, column, covariates in (
        ("sex", "sex", "age"),
        ("municipality", "kommune", "age + female"),
        ("age_band", "band", "female"),
    ):
        fit = smf.ols(f"after ~ 0 + C({column}) + C({column}):t + before + {covariates}", data=frame).fit()
        levels = [row["level"] for row in found[variable]["subgroups"]]
        for row in found[variable]["subgroups"]:
            name = f"C({column})[{row['level']}]:t"
            assert row["estimate"] == pytest.approx(fit.params[name])
            assert row["ci_high"] == pytest.approx(fit.conf_int().loc[name, 1])
            assert row["n_treated"] == int(((frame[column] == row["level"]) & (frame["t"] == 1)).sum())
        first = f"C({column})[{levels[0]}]:t"
        hypothesis = ", ".join(f"C({column})[{level}]:t = {first}" for level in levels[1:])
        test = fit.f_test(hypothesis)
        assert found[variable]["heterogeneity_f"] == pytest.approx(float(np.squeeze(test.fvalue)))
        assert found[variable]["heterogeneity_p_value"] == pytest.approx(float(test.pvalue))
    # no dose was recorded for the comparison group; the treated children's doses are analysed
    assert analysis.result["exposure"]["n_children"] == 45


def test_a_subgroup_variable_with_fewer_than_two_groups_is_left_out(
    assigned_evaluator, intervention, sdq, aarhus
):
    rounds = _rounds(intervention)
    children = [
        {
            "before": 20 + i % 4,
            "after": 18 - i % 3,
            "age": 6 + i % 3,
            "female": i % 2 == 0,
            "municipality": aarhus,
        }
        for i in range(20)
    ]
    add_children(rounds=rounds, instrument=sdq, children=children, prefix="s")
    analysis = services.run_analysis(
        actor=assigned_evaluator, study=make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    )
    # one municipality and one age band (6-8 years): only sex is analysed
    assert [entry["variable"] for entry in analysis.result["subgroups"]] == ["sex"]
    assert analysis.result["subgroups_skipped"] == [
        {"variable": "age_band", "reason": "fewer_than_two_groups"},
        {"variable": "municipality", "reason": "fewer_than_two_groups"},
    ]
    assert analysis.result["exposure"] == {
        "n_children": 20,
        "dose_recorded": 0,
        "dose": None,
        "fidelity_recorded": 0,
        "fidelity": None,
    }


def test_rounds_and_other_modules_facts_are_stored_with_the_analysis(pre_post_analysis, intervention):
    analysis, children = pre_post_analysis
    RoundFactory(
        intervention=intervention,
        kind=RoundKind.FOLLOW_UP,
        order=3,
        opens_on=datetime.date(2027, 1, 1),
        closes_on=datetime.date(2027, 2, 1),
    )
    rounds = analysis.result["rounds"]
    assert [(r["kind"], r["n"]) for r in rounds] == [("baseline", 60), ("m12", 60)]
    assert rounds[0]["mean"] == pytest.approx(children["before"].mean())
    assert rounds[1]["mean"] == pytest.approx(children["after"].mean())
    # the built-in provider of committed money always answers for economy; implementation has none yet
    facts = analysis.result["process_facts_by_language"]["da"]
    assert facts["implementation"] == []
    assert any(f["label"] == "Bevilget til faserne" and f["source"] for f in facts["economy"])
    english = analysis.result["process_facts_by_language"]["en"]  # read later in either language
    assert any(f["label"] != "Bevilget til faserne" for f in english["economy"])


def test_the_inputs_hash_covers_dose_and_background(pre_post_analysis, assigned_evaluator):
    analysis, _ = pre_post_analysis
    again = services.run_analysis(actor=assigned_evaluator, study=analysis.study, seed=analysis.seed)
    assert again.inputs_hash == analysis.inputs_hash
    exposure = Exposure.objects.order_by("pk").first()
    exposure.sessions = exposure.sessions + 1
    exposure.save(update_fields=["sessions"])
    changed = services.run_analysis(actor=assigned_evaluator, study=analysis.study, seed=analysis.seed)
    assert changed.result["estimate"] == analysis.result["estimate"]
    assert changed.inputs_hash != analysis.inputs_hash
    assert changed.result["exposure"]["dose"]["estimate"] != analysis.result["exposure"]["dose"]["estimate"]


def test_two_interventions_do_not_share_exposures(assigned_evaluator, intervention, sdq, municipalities):
    rounds = _rounds(intervention)
    participants = add_children(
        rounds=rounds,
        instrument=sdq,
        children=[{**c, "sessions": None, "fidelity": None} for c in _children(municipalities, 30)],
        prefix="x",
    )
    other = InterventionFactory(name="Anden indsats")
    for i, participant in enumerate(participants):
        Exposure.objects.create(intervention=other, participant=participant, sessions=i + 1)
    analysis = services.run_analysis(
        actor=assigned_evaluator, study=make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    )
    assert analysis.result["exposure"]["dose_recorded"] == 0
