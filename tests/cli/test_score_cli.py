"""``indsats score`` run for real, in a subprocess, on files written to tmp_path.

Expected scores are the hand-scored questionnaires of tests/engine/test_scoring.py (worked item by item
in the comments there and repeated briefly here) and the published cut-offs.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

SDQ_COLUMNS = [f"sdq{i}" for i in range(1, 26)]
SCORE_COLUMNS = ["emotional", "conduct", "hyperactivity", "peer", "prosocial", "total_difficulties"]

# Hand-scored parent SDQ (tests/engine/test_scoring.py, COMPLETE): emotional 4, conduct 1,
# hyperactivity 8, peer 3, prosocial 9, total 16.
COMPLETE = [2, 1, 0, 2, 1, 0, 2, 1, 2, 2, 2, 0, 1, 1, 2, 0, 2, 0, 1, 1, 0, 0, 1, 2, 1]
# WITH_MISSING: emotional 2/4*5 = 2.5 -> 3, conduct 1/3*5 -> 2, hyperactivity 2 of 5 answered -> empty,
# peer 6/4*5 = 7.5 -> 8, prosocial 5, total empty.
WITH_MISSING = [1, 2, 1, 1, 1, 2, "", 1, 1, 2, 0, 0, 0, "", "", "", 1, "", 2, 1, "", 0, 0, 0, ""]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real console command: ``python -m indsats.cli score ...`` (through the dispatcher)."""
    if importlib.util.find_spec("indsats.cli.__main__") is not None:
        command = [sys.executable, "-m", "indsats.cli", "score", *args]
    else:  # the package has no __main__ yet: call the same dispatcher the console script calls
        command = [
            sys.executable,
            "-c",
            "import sys; from indsats.cli import main; sys.exit(main())",
            "score",
            *args,
        ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def write_csv(path: Path, header: list[str], rows: Sequence[Sequence[object]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def test_scores_an_sdq_file_keeping_its_columns_and_adding_scores_and_bands(tmp_path):
    source = write_csv(
        tmp_path / "in.csv",
        ["child", *SDQ_COLUMNS, "note"],
        [["a", *COMPLETE, "first, visit"], ["b", *WITH_MISSING, ""]],
    )
    out = tmp_path / "out.csv"
    done = run("sdq-parent-4-17", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    rows = read_csv(out)
    with out.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header == ["child", *SDQ_COLUMNS, "note", *SCORE_COLUMNS, *[f"{c}_band" for c in SCORE_COLUMNS]]
    first, second = rows
    assert first["child"] == "a" and first["note"] == "first, visit" and first["sdq7"] == "2"
    assert [first[c] for c in SCORE_COLUMNS] == ["4", "1", "8", "3", "9", "16"]
    # parent four-band (sdqinfo.org): 4 slightly raised, 1 average, 8 high, 3 slightly raised, 9 average,
    # total 16 slightly raised
    assert [first[f"{c}_band"] for c in SCORE_COLUMNS] == [
        "slightly_raised", "close_to_average", "high",
        "slightly_raised", "close_to_average", "slightly_raised",
    ]  # fmt: skip
    assert [second[c] for c in SCORE_COLUMNS] == ["3", "2", "", "8", "5", ""]
    assert second["hyperactivity_band"] == "" and second["total_difficulties_band"] == ""
    assert second["peer_band"] == "very_high"  # parent peer: 5-10 very high
    assert "sdq-parent-4-17 v1: 2 rows" in done.stdout


def test_the_three_band_scheme_can_be_chosen(tmp_path):
    source = write_csv(tmp_path / "in.csv", SDQ_COLUMNS, [COMPLETE])
    out = tmp_path / "out.csv"
    done = run("sdq-parent-4-17", str(source), "-o", str(out), "--bands", "three_band")
    assert done.returncode == 0, done.stderr
    (row,) = read_csv(out)
    assert row["hyperactivity_band"] == "abnormal" and row["emotional_band"] == "borderline"


def test_a_danish_excel_file_with_semicolons_and_a_bom_round_trips(tmp_path):
    source = tmp_path / "in.csv"
    lines = [";".join(["id", *SDQ_COLUMNS]), ";".join(["7", *map(str, COMPLETE)])]
    source.write_text("\ufeff" + "\r\n".join(lines) + "\r\n\r\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    done = run("sdq-parent-4-17", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    (row,) = read_csv(out, delimiter=";")
    assert row["id"] == "7" and row["total_difficulties"] == "16"


def test_ors_marks_with_decimal_commas_are_totalled_with_one_decimal(tmp_path):
    source = tmp_path / "ors.csv"
    source.write_text(
        "client;ors_individually;ors_interpersonally;ors_socially;ors_overall\n"
        "x;6,2;5,8;7,0;5,9\n"
        "y;6,3;6,2;6,3;6,2\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    done = run("ors-adult", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    rows = read_csv(out, delimiter=";")
    # adult clinical cut-off 25 (Miller et al. 2003)
    assert [(r["total"], r["total_band"]) for r in rows] == [("24.9", "clinical"), ("25.0", "non_clinical")]


def test_missing_item_columns_are_named(tmp_path):
    source = write_csv(tmp_path / "in.csv", ["id", *SDQ_COLUMNS[:-2]], [["1", *COMPLETE[:-2]]])
    out = tmp_path / "out.csv"
    done = run("sdq-parent-4-17", str(source), "-o", str(out))
    assert done.returncode == 2
    assert "the item column(s) sdq24, sdq25 are missing" in done.stderr
    assert not out.exists()


def test_a_value_off_the_scale_is_named_by_row_line_and_column_and_nothing_is_written(tmp_path):
    bad = list(COMPLETE)
    bad[6] = 3
    source = write_csv(tmp_path / "in.csv", SDQ_COLUMNS, [COMPLETE, bad])
    out = tmp_path / "out.csv"
    done = run("sdq-parent-4-17", str(source), "-o", str(out))
    assert done.returncode == 2
    assert "row 2 (line 3), column sdq7: value 3 is outside the scale 0-2" in done.stderr
    assert not out.exists()


def test_text_in_an_item_column_is_named_by_row_and_column(tmp_path):
    bad: list[object] = list(COMPLETE)
    bad[11] = "yes"
    source = write_csv(tmp_path / "in.csv", SDQ_COLUMNS, [bad])
    done = run("sdq-parent-4-17", str(source), "-o", str(tmp_path / "out.csv"))
    assert done.returncode == 2
    assert "row 1 (line 2), column sdq12: 'yes' is not a number" in done.stderr


def test_a_row_with_too_few_fields_is_named(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        ",".join(SDQ_COLUMNS) + "\n" + ",".join(map(str, COMPLETE[:20])) + "\n", encoding="utf-8"
    )
    done = run("sdq-parent-4-17", str(source), "-o", str(tmp_path / "out.csv"))
    assert done.returncode == 2
    assert "row 1 (line 2) has 20 fields but the header has 25" in done.stderr


def test_an_input_that_already_has_a_score_column_is_refused(tmp_path):
    source = write_csv(tmp_path / "in.csv", [*SDQ_COLUMNS, "peer"], [[*COMPLETE, "old"]])
    done = run("sdq-parent-4-17", str(source), "-o", str(tmp_path / "out.csv"))
    assert done.returncode == 2
    assert "already has the column(s) peer" in done.stderr


def test_an_unknown_instrument_lists_the_known_ones(tmp_path):
    source = write_csv(tmp_path / "in.csv", SDQ_COLUMNS, [COMPLETE])
    done = run("sdq", str(source), "-o", str(tmp_path / "out.csv"))
    assert done.returncode == 2
    assert "there is no instrument 'sdq'" in done.stderr and "sdq-parent-4-17" in done.stderr


def test_an_unknown_band_scheme_is_named(tmp_path):
    source = write_csv(tmp_path / "in.csv", SDQ_COLUMNS, [COMPLETE])
    done = run("sdq-parent-4-17", str(source), "-o", str(tmp_path / "out.csv"), "--bands", "five_band")
    assert done.returncode == 2
    assert (
        "band_scheme: sdq-parent-4-17 has no band scheme 'five_band' (it has: four_band, three_band)"
        in done.stderr
    )


def test_a_file_that_does_not_exist_is_a_bad_input(tmp_path):
    done = run("sdq-parent-4-17", str(tmp_path / "nothing.csv"), "-o", str(tmp_path / "out.csv"))
    assert done.returncode == 2
    assert "cannot read" in done.stderr


def test_json_summary_counts_scores_and_bands(tmp_path):
    source = write_csv(tmp_path / "in.csv", SDQ_COLUMNS, [COMPLETE, WITH_MISSING])
    out = tmp_path / "out.csv"
    done = run("sdq-parent-4-17", str(source), "-o", str(out), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert set(summary) == {
        "instrument", "version", "band_scheme", "input", "output", "rows", "rows_with_missing_items",
        "scores", "warnings",
    }  # fmt: skip
    assert (summary["instrument"], summary["version"], summary["band_scheme"]) == (
        "sdq-parent-4-17",
        1,
        "four_band",
    )
    assert summary["rows"] == 2 and summary["rows_with_missing_items"] == 1
    hyperactivity = summary["scores"]["hyperactivity"]
    assert (hyperactivity["scored"], hyperactivity["not_scorable"], hyperactivity["mean"]) == (1, 1, 8.0)
    assert hyperactivity["bands"] == {"close_to_average": 0, "slightly_raised": 0, "high": 1, "very_high": 0}
    assert summary["scores"]["emotional"]["mean"] == 3.5  # (4 + 3) / 2


def test_list_shows_every_instrument_and_as_json_their_items(tmp_path):
    done = run("--list")
    assert done.returncode == 0
    assert "sdq-parent-4-17" in done.stdout and "who-5" in done.stdout
    listed = json.loads(run("--list", "--json").stdout)
    by_key = {entry["key"]: entry for entry in listed}
    assert by_key["sdq-parent-4-17"]["items"] == SDQ_COLUMNS
    assert by_key["sdq-parent-4-17"]["scores"] == SCORE_COLUMNS
    assert by_key["ors-adult"]["band_schemes"] == ["clinical_cutoff"]


def test_without_output_file_the_scored_csv_goes_to_stdout(tmp_path):
    source = write_csv(tmp_path / "in.csv", SDQ_COLUMNS, [COMPLETE])
    done = run("sdq-parent-4-17", str(source))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("total_difficulties,emotional_band,conduct_band,hyperactivity_band,peer_band,"
                             "prosocial_band,total_difficulties_band")  # fmt: skip
    assert lines[1].split(",")[25:31] == ["4", "1", "8", "3", "9", "16"]
    assert "sdq-parent-4-17 v1: 1 rows" in done.stderr
