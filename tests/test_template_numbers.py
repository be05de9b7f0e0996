"""Record ids and machine-read numbers are written without thousand separators.

With USE_THOUSAND_SEPARATOR on (Danish "1.207"), `{{ duty.pk }}` in an id, a form value or a link
becomes "1.207" once a table passes a thousand rows: the label no longer points to its field, a select
submits the wrong record, a progress bar's max is read as 1. Such values must go through `unlocalize`.
A calendar year is the same ("2.024-priser" in the public catalogue). This scans every template for the
patterns that broke before.
"""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "indsats"
MACHINE_READ = re.compile(
    r"\{\{\s*([\w.]+\.(?:pk|id)|\w+_id)\s*\}\}"  # a record id, anywhere, with no filter
    r'|="\{\{\s*[\w.]+\.(?:draws|progress|total_rows|done_rows)\s*\}\}"'  # a count read by the browser
    r"|with\s+\w+=([\w.]+\.pk)(?=[\s%])"  # a blocktranslate variable taken from a pk
    # a calendar year ("2.024-priser"); a programme_year is a record, written by its name
    r"|(?:\{\{\s*|with\s+\w+=)[\w.]*(?<!programme)_year(?=[\s}%])"
)


def _offending_lines() -> list[str]:
    found = []
    for template in sorted(SOURCE.rglob("templates/**/*.html")):
        for number, line in enumerate(template.read_text().splitlines(), start=1):
            for match in MACHINE_READ.finditer(line):
                found.append(f"{template.relative_to(SOURCE)}:{number}: {match.group(0)}")
    return found


def test_no_template_writes_a_record_id_with_a_thousand_separator():
    assert _offending_lines() == [], "Add |unlocalize (and {% load l10n %}) to these"


def test_the_scan_finds_the_pattern_it_guards_against(tmp_path):
    assert MACHINE_READ.search('<input id="report-file-{{ duty.pk }}">')
    assert MACHINE_READ.search("{% blocktranslate with id=analysis.pk %}")
    assert MACHINE_READ.search('<progress max="{{ job.total_rows }}">')
    assert not MACHINE_READ.search('<input id="report-file-{{ duty.pk|unlocalize }}">')
    assert not MACHINE_READ.search("{% blocktranslate with id=analysis.pk|unlocalize %}")
    assert MACHINE_READ.search("{% blocktranslate with year=economy.price_year horizon=h %}")
    assert MACHINE_READ.search("<td>{{ row.price_year }}</td>")
    assert not MACHINE_READ.search("{% blocktranslate with year=economy.price_year|unlocalize %}")
    assert not MACHINE_READ.search("<td>{{ pool.initiative.programme_year }}</td>")
