"""``indsats score`` reads a plain file a block at a time with numpy and any other file with the csv
module. Both must give what the csv module gives: these tests compare the output, and the error
messages, with a reference written here with nothing but csv, float() and the engine's scoring.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest

from indsats.cli import plain_csv, score
from indsats.engine.instruments import load_instrument
from indsats.engine.scoring import score as engine_score

SDQ = load_instrument("sdq-parent-4-17")
ITEMS = [f"sdq{i}" for i in range(1, 26)]


def reference(text: str, delimiter: str) -> str:
    """The scored file by the book: csv reads every row, blank rows are dropped, cells become floats,
    the engine scores them, csv writes each row and its scores."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter))
    header = [name.strip() for name in rows[0]]
    data = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    positions = [header.index(item) for item in ITEMS]

    def number(cell: str) -> float:
        cell = cell.strip().replace(",", ".")
        return math.nan if cell == "" else float(cell)

    answers = np.array([[number(row[p]) for p in positions] for row in data], dtype=np.float64)
    result = engine_score(SDQ, answers)
    decimals = {s.key: s.decimals for s in SDQ.subscales} | {c.key: c.decimals for c in SDQ.composites}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    names = [*result.score_keys, *(f"{key}_band" for key in result.score_keys if key in result.bands)]
    writer.writerow([*header, *names])
    for i, row in enumerate(data):
        cells = []
        for key in result.score_keys:
            value = float(result.scores[key][i])
            pattern = f".{decimals[key]}f" if decimals[key] is not None else ".10g"
            text = "" if math.isnan(value) else format(value, pattern)
            cells.append("0" if text == "-0" else text)
        cells += [str(result.bands[key][i]) for key in result.score_keys if key in result.bands]
        writer.writerow([*row, *cells])
    return out.getvalue()


def scored(tmp_path: Path, text: str, *extra: str) -> tuple[int, str, str]:
    source = tmp_path / "in.csv"
    source.write_bytes(text.encode("utf-8"))
    target = tmp_path / "out.csv"
    code = score.main(["sdq-parent-4-17", str(source), "-o", str(target), *extra])
    return code, target.read_text(encoding="utf-8") if target.exists() else "", str(source)


def answers_file(rows: int, *, delimiter: str = ",", seed: int = 3, line_end: str = "\n") -> list[str]:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 3, size=(rows, 25)).astype(str)
    values[rng.random(values.shape) < 0.1] = ""
    lines = [delimiter.join(["child", *ITEMS, "note"])]
    lines += [delimiter.join([f"c{i}", *values[i], f"n{i}"]) for i in range(rows)]
    return [line + line_end for line in lines]


VARIANTS = {
    "plain": lambda lines: "".join(lines),
    "crlf": lambda lines: "".join(line.replace("\n", "\r\n") for line in lines),
    "bom and no final line break": lambda lines: "\ufeff" + "".join(lines).rstrip("\n"),
    "blank lines of every kind": lambda lines: "".join(
        [
            lines[0],
            "\n",
            lines[1],
            ",,,\n",
            lines[2],
            " \t \n",
            lines[3],
            "\u00a0,\u2003\n",
            *lines[4:],
            "\n\n",
        ]
    ),
    "decimal commas and spaces in cells": lambda lines: "".join(lines).replace(",1,", ", 1 ,", 5),
    "non-ASCII text in a column": lambda lines: "".join(lines).replace("n1\n", "Ærø – ø\n"),
    "a quoted cell (the csv path)": lambda lines: "".join(lines).replace("n2\n", '"a ""quoted"",\nnote"\n'),
    "a lone carriage return (the csv path)": lambda lines: "".join(lines).replace("n3\n", "n3\r"),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_output_is_what_the_csv_module_makes_of_the_file(tmp_path, variant):
    text = VARIANTS[variant](answers_file(300))
    code, output, _ = scored(tmp_path, text)
    assert code == 0
    assert output == reference(text, ",")


def test_semicolons_and_danish_decimal_commas_round_trip(tmp_path):
    text = "".join(answers_file(50, delimiter=";")).replace(";2;", ";2,0;", 3)
    code, output, _ = scored(tmp_path, text)
    assert code == 0
    assert output == reference(text, ";")


def test_a_file_larger_than_a_block_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(plain_csv, "BLOCK_BYTES", 1000)  # many blocks, lines cut across block edges
    lines = answers_file(400)
    lines.insert(100, ",,,\n")
    text = "".join(lines)
    code, output, _ = scored(tmp_path, text)
    assert code == 0
    assert output == reference(text, ",")


@pytest.mark.parametrize("quoted", [False, True], ids=["plain path", "csv path"])
def test_errors_name_the_same_row_and_line_on_both_paths(tmp_path, capsys, quoted):
    lines = answers_file(20)
    lines.insert(3, ",,,\n")  # a blank line: rows and lines now differ by one more
    fields = lines[6].split(",")
    fields[1] = "x"  # sdq1 of this row is not a number
    lines[6] = ",".join(fields)
    if quoted:
        lines[1] = lines[1].replace("c0", '"c0"')
    code, _, source = scored(tmp_path, "".join(lines))
    assert code == 2
    error = capsys.readouterr().err
    # line 7 of the file is the 5th data row (line 1 is the header, line 4 is blank)
    assert "row 5 (line 7), column sdq1: 'x' is not a number" in error, error


@pytest.mark.parametrize("quoted", [False, True], ids=["plain path", "csv path"])
def test_a_row_with_too_few_fields_is_named_on_both_paths(tmp_path, capsys, quoted):
    lines = answers_file(20)
    lines[9] = lines[9].rsplit(",", 3)[0] + "\n"
    if quoted:
        lines[1] = lines[1].replace("c0", '"c0"')
    code, _, _ = scored(tmp_path, "".join(lines))
    assert code == 2
    assert "row 9 (line 10) has 24 fields but the header has 27" in capsys.readouterr().err


def test_a_file_that_is_not_utf8_is_refused_on_the_plain_path(tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_bytes("".join(answers_file(5)).encode("utf-8").replace(b"n1", b"\xff\xfe"))
    code = score.main(["sdq-parent-4-17", str(source), "-o", str(tmp_path / "out.csv")])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_only_plain_files_take_the_block_path(tmp_path):
    cases = {
        "a,b\n1,2\n": 2,
        "a,b\r\n1,2\r\n": 2,
        'a,b\n"1",2\n': None,
        "a,b\r1,2\r": None,
        "a,b\n1,\x002\n": None,
    }
    for text, expected in cases.items():
        path = tmp_path / "f.csv"
        path.write_bytes(text.encode())
        assert plain_csv.count_lines_if_plain(path) == expected, repr(text)
