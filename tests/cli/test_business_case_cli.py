"""``indsats business-case``, run for real in a subprocess through the ``indsats`` dispatcher."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
DOCUMENTED_EXAMPLE = REPOSITORY / "docs" / "examples" / "business-case.json"

# the console script's entry point, run in a fresh interpreter; the last check proves no Django was loaded
RUN_DISPATCHER = (
    "import sys\n"
    "from indsats.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "assert 'django' not in sys.modules, 'an engine command imported Django'\n"
    "sys.exit(code)\n"
)


def run_business_case(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_DISPATCHER, "business-case", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write_case(tmp_path: Path, data: Any, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def minimal_case() -> dict[str, Any]:
    """The minimal format of the issue; worked by hand in the first test."""
    return {
        "participants": 10,
        "price_year": 2024,
        "horizon_years": 3,
        "discount": "flat-10",
        "costs": [
            {"name": "start-up", "payer": "kommune", "amount": 1000, "year": 0},
            {"name": "sessions", "payer": "kommune", "per_participant_per_year": 50, "years": [0, 1]},
        ],
        "outcomes": [
            {
                "name": "placements",
                "baseline": 0.5,
                "effect": {"type": "relative", "estimate": -0.2, "se": 0.05},
                "persistence": {"full_years": 1, "decay": 0.5},
                "unit_price": 1000,
                "payers": {"kommune": 0.6, "stat": 0.4},
            }
        ],
    }


def test_json_output_has_the_contract_keys_and_hand_computed_values(tmp_path: Path) -> None:
    completed = run_business_case(str(write_case(tmp_path, minimal_case())), "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    # gains 1000, 500, 250 and costs 1500, 500, 0 at 10 % (see tests/engine/test_investment.py)
    pv_costs = 1500 + 500 / 1.1
    pv_gains = 1000 + 500 / 1.1 + 250 / 1.21
    assert result["pv_costs"] == pytest.approx(pv_costs)
    assert result["pv_gains"] == pytest.approx(pv_gains)
    assert result["npv"] == pytest.approx(pv_gains - pv_costs)
    assert result["roi"] == pytest.approx((pv_gains - pv_costs) / pv_costs)
    assert result["break_even_year"] is None
    assert result["by_payer"] == {
        "kommune": pytest.approx(
            {"pv_costs": pv_costs, "pv_gains": 0.6 * pv_gains, "npv": 0.6 * pv_gains - pv_costs}
        ),
        "stat": pytest.approx({"pv_costs": 0.0, "pv_gains": 0.4 * pv_gains, "npv": 0.4 * pv_gains}),
    }
    assert [year["net"] for year in result["by_year"]] == pytest.approx([-500, 0, 250])
    assert {"year", "costs", "gains", "net", "discount_factor", "cumulative_discounted_net"} <= set(
        result["by_year"][0]
    )
    assert not {"npv_mean", "npv_p5", "npv_p50", "npv_p95", "p_positive"} & set(result)
    assert completed.stderr == ""


def test_draws_add_the_monte_carlo_figures_reproducibly(tmp_path: Path) -> None:
    path = str(write_case(tmp_path, minimal_case()))
    first = run_business_case(path, "--json", "--draws", "2000", "--seed", "7")
    again = run_business_case(path, "--json", "--draws", "2000", "--seed", "7")
    other = run_business_case(path, "--json", "--draws", "2000", "--seed", "8")
    assert first.returncode == again.returncode == other.returncode == 0
    result = json.loads(first.stdout)
    for key in ("npv_mean", "npv_p5", "npv_p50", "npv_p95", "p_positive"):
        assert isinstance(result[key], float)
    assert result["npv_p5"] < result["npv_p50"] < result["npv_p95"]
    assert 0 <= result["p_positive"] <= 1
    assert first.stdout == again.stdout
    assert json.loads(other.stdout)["npv_mean"] != result["npv_mean"]


def test_summary_without_json_is_readable_text(tmp_path: Path) -> None:
    completed = run_business_case(str(write_case(tmp_path, minimal_case())), "--draws", "500")
    assert completed.returncode == 0
    assert "NPV" in completed.stdout and "kommune" in completed.stdout and "P(NPV > 0)" in completed.stdout


def test_documented_example_computes(tmp_path: Path) -> None:
    completed = run_business_case(str(DOCUMENTED_EXAMPLE), "--json", "--draws", "1000", "--seed", "1")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["participants"] == 150
    assert set(result["by_payer"]) >= {"kommune", "region", "stat"}
    assert result["warnings"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda data: data.pop("participants"), "participants"),
        (lambda data: data["costs"][0].update(amount=-1000), "costs[0].amount"),
        (lambda data: data["outcomes"][0].update(payers={"kommune": 0.5, "stat": 0.4}), "outcomes[0].payers"),
        (lambda data: data["costs"][1].update(years=[0, 3]), "costs[1].years[1]"),
        (lambda data: data["costs"][0].update(year=7), "costs[0].year"),
    ],
)
def test_a_wrong_file_exits_2_and_names_the_field(tmp_path: Path, change: Any, field: str) -> None:
    data = minimal_case()
    change(data)
    completed = run_business_case(str(write_case(tmp_path, data)), "--json")
    assert completed.returncode == 2
    assert f": {field}: " in completed.stderr
    assert completed.stdout == ""


def test_invalid_json_exits_2_with_the_line(tmp_path: Path) -> None:
    path = write_case(tmp_path, '{\n  "participants": 10,\n  "price_year": 2024,,\n}')
    completed = run_business_case(str(path))
    assert completed.returncode == 2
    assert "not valid JSON at line 3" in completed.stderr


def test_nan_is_not_accepted(tmp_path: Path) -> None:
    path = write_case(
        tmp_path, json.dumps(minimal_case()).replace('"participants": 10', '"participants": NaN')
    )
    completed = run_business_case(str(path))
    assert completed.returncode == 2
    assert "NaN" in completed.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    completed = run_business_case(str(tmp_path / "absent.json"))
    assert completed.returncode == 2
    assert "cannot read" in completed.stderr


@pytest.mark.parametrize("draws", ["-1", "many", "2000000"])
def test_bad_draws_exit_2(tmp_path: Path, draws: str) -> None:
    completed = run_business_case(str(write_case(tmp_path, minimal_case())), "--draws", draws)
    assert completed.returncode == 2
    assert "--draws" in completed.stderr
