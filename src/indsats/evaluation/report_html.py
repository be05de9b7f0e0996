"""Parts of the evaluation report's body (evaluation/_report_body.html) as HTML, written in Python.

The report's template costs the page more than its queries (issue #16): its tables are loops of template
variables and `{% translate %}` tags, its two fact tables an `{% include %}` each. These builders write
the same bytes as the template fragments they replace, for the page and the PDF alike: each value
localised and escaped as `{{ value }}` did, a `{% translate %}` escaped, a `{% blocktranslate %}`'s
message not (its variables escaped), labels asked for once per process and language.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _


def _v(value: object) -> str:
    """`{{ value }}` with autoescaping and localisation on (as render_value_in_context)."""
    if type(value) is str:  # plain text: nothing to localise, no __html__
        return html.escape(value)
    value = localize(value)
    if not isinstance(value, str):
        value = str(value)
    return str(conditional_escape(value))


def translated(message: str) -> str:
    """`{% translate "message" %}`: its literal is safe (not escaped) and its percent signs doubled in the
    message id, then restored."""
    return _(message.replace("%", "%%")).replace("%%", "%")


@functools.lru_cache(maxsize=16)
def _labels(language: str | None) -> dict[str, str]:
    """The `{% translate %}` labels of the parts below, for one language."""
    del language  # the cache key: gettext answers in the active language
    return {
        key: translated(message)
        for key, message in {
            "children": "Antal børn",
            "treated": "Heraf i indsatsen",
            "difference": "Forskel",
            "mean_change": "Gennemsnitlig ændring",
            "interval": "95 % konfidensinterval",
            "p_value": "p-værdi",
            "small": "Nogle undergrupper har færre end 10 børn; deres estimater er meget usikre.",
            "own_only": "Tabellen viser kun jeres egen kommunes række; de samlede resultater for alle "
            "kommuner står øverst i rapporten.",
            "analysis_id": "Analyse-id",
            "engine_method": "Metode i motoren",
            "inputs_hash": "Inddata (sha256)",
            "engine_version": "Motorversion",
            "seed": "Startværdi (seed)",
            "fact": "Oplysning",
            "value": "Værdi",
            "source": "Kilde",
        }.items()
    }


def subgroup_tables_html(tables: Sequence[Mapping[str, Any]]) -> SafeString:
    """The subgroup tables (report.subgroup_tables), each with its notes."""
    text = _labels(get_language())
    parts: list[str] = []
    for counter, table in enumerate(tables, 1):
        comparison = table["has_comparison_group"]
        title = _v(table["title"])
        caption = _("%(title)s: test af ens effekt %(test)s") % {"title": title, "test": _v(table["test"])}
        treated_head = (
            f'<th scope="col" class="text-align-right">{text["treated"]}</th>' if comparison else ""
        )
        estimate_head = text["difference"] if comparison else text["mean_change"]
        rows = "".join(
            f'<tr><th scope="row">{_v(row["level"])}</th><td class="text-align-right">{_v(row["n"])}</td>'
            + (f'<td class="text-align-right">{_v(row["n_treated"])}</td>' if comparison else "")
            + f'<td class="text-align-right">{_v(row["estimate"])}</td><td>{_v(row["interval"])}</td>'
            f'<td class="text-align-right">{_v(row["p_value"])}</td></tr>'
            for row in table["rows"]
        )
        hidden = table["hidden_rows"]
        hidden_note = (
            "<p>"
            + ngettext(
                "%(rows)s undergruppe er skjult (–), fordi den har for få børn, eller fordi dens tal "
                "ellers kunne regnes ud fra de andre.",
                "%(rows)s undergrupper er skjult (–), fordi de har for få børn, eller fordi deres tal "
                "ellers kunne regnes ud fra de andre.",
                hidden,
            )
            % {"rows": _v(hidden)}
            + "</p>"
            if hidden
            else ""
        )
        parts.append(
            f'\n<div class="table--responsive-scroll" tabindex="0" role="region" '
            f'aria-labelledby="subgroups-caption-{counter} table-scroll-hint">\n<table class="table">\n'
            f'  <caption id="subgroups-caption-{counter}">{caption}</caption>\n'
            f'  <thead><tr><th scope="col">{title}</th><th scope="col" class="text-align-right">'
            f"{text['children']}</th>{treated_head}"
            f'<th scope="col" class="text-align-right">{estimate_head}</th>'
            f'<th scope="col">{text["interval"]}</th>'
            f'<th scope="col" class="text-align-right">{text["p_value"]}</th></tr></thead>\n'
            f"  <tbody>{rows}</tbody>\n</table>\n</div>\n"
            + (f"<p>{text['small']}</p>" if table["small"] else "")
            + "\n"
            + (f"<p>{text['own_only']}</p>" if table["own_only"] else "")
            + "\n"
            + hidden_note
            + "\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def facts_html(facts: Iterable[Mapping[str, Any]], caption: str, empty: str) -> SafeString:
    """A table of implementation or economy facts (report.process_facts), or ``empty`` without any.
    ``caption`` and ``empty`` are message ids, translated as the template's `_("...")` literal was: a safe
    string, so not escaped."""
    facts = list(facts)
    if not facts:
        return mark_safe(f"\n<p>{_(empty)}</p>\n\n")  # noqa: S308 - the project's own message
    text = _labels(get_language())
    rows = "".join(
        f'<tr><th scope="row">{_v(fact["label"])}</th><td>{_v(fact["value"])}</td><td>'
        + (
            f'<a href="{_v(fact["url"])}">{_v(fact["source"])}</a>'
            if fact.get("url")
            else _v(fact.get("source", ""))
        )
        + "</td></tr>"
        for fact in facts
    )
    return mark_safe(  # noqa: S308 - every value is escaped
        f'\n<div class="indsats-keep">\n<table class="table">\n  <caption>{_(caption)}</caption>\n'
        f'  <thead><tr><th scope="col">{text["fact"]}</th><th scope="col">{text["value"]}</th>'
        f'<th scope="col">{text["source"]}</th></tr></thead>\n'
        f"  <tbody>{rows}</tbody>\n</table>\n</div>\n\n"
    )


def estimate_rows_html(estimates: Iterable[Any]) -> SafeString:
    """The result table's rows (report.estimate_rows)."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<tr><td>{_v(row.label)}</td><td class="text-align-right">{_v(row.value)}</td>'
            f"<td>{_v(row.interval)}</td></tr>"
            for row in estimates
        )
    )


def round_table_html(labels: Iterable[Any], table: Iterable[tuple[Any, Iterable[Any]]]) -> SafeString:
    """The round labels' header cells and the rows of the table behind the chart of means per round,
    joined by "</tr></thead>\\n  <tbody>" as the template wrote them."""
    head = "".join(f'<th scope="col" class="text-align-right">{_v(label)}</th>' for label in labels)
    rows = "".join(
        f'<tr><th scope="row">{_v(name)}</th>'
        + "".join(f'<td class="text-align-right">{_v(value)}</td>' for value in values)
        + "</tr>"
        for name, values in table
    )
    return mark_safe(f"{head}</tr></thead>\n  <tbody>{rows}")  # noqa: S308 - every value is escaped


def _unlocalized(value: object) -> str:
    """`{{ value|unlocalize }}`."""
    return _v(str(localize(value, use_l10n=False)))


def traceability_html(analysis: Any) -> SafeString:
    """The list that traces the result to the analysis, its engine and its inputs."""
    text = _labels(get_language())
    return mark_safe(  # noqa: S308 - every value is escaped
        '<dl class="indsats-facts">\n'
        f"  <dt>{text['analysis_id']}</dt><dd>{_unlocalized(analysis.pk)}</dd>\n"
        f"  <dt>{text['engine_method']}</dt><dd>{_v(analysis.method)}</dd>\n"
        f"  <dt>{text['inputs_hash']}</dt><dd><code>{_v(analysis.inputs_hash)}</code></dd>\n"
        f"  <dt>{text['engine_version']}</dt><dd>{_v(analysis.engine_version)}</dd>\n"
        f"  <dt>{text['seed']}</dt><dd>{_unlocalized(analysis.seed)}</dd>\n"
        "</dl>"
    )
