"""The import parser and validator (plain functions): good and broken files of both formats."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from indsats.engine.cpr import pseudonym
from indsats.engine.instruments import load_instrument
from indsats.outcomes.importing import ImportFileError, read_table, validate_import
from tests.outcomes.files import HEADER, csv_bytes, fake_cpr, sdq_rows, xlsx_bytes

KEY = b"test-key-of-sufficient-length"
SDQ = load_instrument("sdq-parent-4-17")


def check(content: bytes, name: str, mapping=None, already=()):
    return validate_import(
        read_table(content, name),
        instrument=SDQ,
        mapping=mapping or {},
        key=KEY,
        municipality_code="751",
        opens_on=date(2025, 1, 1),
        closes_on=date(2025, 3, 31),
        already_measured=already,
        today=date(2025, 6, 1),
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_good_file_is_pseudonymised_with_age_and_sex(fmt):
    rows = sdq_rows(20)
    content = csv_bytes(HEADER, rows) if fmt == "csv" else xlsx_bytes(HEADER, rows)
    report = check(content, f"good.{fmt}")
    assert report.errors == []
    assert report.is_valid and len(report.rows) == 20
    assert report.rows.pseudonym(0) == pseudonym(fake_cpr(0), key=KEY, municipality_code="751")
    assert report.rows.birth_years[0] == 2015
    assert report.rows.ages[0] == 10  # born 1 Jan 2015, measured 10 Feb 2025
    assert report.rows.sexes[0] == "female"  # serial 4000: even
    assert report.rows.answers.shape == (20, 25)
    assert str(report.rows.dates[0]) == "2025-02-10"
    # no CPR number anywhere in what goes on
    assert fake_cpr(0).replace("-", "")[:6] not in repr(report.preview)


def test_the_rows_survive_a_round_trip_through_bytes():
    report = check(csv_bytes(HEADER, sdq_rows(5)), "good.csv")
    from indsats.outcomes.importing import ValidatedRows

    back = ValidatedRows.from_bytes(report.rows.to_bytes())
    assert list(back.pseudonyms) == list(report.rows.pseudonyms)
    np.testing.assert_array_equal(back.answers, report.rows.answers)
    assert list(back.dates) == list(report.rows.dates)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_error_is_listed_by_row_and_column_in_danish(fmt):
    rows = sdq_rows(6)
    rows[0][0] = "3102151234"  # 31 February
    rows[1][2] = "3"  # sdq1 off the scale
    rows[2][1] = "2024-12-31"  # before the round
    rows[3][0] = rows[4][0]  # duplicate child
    rows[5][1] = "i går"
    header = [*HEADER, "Sagsnummer"]
    rows = [[*row, "x"] for row in rows]
    content = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows)
    report = check(content, f"bad.{fmt}")
    # the unknown column is reported first and stops before the rows are read
    assert [(e.row, e.column) for e in report.errors] == [(1, "Sagsnummer")]
    assert "kendes ikke" in report.errors[0].message

    report = check(content, f"bad.{fmt}", mapping={"Sagsnummer": ""})
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(2, "cpr"), (3, "sdq1"), (4, "dato"), (6, "cpr"), (7, "dato")}
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "gyldig dato" in messages[(2, "cpr")]
    assert "uden for skalaen 0-2" in messages[(3, "sdq1")]
    assert "uden for målerunden" in messages[(4, "dato")]
    assert "række 5" in messages[(6, "cpr")]
    assert not report.is_valid and report.rows is None
    assert all("3102151234" not in e.message for e in report.errors)


def test_a_saved_mapping_renames_a_case_systems_columns():
    header = ["CPR-nr.", "Besvarelsesdato", *[f"Spm {i}" for i in range(1, 26)]]
    mapping = {"CPR-nr.": "cpr", "Besvarelsesdato": "dato", **{f"Spm {i}": f"sdq{i}" for i in range(1, 26)}}
    report = check(csv_bytes(header, sdq_rows(3), delimiter=","), "dubu.csv", mapping=mapping)
    assert report.is_valid


def test_missing_columns_and_children_already_measured_are_errors():
    report = check(csv_bytes(HEADER[:-1], [row[:-1] for row in sdq_rows(2)]), "short.csv")
    assert [(e.row, e.column) for e in report.errors] == [(1, "sdq25")]
    existing = pseudonym(fake_cpr(1), key=KEY, municipality_code="751")
    report = check(csv_bytes(HEADER, sdq_rows(2)), "again.csv", already=[existing])
    assert [(e.row, e.column) for e in report.errors] == [(3, "cpr")]
    assert "allerede målt" in report.errors[0].message


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused():
    with pytest.raises(ImportFileError, match="CSV-fil"):
        read_table(b"abc", "data.pdf")
    with pytest.raises(ImportFileError, match="Excel"):
        read_table(b"not a zip", "data.xlsx")


def test_the_vectorised_cpr_check_agrees_with_the_engine_on_every_case():
    import random

    import pandas as pd

    from indsats.engine.cpr import CprError, validate_cpr
    from indsats.outcomes.importing import check_cprs
    from indsats.ui.engine_messages import engine_message

    rng = random.Random(5)
    cases = [
        "290200-4001",
        "290201-4001",
        "010137-4001",
        "010136-4001",
        "010158-5001",
        "010157-5001",
        "311299-9999",
        "010130-0002",
        " 0101154003 ",
        "01011-54003",
        "abcdefghij",
        "",
        "0101154",
        "010199-4012",
        "999999-9999",
        "010126-4000",
        "311226-4000",
    ]
    cases += [
        f"{rng.randint(0, 35):02d}{rng.randint(0, 13):02d}{rng.randint(0, 99):02d}-{rng.randint(0, 9999):04d}"
        for _ in range(3000)
    ]
    today = date(2026, 6, 1)
    checked = check_cprs(pd.Series(cases), key=KEY, municipality_code="751", today=today)
    bad = dict(checked.problems)
    for position, text in enumerate(cases):
        try:
            info = validate_cpr(text, today=today)
        except CprError as error:
            assert bad.get(position) == engine_message(error), text
            assert checked.pseudonyms[position] == b""
        else:
            assert position not in bad, text
            assert checked.pseudonyms[position].decode() == pseudonym(text, key=KEY, municipality_code="751")
            assert checked.birth_dates[position] == np.datetime64(info.birth_date)
            assert checked.sexes[position] == info.sex


def test_a_cpr_number_in_an_answer_column_is_not_repeated_in_the_errors():
    rows = sdq_rows(2)
    rows[0][2] = "010115-4003"
    rows[1][2] = "0101154003"
    report = check(csv_bytes(HEADER, rows), "mixed.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "sdq1"), (3, "sdq1")]
    text = " ".join(e.message for e in report.errors)
    assert "010115" not in text and "1.01015e+09" not in text and "CPR-nummer" in text


def test_a_file_without_a_header_row_does_not_echo_a_cpr_number():
    rows = sdq_rows(3)
    report = check(csv_bytes(rows[0], rows[1:]), "noheader.csv")
    assert report.errors[0].column == "kolonne 1" and "overskriftsrække" in report.errors[0].message
    assert all("4000" not in e.message and "010115" not in e.message for e in report.errors)
    assert all("0101" not in e.column for e in report.errors)
