"""Builders of hostile upload files (written to disk in chunks, so the test process stays small)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<?xml version="1.0"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Ark1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def write_xlsx(path: Path, dimension: str, rows: Iterable[str]) -> Path:
    """An .xlsx whose first sheet declares ``dimension`` and holds the ``<row>`` elements given."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'.encode()
            )
            for row in rows:
                sheet.write(row.encode())
            sheet.write(b"</sheetData></worksheet>")
    return path


def header_row(*names: str) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return (
        '<row r="1">' + "".join(text_cell(f"{letters[i]}1", name) for i, name in enumerate(names)) + "</row>"
    )


def huge_dimension(path: Path) -> Path:
    """1-2 KB: declares A1:XFD1048576 and has one value at XFD1048576 (the last cell Excel has)."""
    return write_xlsx(
        path,
        "A1:XFD1048576",
        [header_row("cpr", "dato"), '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'],
    )


def lying_dimension(path: Path) -> Path:
    """A small, valid table whose sheet claims to be A1:XFD1048576."""
    return write_xlsx(
        path,
        "A1:XFD1048576",
        [
            header_row("pseudonym", "sessions"),
            f'<row r="2">{text_cell("A2", "abc")}<c r="B2"><v>12</v></c></row>',
        ],
    )


def far_corner(path: Path) -> Path:
    """A sheet sized to AZ300000: one value in the far corner."""
    return write_xlsx(
        path, "A1:AZ300000", [header_row("cpr"), '<row r="300000"><c r="AZ300000"><v>7</v></c></row>']
    )


def zip_bomb(path: Path, megabytes: int = 400) -> Path:
    """A few hundred KB that unpack to ``megabytes`` of sheet XML (one long repeated row)."""
    row = '<row><c t="inlineStr"><is><t>' + "0" * 1000 + "</t></is></c></row>"
    repeats = megabytes * 1024 * 1024 // len(row)
    return write_xlsx(path, "A1:A1", (row for _ in range(repeats)))


def many_rows_xlsx(path: Path, rows: int) -> Path:
    return write_xlsx(
        path,
        f"A1:B{rows + 1}",
        [header_row("pseudonym", "sessions")]
        + [
            f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}"><v>1</v></c></row>'
            for n in range(2, rows + 2)
        ],
    )


def huge_csv(path: Path, megabytes: int) -> Path:
    """A CSV of ``megabytes`` written by a generator, 1 MB at a time."""
    line = "0102150000;2025-02-10;" + ";".join("1" for _ in range(25)) + "\n"
    block = line * (1024 * 1024 // len(line))
    with path.open("w") as handle:
        handle.write("cpr;dato;" + ";".join(f"sdq{i}" for i in range(1, 26)) + "\n")
        for _ in range(megabytes):
            handle.write(block)
    return path


def sdq_xlsx(path: Path, rows: int) -> Path:
    """A valid SDQ import of ``rows`` made-up children (CPR numbers of the right form), written streaming."""
    from tests.outcomes.files import HEADER

    def distinct_cpr(n: int) -> str:  # as benchmarks/bench_outcome_import.py: born 2000-2019, all different
        return f"{1 + n % 28:02d}{1 + (n // 28) % 12:02d}{(n // 336) % 20:02d}-{4000 + n // 6720:04d}"

    letters = [chr(65 + i) for i in range(26)] + ["AA"]

    def row(n: int) -> str:
        line = n + 2
        cells = [text_cell(f"A{line}", distinct_cpr(n)), text_cell(f"B{line}", "2025-02-10")]
        cells += [f'<c r="{letters[i]}{line}"><v>{(n + i) % 3}</v></c>' for i in range(2, 27)]
        return f'<row r="{line}">' + "".join(cells) + "</row>"

    header = (
        '<row r="1">' + "".join(text_cell(f"{letters[i]}1", name) for i, name in enumerate(HEADER)) + "</row>"
    )
    return write_xlsx(path, f"A1:AA{rows + 1}", [header, *(row(n) for n in range(rows))])
