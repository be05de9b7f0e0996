"""The plain-CSV fast path of the import reader (issue 16): for every file it reads, the cells, the checked
rows and the errors are those of the general reader, and a file it cannot prove it reads identically
takes the general reader. Pseudonyms are checked against engine.cpr.pseudonym row by row, and a 100,000
row import's memory in a fresh process."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indsats.engine.cpr import pseudonym
from indsats.engine.instruments import load_instrument
from indsats.outcomes import importing, tabular
from tests.outcomes.files import HEADER, csv_bytes, fake_cpr, sdq_rows
from tests.outcomes.test_tabular import measure_peak

KEY = b"test-key-of-sufficient-length"
SDQ = load_instrument("sdq-parent-4-17")


def validate(table: importing.RawTable, mapping=None, already=(), key=KEY) -> importing.ValidationReport:
    return importing.validate_import(
        table,
        instrument=SDQ,
        mapping=mapping or {},
        key=key,
        municipality_code="751",
        opens_on=date(2025, 1, 1),
        closes_on=date(2025, 3, 31),
        already_measured=already,
        today=date(2025, 6, 1),
    )


def text_cells(table: importing.RawTable) -> list[list[str]]:
    return [[importing._cell(values, i) for values in table.cells] for i in range(table.rows)]


def both_paths(content: bytes, name: str = "data.csv", mapping=None, already=(), limits=None):
    """Read and check ``content`` with the fast path (where the file allows) and with the general reader;
    assert that the two agree in everything and return the fast path's table and report."""
    results: list[tuple[Any, ...]] = []
    for plain in (True, False):
        try:
            table = importing.read_table(content, name, limits=limits, plain=plain)
        except importing.ImportFileError as error:
            results.append(("error", error.text))
            continue
        report = validate(table, mapping=mapping, already=already)
        results.append(("table", table, report))
    fast, general = results
    assert fast[0] == general[0], (fast, general)
    if fast[0] == "error":
        assert fast[1] == general[1]
        return None, None
    _, fast_table, fast_report = fast
    _, general_table, general_report = general
    assert general_table.path == "general"
    assert fast_table.columns == general_table.columns
    assert fast_table.rows == general_table.rows
    assert text_cells(fast_table) == text_cells(general_table)
    assert fast_report.errors == general_report.errors
    assert fast_report.error_count == general_report.error_count
    assert fast_report.total_rows == general_report.total_rows
    assert fast_report.preview == general_report.preview
    assert (fast_report.rows is None) == (general_report.rows is None)
    if fast_report.rows is not None:
        for name_ in ("pseudonyms", "birth_years", "sexes", "ages", "dates"):
            a, b = getattr(fast_report.rows, name_), getattr(general_report.rows, name_)
            assert a.dtype == b.dtype and a.tolist() == b.tolist(), name_
        np.testing.assert_array_equal(fast_report.rows.answers, general_report.rows.answers)
    return fast_table, fast_report


def lines(rows: list[list[str]], header=HEADER, delimiter=";", end="\n") -> str:
    return end.join(delimiter.join(row) for row in [header, *rows]) + end


def test_a_plain_file_takes_the_fast_path_and_agrees_with_the_general_reader():
    table, report = both_paths(csv_bytes(HEADER, sdq_rows(300)))
    assert table.path == "plain" and report.is_valid and len(report.rows) == 300
    assert all(values.dtype.kind == "S" for values in table.cells)  # no Python string per cell


def tricky_rows() -> list[list[str]]:
    rows = sdq_rows(40)
    rows[1][0] = " 0101154003 "  # spaces around, no hyphen
    rows[2][0] = fake_cpr(2).replace("-", "")
    rows[3][0] = "3102151234"  # 31 February
    rows[4][0] = "010130-0002"  # fine: 1930
    rows[5][0] = "01011-54003"  # the hyphen in the wrong place
    rows[6][0] = ""
    rows[7][0] = "abcdefghij"
    rows[8][0] = "010199-4012"  # 2099: in the future
    rows[9][0] = rows[10][0]  # the same child twice
    rows[11][1] = "10-02-2025"
    rows[12][1] = "10.02.2025"
    rows[13][1] = "2025-2-10"
    rows[14][1] = " 2025-02-10 "
    rows[15][1] = "2025-02-30"
    rows[16][1] = ""
    rows[17][1] = "2300-01-01"
    rows[18][1] = "1600-01-01"
    rows[19][1] = "2024-12-31"  # before the round
    rows[20][1] = "10/02/2025"
    rows[21][2] = "1,0"  # a decimal comma (the delimiter is ;)
    rows[22][3] = "1.5"  # not on the scale
    rows[23][4] = " 2 "
    rows[24][5] = "x"
    rows[25][6] = "3"
    rows[26][7] = "010115-4003"  # a CPR number in an answer column: not echoed
    rows[27][8] = "0101154003"
    rows[28][9] = "1e400"
    rows[29][10] = "-0"
    rows[30][11] = "nan"
    rows[31][2] = "10"
    rows[32][0] = "\x1c" + fake_cpr(32) + "\x1f"  # white space to str.strip, not to bytes.strip
    rows[33][1] = "2025-02-10\x0b"
    rows[34][0] = "010158-5001"  # 1858
    rows[35][0] = "290200-4001"  # 29 February 2000
    rows[36][0] = "290201-4001"  # no 29 February 2001
    return rows


@pytest.mark.parametrize(
    "variant",
    ["lf", "crlf", "bom", "crlf-bom", "comma", "tab", "no-final-newline"],
)
def test_tricky_cells_give_the_same_errors_on_both_paths(variant):
    rows = tricky_rows()
    delimiter = {"comma": ",", "tab": "\t"}.get(variant, ";")
    if delimiter == ",":
        rows[21][2] = "1"  # a decimal comma would be a delimiter
    text = lines(rows, delimiter=delimiter, end="\r\n" if "crlf" in variant else "\n")
    if variant == "no-final-newline":
        text = text.rstrip("\n")
    content = text.encode()
    if "bom" in variant:
        content = codecs.BOM_UTF8 + content
    table, report = both_paths(content)
    assert table.path == "plain"
    found = {(e.row, e.column) for e in report.errors}
    assert (5, "cpr") in found and (12, "cpr") in found and (17, "dato") in found and (24, "sdq2") in found
    assert all("010115" not in e.message and "0101154003" not in e.message for e in report.errors)


def test_blank_ragged_and_padded_lines_agree():
    rows = [";".join(row) for row in sdq_rows(12)]
    rows[2] = ""  # an empty line
    rows[4] = ";;;;"  # only delimiters: blank
    rows[5] = "   ; \t ;"  # white space: blank
    rows[6] = rows[6] + ";extra;cells"  # more cells than the header
    rows[7] = ";".join(sdq_rows(1, start=7)[0][:20])  # fewer cells than the header
    rows[8] = ";" * 30 + "x"  # a value only past the header's columns: a row of empty cells
    text = ";".join(HEADER) + ";;\n" + "\n".join(rows) + "\n\n\n"
    table, report = both_paths(text.encode())
    assert table.path == "plain" and table.columns == HEADER
    assert report.total_rows == 9
    both_paths(text.replace("\n", "\r\n").encode())
    # every line with all its fields, one of them white space only, one with an empty first cell
    rows = [";".join(row) for row in sdq_rows(6)]
    rows[2] = ";".join([" "] * 27)
    rows[3] = ";" + rows[3].split(";", 1)[1]
    table, report = both_paths((";".join(HEADER) + "\n" + "\n".join(rows) + "\n").encode())
    assert table.path == "plain" and report.total_rows == 5


@pytest.mark.parametrize(
    ("content", "expected_path"),
    [
        (lines(sdq_rows(5)).replace("4000", '"4000"', 1).encode(), "general"),  # a quote
        (
            (lines(sdq_rows(3)).rstrip("\n") + ';"a; b\nc"\n').replace("sdq25\n", "sdq25;note\n").encode(),
            "general",
        ),
        (codecs.BOM_UTF16_LE + lines(sdq_rows(5)).encode("utf-16-le"), "general"),
        (lines(sdq_rows(5)).replace("2025-02-10", "i går", 1).encode("cp1252"), "general"),
        (lines(sdq_rows(5)).replace("2025-02-10", "i går", 1).encode("utf-8"), "general"),
        (lines(sdq_rows(5)).replace("\n", "\r", 3).encode(), "general"),  # lone carriage returns
        (lines(sdq_rows(5)).replace("sdq25", "sdq25;Bemærkning").encode("utf-8"), "plain"),
        (lines(sdq_rows(5)).replace("sdq25", "sdq25;Bemærkning").encode("cp1252"), "plain"),
        (
            codecs.BOM_UTF8 + lines(sdq_rows(5)).replace("sdq25", "sdq25;Bemærkning").encode("cp1252"),
            "general",
        ),
        (
            (lines(sdq_rows(3)).rstrip("\n") + ";" + "x" * 100 + "\n")
            .replace("sdq25\n", "sdq25;c\n")
            .encode(),
            "general",
        ),
    ],
    ids=[
        "quote",
        "quoted-delimiter-and-newline",
        "utf-16",
        "windows-1252-rows",
        "utf-8-rows",
        "lone-cr",
        "utf-8-header",
        "windows-1252-header",
        "bom-and-windows-1252",
        "long-cell",
    ],
)
def test_files_the_fast_path_cannot_prove_go_to_the_general_reader(content, expected_path):
    mapping = {"Bemærkning": "", "note": "", "c": "", "BemÃ¦rkning": "", "ï»¿cpr": "cpr"}
    table, _report = both_paths(content, mapping=mapping)
    assert table is not None and table.path == expected_path


def test_header_only_empty_and_binary_files_agree():
    both_paths(lines([]).encode())
    both_paths(b"")
    both_paths(b"\n\ncpr;dato\n")
    both_paths(b"cpr;dato\n0101\x00;2025\n")
    both_paths(b";;;\n1;2;3;4\n")
    both_paths(b"\x81\x8d\x8f\x90\x9d;x\n1;2\n")
    both_paths(lines(sdq_rows(3)).encode(), name="data.txt")


def test_the_limits_give_the_same_messages_on_both_paths():
    def limits(rows=10**6, columns=200, cells=10**7):
        return tabular.Limits(
            max_bytes=10**8,
            max_rows=rows,
            max_columns=columns,
            max_cells=cells,
            max_uncompressed_bytes=10**8,
            max_compression_ratio=200,
        )

    content = csv_bytes(HEADER, sdq_rows(50))
    assert both_paths(content, limits=limits(rows=50))[0].path == "plain"
    both_paths(content, limits=limits(rows=49))
    both_paths(content + b"\n\n  \n;;\n", limits=limits(rows=50))  # blank lines past the limit are fine
    both_paths(content + b"\n\n1\n", limits=limits(rows=52))
    both_paths(content, limits=limits(cells=27 * 51))
    both_paths(content, limits=limits(cells=27 * 51 - 1))
    both_paths(content, limits=limits(cells=27 * 20, rows=19))  # the row limit is reached first
    both_paths(content, limits=limits(cells=27 * 20, rows=20))
    both_paths(content.replace(b"sdq25\n", b"sdq25;;;;\n"), limits=limits(columns=27))
    both_paths(content.replace(b"sdq25\n", b"sdq25;x\n"), limits=limits(columns=27))
    with pytest.raises(importing.ImportFileError, match="højst fylde 100 bytes"):
        importing.read_table(content, "data.csv", limits=tabular.Limits(100, 10, 10, 10, 10, 10))


def test_children_already_measured_are_found_on_both_paths():
    existing = [pseudonym(fake_cpr(n), key=KEY, municipality_code="751") for n in (3, 7)]
    _table, report = both_paths(csv_bytes(HEADER, sdq_rows(10)), already=[*existing, "not-a-pseudonym", ""])
    assert [(e.row, e.column) for e in report.errors] == [(5, "cpr"), (9, "cpr")]


@pytest.mark.parametrize("key", [KEY, b"k" * 100], ids=["key", "key-longer-than-a-block"])
def test_every_pseudonym_is_engine_cpr_pseudonym(key):
    rows = [[fake_cpr(n, year=year), "2025-02-10", *["1"] * 25] for year in (0, 5, 15) for n in range(0, 900)]
    table = importing.read_table(csv_bytes(HEADER, rows), "many.csv")
    assert table.path == "plain"
    report = validate(table, key=key)
    assert report.is_valid and report.rows is not None, report.errors[:3]
    expected = [pseudonym(row[0], key=key, municipality_code="751") for row in rows]
    assert report.rows.pseudonyms.astype(str).tolist() == expected


def test_a_100000_row_plain_import_grows_the_process_by_little(tmp_path: Path):
    """Read and fully validated in a fresh process: the general reader grows it by ~210 MB (27 Python
    strings a row), the plain path by well under half of that."""
    rows = 100_000
    n = np.arange(rows)
    cprs = [
        f"{1 + i % 28:02d}{1 + (i // 28) % 12:02d}{(i // 336) % 20:02d}-{4000 + i // 6720:04d}" for i in n
    ]
    answers = ";".join(["1"] * 12 + [""] + ["2"] * 12)
    path = tmp_path / "sdq.csv"
    path.write_text(";".join(HEADER) + "\n" + "".join(f"{c};2025-02-10;{answers}\n" for c in cprs))
    growth, _peak, outcome = measure_peak(path, "outcomes-validate")
    assert outcome == f"read {rows} rows"
    assert growth < 110, growth


def test_the_calendar_arithmetic_agrees_with_python_dates():
    import datetime
    import random

    rng = random.Random(16)
    years = np.array(
        [rng.randint(1, 9999) for _ in range(5000)] + [1900, 2000, 2024, 2100, 1600, 4], dtype=np.int64
    )
    months = np.array([rng.randint(0, 13) for _ in range(len(years))], dtype=np.int64)
    days = np.array([rng.randint(0, 32) for _ in range(len(years))], dtype=np.int64)
    months[-6:], days[-6:] = 2, 29
    found, real = importing._days(years, months, days)
    for y, m, d, value, ok in zip(years.tolist(), months.tolist(), days.tolist(), found, real, strict=True):
        try:
            expected = datetime.date(y, m, d)
        except ValueError:
            assert not ok and np.isnat(value), (y, m, d)
        else:
            assert ok and value == np.datetime64(expected), (y, m, d)
    real_dates = found[real]
    year, month, day = importing._civil(real_dates)
    assert [
        datetime.date(*parts) for parts in zip(year.tolist(), month.tolist(), day.tolist(), strict=True)
    ] == [value.astype(datetime.date) for value in real_dates]


def test_ages_agree_with_engine_cpr_age_on():
    import datetime
    import random

    from indsats.engine.cpr import age_on

    rng = random.Random(3)
    born = [datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randint(0, 9000)) for _ in range(3000)]
    on = [b + datetime.timedelta(days=rng.randint(0, 9000)) for b in born]
    born += [datetime.date(2016, 2, 29)] * 3
    on += [datetime.date(2025, 2, 28), datetime.date(2025, 3, 1), datetime.date(2024, 2, 29)]
    ages = importing.ages_on(np.array(born, dtype="datetime64[D]"), np.array(on, dtype="datetime64[D]"))
    assert ages.tolist() == [age_on(b, o) for b, o in zip(born, on, strict=True)]
    missing = np.array(["NaT", "2020-01-01"], dtype="datetime64[D]")
    assert importing.ages_on(missing, np.array(["2025-01-01", "NaT"], dtype="datetime64[D]")).tolist() == [
        0,
        0,
    ]


def test_answers_are_checked_a_chunk_at_a_time_as_if_all_at_once(monkeypatch):
    rows = sdq_rows(60)
    for n in range(0, 60, 3):
        rows[n][2 + n % 25] = ["3", "x", "1.5", "", "9"][n % 5]
    content = csv_bytes(HEADER, rows)
    whole = validate(importing.read_table(content, "a.csv"))
    monkeypatch.setattr(importing, "ANSWER_CHUNK_ROWS", 7)
    chunked = validate(importing.read_table(content, "a.csv"))
    assert chunked.errors == whole.errors and chunked.error_count == whole.error_count == 16
    monkeypatch.setattr(importing, "MAX_ERRORS_KEPT", 5)
    monkeypatch.setattr(importing, "MAX_PROBLEMS_KEPT", 3)
    capped = validate(importing.read_table(content, "a.csv"))
    assert capped.error_count == 16 and len(capped.errors) == 5
