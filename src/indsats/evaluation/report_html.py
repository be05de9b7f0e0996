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
from django.utils.translation import get_language, gettext_noop, ngettext
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


# The `{% translate %}` tags of evaluation/_report_body.html, as `{{ text.KEY }}` (a lazy message per tag
# and request cost the report about a tenth of its time).
BODY_LABELS = {
    "foreloebige_resultater": gettext_noop("Foreløbige resultater"),
    "dette_er_en_midtvejsevaluering": gettext_noop(
        "Dette er en midtvejsevaluering. Resultaterne bygger på de børn, der var målt, da analysen blev beregnet, og kan ændre sig, når flere børn er målt."  # noqa: E501 - one message
    ),
    "maalerunder_uden_maalinger_endnu": gettext_noop("Målerunder uden målinger endnu:"),
    "alle_indsatsens_maalerunder_havde": gettext_noop(
        "Alle indsatsens målerunder havde målinger, da analysen blev beregnet."
    ),
    "konklusion": gettext_noop("Konklusion"),
    "metode": gettext_noop("Metode"),
    "en_hoejere_score_er": gettext_noop("En højere score er bedre."),
    "en_lavere_score_er": gettext_noop("En lavere score er bedre, så et fald er en forbedring."),
    "resultat": gettext_noop("Resultat"),
    "maal": gettext_noop("Mål"),
    "estimat": gettext_noop("Estimat"),
    "konfidensinterval_95": gettext_noop("95 % konfidensinterval"),
    "forbehold": gettext_noop("Forbehold"),
    "motoren_har_ingen_advarsler": gettext_noop("Motoren har ingen advarsler om dette resultat."),
    "evidens": gettext_noop("Evidens"),
    "evaluators_vurdering": gettext_noop("Evaluators vurdering"),
    "gennemsnitlig_score_over_maalerunderne": gettext_noop("Gennemsnitlig score over målerunderne"),
    "gennemsnitlig_score_pr_maalerunde": gettext_noop(
        "Gennemsnitlig score pr. målerunde (tallene bag grafen)"
    ),
    "gruppe": gettext_noop("Gruppe"),
    "analysen_er_aeldre_end": gettext_noop(
        "Analysen er ældre end rapportens opgørelse pr. målerunde, så tallene er hentet nu."
    ),
    "balance_mellem_grupperne": gettext_noop("Balance mellem grupperne"),
    "standardiserede_forskelle_og_variansforhold": gettext_noop(
        "Standardiserede forskelle og variansforhold pr. baggrundsforhold (tallene bag grafen)"
    ),
    "baggrundsforhold": gettext_noop("Baggrundsforhold"),
    "forskel_foer": gettext_noop("Forskel før"),
    "standardiseret_forskel": gettext_noop("Standardiseret forskel"),
    "forskel_efter": gettext_noop("Forskel efter"),
    "variansforhold_foer": gettext_noop("Variansforhold før"),
    "variansforhold": gettext_noop("Variansforhold"),
    "variansforhold_efter": gettext_noop("Variansforhold efter"),
    "ubalance": gettext_noop("ubalance"),
    "for_hvem_virker_det": gettext_noop("For hvem virker det? Undergrupper"),
    "analysen_er_beregnet_foer": gettext_noop(
        "Analysen er beregnet, før rapporten fik undergrupper. Beregn analysen igen for at se resultatet pr. aldersgruppe, køn og kommune."  # noqa: E501 - one message
    ),
    "ingen_undergrupper_kunne_beregnes": gettext_noop(
        "Ingen undergrupper kunne beregnes: der var ikke mindst to aldersgrupper, køn eller kommuner med data."  # noqa: E501 - one message
    ),
    "den_gennemsnitlige_aendring_pr": gettext_noop(
        "Den gennemsnitlige ændring pr. undergruppe. Testen viser, om ændringen er forskellig i undergrupperne."  # noqa: E501 - one message
    ),
    "forskellen_mellem_grupperne_pr": gettext_noop(
        "Forskellen mellem grupperne pr. undergruppe, justeret for score før indsatsen (og de øvrige baggrundsforhold). Testen viser, om effekten er forskellig i undergrupperne."  # noqa: E501 - one message
    ),
    "undergrupper_er_undersoegende_med": gettext_noop(
        "Undergrupper er undersøgende: med mange sammenligninger kan en forskel opstå ved et tilfælde."
    ),
    "ikke_beregnet": gettext_noop("Ikke beregnet:"),
    "dosis_og_troskab": gettext_noop("Dosis og troskab"),
    "analysen_er_beregnet_foer_2": gettext_noop(
        "Analysen er beregnet, før rapporten fik dosis og troskab. Beregn analysen igen for at se dem."
    ),
    "der_er_ikke_registreret": gettext_noop(
        "Der er ikke registreret dosis (modtagne sessioner) eller troskab for børnene i indsatsen."
    ),
    "sammenhaengen_mellem_hvor_meget": gettext_noop(
        "Sammenhængen mellem, hvor meget af indsatsen børnene fik (eller hvor tro leveringen var mod modellen), og deres ændring fra før til efter, justeret for score før indsatsen. Sammenhængen er ikke nødvendigvis en virkning: børn, der får mere, kan være anderledes."  # noqa: E501 - one message
    ),
    "interval": gettext_noop("Interval"),
    "antal_boern": gettext_noop("Antal børn"),
    "gennemsnitlig_aendring": gettext_noop("Gennemsnitlig ændring"),
    "implementering": gettext_noop("Implementering"),
    "oekonomi": gettext_noop("Økonomi"),
    "analysen_er_aeldre_end_2": gettext_noop(
        "Analysen er ældre end rapportens afsnit om implementering og økonomi, så oplysningerne er hentet nu."
    ),
    "sporbarhed": gettext_noop("Sporbarhed"),
}


def body_labels() -> dict[str, SafeString]:
    """The report body's labels in the active language, as its `{% translate %}` tags wrote them (safe)."""
    return _body_labels(get_language())


@functools.lru_cache(maxsize=16)
def _body_labels(language: str | None) -> dict[str, SafeString]:
    del language  # the cache key: gettext answers in the active language
    return {key: mark_safe(translated(message)) for key, message in BODY_LABELS.items()}  # noqa: S308 - own messages


def _blocktranslated(message: str, **values: object) -> str:
    """`{% blocktranslate with name=value %}message{% endblocktranslate %}`: the message (with
    `%(name)s` for each variable) not escaped, its values escaped and localised as `{{ value }}`."""
    return _(message) % {name: _v(value) for name, value in values.items()}


def balance_html(balance: Mapping[str, Any] | None) -> SafeString:
    """The section on the balance between the groups (report.balance_section): its heading, the Love
    plot's sentence and chart, and the table behind the chart; empty without a balance."""
    if not balance:
        return mark_safe("")
    text = body_labels()
    matched = balance["matched"]
    if matched:
        sentence = _blocktranslated(
            "Grafen viser, hvor forskellige børnene i de to grupper var før og efter matchning, målt som "
            "standardiseret forskel i gennemsnit. En forskel under %(limit)s (de stiplede linjer) regnes "
            "for god balance.",
            limit=balance["limit"],
        )
        head = (
            f'<th scope="col" class="text-align-right">{text["forskel_foer"]}</th>'
            f'<th scope="col" class="text-align-right">{text["forskel_efter"]}</th>'
            f'<th scope="col" class="text-align-right">{text["variansforhold_foer"]}</th>'
            f'<th scope="col" class="text-align-right">{text["variansforhold_efter"]}</th>'
        )
        poor = f" ({text['ubalance']})"
        rows = "".join(
            f'<tr><th scope="row">{_v(row["label"])}</th><td class="text-align-right">{_v(row["smd_before"])}'
            f'</td><td class="text-align-right">{_v(row["smd_after"])}{poor if row["poor"] else ""}</td>'
            f'<td class="text-align-right">{_v(row["ratio_before"])}</td>'
            f'<td class="text-align-right">{_v(row["ratio_after"])}</td></tr>'
            for row in balance["rows"]
        )
    else:
        sentence = _blocktranslated(
            "Grafen viser, hvor forskellige børnene i de to grupper var, målt som standardiseret forskel i "
            "gennemsnit. Analysen justerer for disse forhold med regression. En forskel under %(limit)s (de "
            "stiplede linjer) regnes for god balance.",
            limit=balance["limit"],
        )
        head = (
            f'<th scope="col" class="text-align-right">{text["standardiseret_forskel"]}</th>'
            f'<th scope="col" class="text-align-right">{text["variansforhold"]}</th>'
        )
        rows = "".join(
            f'<tr><th scope="row">{_v(row["label"])}</th><td class="text-align-right">{_v(row["smd_before"])}'
            f'</td><td class="text-align-right">{_v(row["ratio_before"])}</td></tr>'
            for row in balance["rows"]
        )
    return mark_safe(  # noqa: S308 - every value is escaped; the chart is our own SVG, as `|safe` wrote it
        f"\n<h2>{text['balance_mellem_grupperne']}</h2>\n<p>{sentence}</p>\n"
        f'<figure class="indsats-chart">{balance["chart"]}</figure>\n'
        '<div class="table--responsive-scroll" tabindex="0" role="region" '
        'aria-labelledby="balance-caption table-scroll-hint">\n<table class="table">\n'
        f'  <caption id="balance-caption">{text["standardiserede_forskelle_og_variansforhold"]}</caption>\n'
        f'  <thead><tr><th scope="col">{text["baggrundsforhold"]}</th>{head}</tr></thead>\n'
        f"  <tbody>{rows}</tbody>\n</table>\n</div>\n"
    )


def exposure_html(exposure: Mapping[str, Any] | None) -> SafeString:
    """The body of the dose and fidelity section (report.exposure_sections): a sentence for an analysis
    stored before it or without any exposure recorded, else a chart and table per measure."""
    text = body_labels()
    if exposure is None:
        return mark_safe(f"\n<p>{text['analysen_er_beregnet_foer_2']}</p>\n")  # noqa: S308 - own message
    if not exposure["sections"]:
        return mark_safe(f"\n<p>{text['der_er_ikke_registreret']}</p>\n")  # noqa: S308 - own message
    parts = [f"\n<p>{text['sammenhaengen_mellem_hvor_meget']}</p>\n"]
    for section in exposure["sections"]:
        parts.append(f'\n<div class="indsats-keep">\n<h3>{_v(section["title"])}</h3>\n')
        if section.get("problem"):  # only a section without a slope has the key
            parts.append(
                "\n<p>"
                + _blocktranslated(
                    "Registreret for %(n)s børn, men der er for lidt variation eller for få børn til at "
                    "beregne en sammenhæng.",
                    n=section["recorded"],
                )
                + "</p>\n</div>\n\n"
            )
            continue
        sentence = _blocktranslated(
            "Registreret for %(n)s af %(total)s børn. Ændringen er %(slope)s point %(unit)s (95 %% "
            "konfidensinterval %(interval)s; p = %(p)s).",
            n=section["n"],
            total=exposure["n_children"],
            slope=section["slope"],
            interval=section["slope_interval"],
            unit=section["per_unit"],
            p=section["p_value"],
        )
        caption = _blocktranslated(
            "Gennemsnitlig ændring pr. interval, %(title)s (tallene bag grafen)",
            title=section["title"].lower(),
        )
        bands = "".join(
            f'<tr><th scope="row">{_v(band["label"])}</th><td class="text-align-right">{_v(band["n"])}</td>'
            f'<td class="text-align-right">{_v(band["mean"])}</td><td>{_v(band["interval"])}</td></tr>'
            for band in section["bands"]
        )
        parts.append(
            f"\n<p>{sentence}</p>\n"
            f'<figure class="indsats-chart">{section["chart"]}</figure>\n</div>\n'
            '<div class="indsats-keep">\n<table class="table">\n'
            f"  <caption>{caption}</caption>\n"
            f'  <thead><tr><th scope="col">{text["interval"]}</th>'
            f'<th scope="col" class="text-align-right">{text["antal_boern"]}</th>'
            f'<th scope="col" class="text-align-right">{text["gennemsnitlig_aendring"]}</th>'
            f'<th scope="col">{text["konfidensinterval_95"]}</th></tr></thead>\n'
            f"  <tbody>{bands}</tbody>\n</table>\n</div>\n\n"
        )
    parts.append("\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped; charts are our own SVG
