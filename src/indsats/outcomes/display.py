"""The completeness table's rows as HTML, written in Python: the markup outcomes/completeness.html wrote.

A row per municipality and a cell per round: resolving each cell's counts, its missing children's codes and
their plural messages as template variables and tags costs more, for a national table, than the query
behind it (issue #16). Joining escaped strings gives the same bytes: the numbers written as the template
wrote them (localized in the active language, through one Formatter per table), the names and codes
escaped, the messages translated once per process, language and number.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext

from indsats.outcomes.selectors import CompletenessCell, CompletenessRow
from indsats.ui.formatting import Formatter


def completeness_rows_html(rows: Iterable[CompletenessRow]) -> SafeString:
    """The table body's rows (what the template's ``{% for row in rows %}`` wrote for a non-empty list)."""
    formatter = Formatter()
    language = get_language()
    parts = []
    for row in rows:
        cells = "".join(_cell(cell, formatter, language) for cell in row.cells)
        name = html.escape(str(row.municipality))
        parts.append(f'\n    <tr><th scope="row">{name}</th>\n    {cells}</tr>\n  ')
    return mark_safe("".join(parts))  # noqa: S308 - the names and codes escaped, the numbers written here


def _cell(cell: CompletenessCell, formatter: Formatter, language: str | None) -> str:
    number = formatter.number
    details = ""
    if cell.missing_codes:
        codes = "".join(f"<li><code>{html.escape(code)}</code></li>" for code in cell.missing_codes)
        more = cell.more_missing
        more_text = f"<p>{_more(language, more) % {'n': number(more)}}</p>" if more else ""
        details = (
            f"<details><summary>{_missing(language, cell.missing) % {'n': number(cell.missing)}}</summary>"
            f"<ul>{codes}</ul>{more_text}</details>"
        )
    return (
        f"<td>{number(cell.measured)} / {number(cell.enrolled)} ({number(cell.percent)} %)\n"
        f"      {details}\n    </td>"
    )


@functools.lru_cache(maxsize=1024)
def _missing(_language: str | None, n: int) -> str:
    """ "%(n)s mangler" in the plural form for `n`, translated once per process and language."""
    return ngettext("%(n)s mangler", "%(n)s mangler", n)


@functools.lru_cache(maxsize=1024)
def _more(_language: str | None, n: int) -> str:
    """ "og %(n)s mere" in the plural form for `n`, translated once per process and language."""
    return ngettext("og %(n)s mere", "og %(n)s mere", n)
