"""Reads of the economy app. Who may read what is decided in economy.access: the price catalogue and the
price index are reference data for every logged-in person; business cases and their results are for those
who build them and those who follow the portfolio.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.db import compiled_queries
from indsats.db.compiled_lookups import CompiledQuery
from indsats.economy import access
from indsats.economy.models import (
    BusinessCase,
    BusinessCaseResult,
    CostLine,
    EffectType,
    OutcomeLine,
    PriceCatalogue,
    PriceIndex,
    ResultStatus,
    UnitPrice,
)
from indsats.evaluation import access as evaluation_access
from indsats.evaluation.literature import LiteraturePool, pooled_literature
from indsats.evaluation.models import Analysis
from indsats.evaluation.selectors import studies
from indsats.interventions.models import Intervention
from indsats.outcomes.registry import engine_instrument, localised

# --- the price catalogue ------------------------------------------------------------------------------


def catalogue_list(*, user: User | AnonymousUser) -> QuerySet[PriceCatalogue]:
    return PriceCatalogue.objects.annotate(price_count=Count("prices")).order_by("-version", "-pk")


def catalogue_detail(*, user: User | AnonymousUser, pk: int) -> PriceCatalogue:
    return PriceCatalogue.objects.get(pk=pk)


def catalogue_prices(*, user: User | AnonymousUser, catalogue: PriceCatalogue) -> QuerySet[UnitPrice]:
    return catalogue.prices.order_by("name")


def unit_price_detail(*, user: User | AnonymousUser, pk: int) -> UnitPrice:
    return UnitPrice.objects.select_related("catalogue").get(pk=pk)


def current_catalogue() -> PriceCatalogue | None:
    """The latest published edition: the one new business cases take their prices from."""
    return PriceCatalogue.objects.filter(is_published=True).order_by("-version").first()


def price_index_table(*, user: User | AnonymousUser) -> QuerySet[PriceIndex]:
    return PriceIndex.objects.order_by("year")


def price_index_values() -> dict[int, Decimal]:
    return dict(PriceIndex.objects.values_list("year", "index"))


# --- business cases -----------------------------------------------------------------------------------


def business_case_list(
    *, user: User | AnonymousUser, intervention_id: int | None = None
) -> QuerySet[BusinessCase]:
    access.require_business_case_reader(user)
    cases = access.visible_cases(
        user, BusinessCase.objects.select_related("intervention", "municipality")
    ).annotate(result_count=Count("results"))
    if intervention_id is not None:
        cases = cases.filter(intervention_id=intervention_id)
    return cases.order_by("intervention__name", "name", "pk")


def business_case_detail(*, user: User | AnonymousUser, pk: int) -> BusinessCase:
    access.require_business_case_reader(user)
    return (
        access.visible_cases(user, BusinessCase.objects.all())
        .select_related("intervention", "catalogue", "municipality")
        .prefetch_related(
            Prefetch("costs", queryset=CostLine.objects.order_by("position", "pk")),
            Prefetch(
                "outcomes",
                queryset=OutcomeLine.objects.select_related("unit_price__catalogue").order_by(
                    "position", "pk"
                ),
            ),
        )
        .get(pk=pk)
    )


def _line_count(lines: type[CostLine] | type[OutcomeLine], case: str) -> Coalesce:
    """How many lines (costs or outcomes) the case named by the outer query's ``case`` has, by a subquery."""
    count = lines.objects.filter(case=OuterRef(case)).order_by().values("case").annotate(n=Count("pk"))
    return Coalesce(Subquery(count.values("n"), output_field=IntegerField()), 0)


# What the result page shows of a case beside its result.
CASE_PAGE_RELATED = ("intervention", "catalogue", "municipality")


def case_page(*, user: User | AnonymousUser, pk: int) -> BusinessCase:
    """A case as its result page shows it: with its intervention, catalogue and municipality, and how many
    costs (``cost_count``) and outcomes (``outcome_count``) it has, counted in the one query (the page
    shows the numbers, not the rows)."""
    access.require_business_case_reader(user)
    return (
        access.visible_cases(user, BusinessCase.objects.all())
        .select_related(*CASE_PAGE_RELATED)
        .annotate(cost_count=_line_count(CostLine, "pk"), outcome_count=_line_count(OutcomeLine, "pk"))
        .get(pk=pk)
    )


# What the result page shows of the case beside the result: its facts and the names of its intervention,
# municipality and price catalogue (not the intervention's texts nor the case's description), and the name
# of who computed the result.
RESULT_PAGE_CASE_FIELDS = (
    "name",
    "intervention",
    "municipality",
    "catalogue",
    "participants",
    "price_year",
    "horizon_years",
    "discount",
    "intervention__name",
    "municipality__name",
    "catalogue__title",
    "catalogue__version",
)


# What the result page leaves unread of a result: it shows the parts of them kept in ``shown``.
RESULT_PAGE_UNREAD = ("document", "result")


def _results_with_case() -> QuerySet[BusinessCaseResult]:
    """Results (every field but the whole result and input document) with the fields of their case that
    the result page shows and who computed them."""
    related = (*(f"case__{name}" for name in CASE_PAGE_RELATED), "computed_by")
    shown = (
        *(
            field.name
            for field in BusinessCaseResult._meta.concrete_fields
            if field.name not in RESULT_PAGE_UNREAD
        ),
        *(f"case__{name}" for name in RESULT_PAGE_CASE_FIELDS),
        "computed_by__first_name",
        "computed_by__last_name",
    )
    return (
        BusinessCaseResult.objects.select_related(*related)
        .only(*shown)
        .annotate(
            case_cost_count=_line_count(CostLine, "case_id"),
            case_outcome_count=_line_count(OutcomeLine, "case_id"),
        )
        .order_by()
    )


# the result page's read of one result with its case's four tables and two counts: compiled once per
# process for those who read every case (compiling it cost more than the database's answer)
_RESULT_WITH_CASE = CompiledQuery(lambda pk: _results_with_case().filter(pk=pk))


def result_page(*, user: User | AnonymousUser, pk: int) -> BusinessCaseResult:
    """A result with its case as `case_page` gives it, in one query."""
    access.require_business_case_reader(user)
    if access.reads_every_case(user):
        found = _RESULT_WITH_CASE.rows(pk)
        if not found:
            raise BusinessCaseResult.DoesNotExist
        result = found[0]
    else:  # the query depends on the person's municipalities and interventions: compiled each time
        result = access.visible_results(user, _results_with_case()).get(pk=pk)
    # the counts belong to the case, where the page reads them
    result.case.cost_count = result.case_cost_count  # type: ignore[attr-defined]
    result.case.outcome_count = result.case_outcome_count  # type: ignore[attr-defined]
    return result


def latest_result(case: BusinessCase) -> BusinessCaseResult | None:
    """The case's newest result as the case's page shows it (without its whole result and document)."""
    return case.results.defer(*RESULT_PAGE_UNREAD).order_by("-requested_at", "-pk").first()


def result_detail(*, user: User | AnonymousUser, pk: int) -> BusinessCaseResult:
    access.require_business_case_reader(user)
    return (
        access.visible_results(user, BusinessCaseResult.objects.all())
        .select_related("case__intervention", "computed_by")
        .get(pk=pk)
    )


def finished_results(*, user: User | AnonymousUser) -> QuerySet[BusinessCaseResult]:
    """Every finished result, newest first, for choosing what to compare."""
    access.require_business_case_reader(user)
    return (
        access.visible_results(user, BusinessCaseResult.objects.filter(status=ResultStatus.DONE))
        .select_related("case__intervention")
        .defer(*RESULT_DOCUMENTS)
    )


# The stored documents of a result (tens of kilobytes of JSON each): a list of results names them and never
# needs them, and decoding fifty of them was most of the result page's time.
RESULT_DOCUMENTS = ("document", "result", "histogram")


EARLIER_RESULTS = 10


def _earlier_results(case_id: int) -> QuerySet[BusinessCaseResult]:
    results = BusinessCaseResult.objects.filter(case_id=case_id).only("case", "requested_at", "status")
    return results.annotate(npv=F("result__npv"))[:EARLIER_RESULTS]


# read on every result page: compiled once per process
_EARLIER_RESULTS = CompiledQuery(_earlier_results)


def earlier_results(case: BusinessCase) -> list[BusinessCaseResult]:
    """The case's newest results for the list of earlier computations: when each was requested, its
    status and its net present value (``npv``, None before it is computed) read out of the stored result
    in SQL, without its documents."""
    return _EARLIER_RESULTS.rows(case.pk)


COMPARISON_CHOICES = 50


def comparison_choices(
    *, user: User | AnonymousUser, case: BusinessCase
) -> list[tuple[int, str, str, datetime.datetime | None]]:
    """The other cases' finished results to compare with, newest first: (pk, intervention, case,
    computed_at) each, not the rows of their cases and interventions. For those who read every case the
    query is compiled once per process (db.compiled_queries)."""
    access.require_business_case_reader(user)
    if access.reads_every_case(user):
        return compiled_queries.rows("comparison choices", _comparison_choices_query, {"case": case.pk})
    return list(_comparison_choices(finished_results(user=user), case.pk))


def _comparison_choices_query(values: compiled_queries.Values) -> QuerySet[Any]:
    return _comparison_choices(BusinessCaseResult.objects.filter(status=ResultStatus.DONE), values["case"])


def _comparison_choices(results: QuerySet[BusinessCaseResult], case_id: int) -> QuerySet[Any]:
    fields = ("pk", "case__intervention__name", "case__name", "computed_at")
    return results.exclude(case_id=case_id).values_list(*fields)[:COMPARISON_CHOICES]


def latest_national_result(intervention: Intervention) -> BusinessCaseResult | None:
    """The newest finished result of the intervention's national business cases: "the intervention's
    economy" wherever it is shown (gate reviews, the steering group, the catalogue). A municipality's local
    cases are its own and do not count."""
    return (
        BusinessCaseResult.objects.filter(
            case__intervention=intervention, case__municipality__isnull=True, status=ResultStatus.DONE
        )
        .select_related("case")
        .order_by("-computed_at", "-pk")
        .first()
    )


def latest_economy_facts(intervention: Intervention) -> dict[str, Any] | None:
    """The økonomi criterion's facts for a gate review: from the newest national result (NPV, ROI,
    break-even year, P(NPV > 0), result id, computed_at), or None."""
    result = latest_national_result(intervention)
    if result is None or result.result is None:
        return None
    data = result.result
    return {
        "case_id": result.case_id,
        "case_name": result.case.name,
        "npv": data["npv"],
        "roi": data["roi"],
        "break_even_year": data["break_even_year"],
        "p_positive": data.get("p_positive"),
        "result_id": result.pk,
        "computed_at": result.computed_at,
        "price_year": data["price_year"],
        "horizon_years": data["horizon_years"],
    }


def effect_analyses(*, user: User | AnonymousUser, intervention: Intervention) -> list[Analysis]:
    """The newest analysis of each effect study of the intervention that the person may see: the
    effects a business case can take over (see outcome_from_analysis)."""
    newest = []
    for study in studies(user=user).filter(intervention=intervention).prefetch_related("analyses"):
        analyses = sorted(study.analyses.all(), key=lambda a: (a.created_at, a.pk), reverse=True)
        if analyses:
            newest.append(analyses[0])
    return newest


def outcome_from_analysis(analysis: Analysis) -> dict[str, Any]:
    """An outcome row prefilled with an analysis's effect: absolute, in the scale's own units, with its
    standard error for the Monte Carlo simulation and a source that names the stored analysis (id,
    inputs hash, engine version), so the figure in the business case can be traced back."""
    study = analysis.study
    score = localised(engine_instrument(study.instrument).score_name(study.score_key))
    result = analysis.result
    return {
        "name": f"{study.instrument}: {score}",
        "effect_type": EffectType.ABSOLUTE,
        "effect_estimate": Decimal(str(round(result["estimate"], 4))),
        "effect_se": Decimal(str(round(result["se"], 4))) if result.get("se") is not None else None,
        "effect_source": _(
            "Effektstudie ”%(study)s”, analyse nr. %(id)s (inddata sha256 %(hash)s…, motor %(engine)s); "
            "effekten er i skalaens point pr. deltager"
        )
        % {
            "study": study.name,
            "id": analysis.pk,
            "hash": analysis.inputs_hash[:12],
            "engine": analysis.engine_version,
        },
    }


def literature_pool(*, user: User | AnonymousUser, intervention: Intervention) -> LiteraturePool | None:
    """The intervention's pooled literature, for people who may see its evidence (evaluation.access)."""
    if not evaluation_access.can_see_rating(user, intervention):
        return None
    return pooled_literature(intervention)


def outcome_from_literature(pool: LiteraturePool) -> dict[str, Any]:
    """An outcome row prefilled with the pooled effect of the literature: Hedges' g (in standard deviations
    per participant, positive = improvement) with its standard error, and a source naming the pooling and
    its references, so the figure can be traced back."""
    result = pool.result
    return {
        "name": _("Litteraturen: samlet effekt (Hedges' g)"),
        "effect_type": EffectType.ABSOLUTE,
        "effect_estimate": Decimal(str(round(result.estimate, 4))),
        "effect_se": Decimal(str(round(result.se, 4))),
        "effect_source": _(
            "Metaanalyse (REML) af %(k)s referencer: %(references)s; effekten er i standardafvigelser "
            "(Hedges' g), positiv er en forbedring"
        )
        % {"k": result.k, "references": "; ".join(e.label for e in pool.effects)},
    }


def national_case(intervention: Intervention) -> BusinessCase | None:
    """The intervention's newest national (the agency's) business case: what a local case starts from."""
    return (
        BusinessCase.objects.filter(intervention=intervention, municipality__isnull=True)
        .order_by("-updated_at", "-pk")
        .first()
    )


def local_case_interventions(*, user: User | AnonymousUser) -> QuerySet[Intervention]:
    """The interventions a municipality's manager may make a local case for (economy.access)."""
    return Intervention.objects.filter(pk__in=access.local_case_interventions(user)).order_by("name")
