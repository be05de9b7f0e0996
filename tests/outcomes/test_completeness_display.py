"""The completeness table's rows written in Python (issue #16) give the bytes the template's loop wrote, in
Danish and English: names and codes escaped, numbers localized (thousands), the plural messages, the
missing children's list and its "and n more", and cells without enrolled children."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation

from indsats.accounts.models import Organisation
from indsats.outcomes.display import completeness_rows_html
from indsats.outcomes.selectors import CompletenessCell, CompletenessRow

# the loop outcomes/completeness.html held before the rows were written in Python
TEMPLATE_LOOP = (
    "{% load i18n %}{% for row in rows %}\n"
    '    <tr><th scope="row">{{ row.municipality }}</th>\n'
    "    {% for cell in row.cells %}<td>{{ cell.measured }} / {{ cell.enrolled }} ({{ cell.percent }} %)\n"
    "      {% if cell.missing_codes %}<details><summary>{% blocktranslate count n=cell.missing %}{{ n }} "
    "mangler{% plural %}{{ n }} mangler{% endblocktranslate %}</summary><ul>{% for code in "
    "cell.missing_codes %}<li><code>{{ code }}</code></li>{% endfor %}</ul>{% if cell.more_missing %}<p>"
    "{% blocktranslate count n=cell.more_missing %}og {{ n }} mere{% plural %}og {{ n }} mere"
    "{% endblocktranslate %}</p>{% endif %}</details>{% endif %}\n"
    "    </td>{% endfor %}</tr>\n"
    "  {% endfor %}"
)


def _rows() -> list[CompletenessRow]:
    return [
        CompletenessRow(
            municipality=Organisation(name='Ærø <b>"Kommune"</b> & Co\'s'),
            cells=[
                CompletenessCell(enrolled=12_345, measured=1_234, missing_codes=["<AB&12>", "C'D\"34"]),
                CompletenessCell(enrolled=3, measured=2, missing_codes=["EF56"]),  # one missing
                CompletenessCell(enrolled=2_000, measured=2_000),
            ],
        ),
        CompletenessRow(
            municipality=Organisation(name="Aarhus Kommune"),
            cells=[
                CompletenessCell(enrolled=0, measured=0),
                CompletenessCell(enrolled=7, measured=3),  # another municipality's: no codes
                CompletenessCell(enrolled=1_060, measured=9, missing_codes=["GH78"] * 50),
            ],
        ),
    ]


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_rows_written_in_python_are_the_templates_bytes(language):
    template = engines["django"].from_string(TEMPLATE_LOOP)
    with translation.override(language):
        expected = template.render({"rows": _rows()})
        written = completeness_rows_html(_rows())
    assert written == expected
    # what the comparison covers
    assert "&lt;AB&amp;12&gt;" in written and "C&#x27;D&quot;34" in written
    assert "Ærø &lt;b&gt;&quot;Kommune&quot;&lt;/b&gt; &amp; Co&#x27;s" in written
    assert ("1.234 / 12.345" if language == "da" else "1,234 / 12,345") in written
    assert ("og 1.001 mere" if language == "da" else "and 1,001 more") in written
    assert ("11.111 mangler" if language == "da" else "11,111 missing") in written


def test_no_rows_write_nothing():
    assert completeness_rows_html([]) == ""
