"""The one reader of uploaded tables stays within its limits whatever the file claims (issue 11, points 1
and 5): each hostile file is read in a fresh process, which must refuse it with a Danish message naming
the limit and must not grow by more than ``MAX_GROWTH_MB`` (the process's peak resident memory, VmHWM)."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from indsats.evaluation import exposure
from indsats.outcomes import importing, tabular
from tests.outcomes import hostile_files

MAX_GROWTH_MB = 120

_MEASURE = """
import gc, json, os, sys


def peak_kb():
    # VmHWM: this process's peak resident memory. getrusage's ru_maxrss is not used: after fork and exec
    # it keeps the parent's peak (the pytest process), which would hide the reader's growth.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indsats.config.settings_test")
import django
django.setup()
from indsats.evaluation import exposure
from indsats.outcomes import importing
path, name, reader = sys.argv[1:4]
with open(path, "rb") as handle:
    content = handle.read()
gc.collect()
before = peak_kb()
try:
    if reader == "outcomes":
        rows = len(importing.read_table(content, name).frame)
    elif reader == "outcomes-validate":
        import datetime
        from indsats.engine.instruments import load_instrument
        report = importing.validate_import(
            importing.read_table(content, name),
            instrument=load_instrument("sdq-parent-4-17"),
            mapping={},
            key=b"k" * 32,
            municipality_code="751",
            opens_on=datetime.date(2025, 1, 1),
            closes_on=datetime.date(2025, 12, 31),
        )
        assert report.is_valid, report.errors[:3]
        rows = len(report.rows)
    else:
        rows = len(exposure.read_table(content, name)[1])
    outcome = f"read {rows} rows"
except Exception as error:
    outcome = f"{type(error).__name__}: {error}"
after = peak_kb()
print(json.dumps({"growth_mb": (after - before) / 1024, "peak_mb": after / 1024, "outcome": outcome}))
"""


def measure(path: Path, reader: str, name: str | None = None) -> tuple[float, str]:
    growth, _peak, outcome = measure_peak(path, reader, name)
    return growth, outcome


def measure_peak(path: Path, reader: str, name: str | None = None) -> tuple[float, float, str]:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), name or path.name, reader],
        capture_output=True,
        text=True,
        timeout=240,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, f"the reader process died ({done.returncode}): {done.stderr[-2000:]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["growth_mb"], result["peak_mb"], result["outcome"]


@pytest.mark.parametrize("reader", ["outcomes", "exposure"])
def test_a_declared_dimension_of_a_whole_sheet_is_refused_in_little_memory(
    tmp_path: Path, reader: str
) -> None:
    path = hostile_files.huge_dimension(tmp_path / "dimension.xlsx")
    assert path.stat().st_size < 4000
    growth, outcome = measure(path, reader)
    assert "mere end 200 kolonner" in outcome
    assert growth < MAX_GROWTH_MB


def test_a_sheet_sized_to_az300000_is_refused_at_the_row_limit(tmp_path: Path) -> None:
    growth, outcome = measure(hostile_files.far_corner(tmp_path / "corner.xlsx"), "outcomes")
    assert "mere end 100.000 rækker" in outcome
    assert growth < MAX_GROWTH_MB


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = hostile_files.zip_bomb(tmp_path / "bomb.xlsx", megabytes=400)
    assert path.stat().st_size < 2 * 1024 * 1024
    growth, outcome = measure(path, "outcomes")
    assert "når det pakkes ud" in outcome and "300 MB" in outcome
    assert growth < MAX_GROWTH_MB


def test_a_zip_bomb_under_the_size_limit_is_refused_by_its_ratio(tmp_path: Path) -> None:
    path = hostile_files.zip_bomb(tmp_path / "bomb.xlsx", megabytes=100)
    growth, outcome = measure(path, "exposure")
    assert "zip-bombe" in outcome and "højst 200 gange" in outcome
    assert growth < MAX_GROWTH_MB


def test_a_csv_past_the_upload_limit_is_refused_without_being_parsed(tmp_path: Path) -> None:
    path = hostile_files.huge_csv(tmp_path / "huge.csv", megabytes=60)
    growth, outcome = measure(path, "outcomes")
    assert "højst fylde 50 MB" in outcome
    assert growth < MAX_GROWTH_MB


def test_a_csv_with_too_many_rows_stops_at_the_row_limit(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("pseudonym;sessions\n" + "abc;1\n" * 1_500_000)
    growth, outcome = measure(path, "exposure")
    assert "mere end 100.000 rækker" in outcome
    assert growth < MAX_GROWTH_MB


def test_a_whole_import_at_the_limits_stays_under_500_mb(tmp_path: Path) -> None:
    """100,000 rows (the row limit) × 27 columns (2.7 million cells, under the cell limit) of SDQ answers,
    read and fully validated (CPR checks, pseudonyms, dates, answers): the process peaks under 500 MB."""
    path = hostile_files.sdq_xlsx(tmp_path / "limit.xlsx", rows=100_000)
    growth, peak, outcome = measure_peak(path, "outcomes-validate")
    assert outcome == "read 100000 rows"
    assert peak < 500, (peak, growth)


def test_a_sheet_that_lies_about_its_size_is_read_as_it_is(tmp_path: Path) -> None:
    content = hostile_files.lying_dimension(tmp_path / "lying.xlsx").read_bytes()
    header, rows = exposure.read_table(content, "lying.xlsx")
    assert header == ["pseudonym", "sessions"]
    assert rows == [["abc", "12"]]


def test_rows_and_columns_up_to_the_limits_are_read(tmp_path: Path) -> None:
    limits = tabular.Limits(
        max_bytes=10**6,
        max_rows=50,
        max_columns=2,
        max_cells=10**6,
        max_uncompressed_bytes=10**6,
        max_compression_ratio=200,
    )
    content = hostile_files.many_rows_xlsx(tmp_path / "fifty.xlsx", 50).read_bytes()
    assert len(tabular.read_table(content, "fifty.xlsx", limits=limits).rows) == 50
    content = hostile_files.many_rows_xlsx(tmp_path / "fiftyone.xlsx", 51).read_bytes()
    with pytest.raises(tabular.TableFileError, match="mere end 50 rækker"):
        tabular.read_table(content, "fiftyone.xlsx", limits=limits)
    with pytest.raises(tabular.TableFileError, match="mere end 2 kolonner"):
        tabular.read_table(b"a;b\n1;2;3\n", "x.csv", limits=limits)
    assert tabular.read_table(b"a;b\n1;2;\n", "x.csv", limits=limits).rows == [["1", "2"]]


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_the_upload_limit_is_a_setting() -> None:
    with pytest.raises(importing.ImportFileError, match="højst fylde 1000 bytes"):
        importing.read_table(b"cpr;dato\n" + b"x;y\n" * 500, "big.csv")


# --- malformed text files (point 5) ------------------------------------------------------------------


def test_a_utf16_csv_from_excel_is_read() -> None:
    content = codecs.BOM_UTF16_LE + "pseudonym\tsessions\nabc\t3\n".encode("utf-16-le")
    assert exposure.read_table(content, "unicode.txt") == (["pseudonym", "sessions"], [["abc", "3"]])


@pytest.mark.parametrize(
    "content",
    [b"cpr;dato\n0101\x00;2025\n", bytes(range(256)) * 40, b"\x81\x8d\x8f\x90\x9d" * 10],
    ids=["nul-byte", "binary", "undefined-in-windows-1252"],
)
def test_a_binary_or_nul_csv_gets_a_danish_message(content: bytes) -> None:
    with pytest.raises(importing.ImportFileError) as refused:
        importing.read_table(content, "data.csv")
    assert "Gem den fra Excel" in refused.value.text
    with pytest.raises(exposure.ExposureFileError):
        exposure.read_table(content, "data.csv")


def test_an_unclosed_quote_gets_a_danish_message() -> None:
    with pytest.raises(importing.ImportFileError, match="kan ikke læses som CSV"):
        importing.read_table(b'a;b\n"x' + b"y" * 200_000 + b";1\n", "data.csv")


def test_a_broken_xlsx_gets_a_danish_message() -> None:
    with pytest.raises(importing.ImportFileError, match="kan ikke læses som Excel-fil"):
        importing.read_table(b"PK\x03\x04 not really a zip", "data.xlsx")
