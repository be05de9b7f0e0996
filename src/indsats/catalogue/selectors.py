"""Public reads of the catalogue: only published, not withdrawn descriptions, and only their snapshots.

Search is PostgreSQL full-text search with the `danish` configuration (stemming: "skolefravær" finds
"skolefraværet"), ranked, with highlighted snippets; on SQLite a fallback matches each word's stem as a
substring. Filters count their values within the results of the other filters (facets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.expressions import CombinedExpression
from django.http import Http404, QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from indsats.accounts.models import Organisation
from indsats.catalogue.models import CostBand, Publication, PublishedDocument, PublishedVersion
from indsats.interventions.models import ProblemArea
from indsats.interventions.workflow import InterventionState

PAGE_SIZE = 20
AGE_BANDS = {"0-5": (0, 5), "6-12": (6, 12), "13-17": (13, 17), "18-30": (18, 30)}
GRADES = ("A", "B", "C", "D")
SORTS = ("relevance", "name", "newest", "rating")
MARK_START, MARK_END = "\x02", "\x03"  # markers no published text holds; escaped text gets <mark> after


def listed() -> QuerySet[Publication]:
    """Published and not withdrawn: what search, lists, feeds, sitemaps and the API list."""
    return Publication.objects.filter(withdrawn_at__isnull=True)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class CatalogueQuery:
    """Search words, filters and sort order, read from and written to the URL (bookmarkable)."""

    q: str = ""
    age: str = ""
    area: int | None = None
    outcome: str = ""
    grade: str = ""
    phase: str = ""
    cost: str = ""
    municipality: int | None = None
    sort: str = ""
    page: int = 1
    ids: tuple[int, ...] = field(default=())

    @classmethod
    def from_params(cls, params: QueryDict) -> CatalogueQuery:
        def integer(name: str) -> int | None:
            value = params.get(name, "")
            return int(value) if value.isascii() and value.isdigit() else None

        def choice(name: str, allowed: Any) -> str:
            value = params.get(name, "")
            return value if value in allowed else ""

        return cls(
            q=params.get("q", "").strip()[:200],
            age=choice("age", AGE_BANDS),
            area=integer("area"),
            outcome=params.get("outcome", "").strip()[:200],
            grade=choice("grade", GRADES),
            phase=choice("phase", InterventionState.values),
            cost=choice("cost", CostBand.values),
            municipality=integer("municipality"),
            sort=choice("sort", SORTS),
            page=integer("page") or 1,
        )

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "name")

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query as URL parameters (empty ones left out), with `changes` applied."""
        values = {
            "q": self.q,
            "age": self.age,
            "area": self.area,
            "outcome": self.outcome,
            "grade": self.grade,
            "phase": self.phase,
            "cost": self.cost,
            "municipality": self.municipality,
            "sort": self.sort,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}

    @property
    def is_filtered(self) -> bool:
        return bool(self.params(sort=""))


def _danish_stem(word: str) -> str:
    """A crude stem for the SQLite fallback: strip the commonest Danish inflection endings."""
    for ending in ("erne", "ene", "ets", "ens", "et", "en", "er", "e"):
        if len(word) - len(ending) >= 4 and word.endswith(ending):
            return word[: -len(ending)]
    return word


def search_words(q: str) -> list[str]:
    return [w for w in re.findall(r"\w+", q.lower()) if len(w) > 1][:10]


def _filtered(query: CatalogueQuery, *, skip: str = "") -> QuerySet[Publication]:
    found = listed()
    if query.age and skip != "age":
        low, high = AGE_BANDS[query.age]
        found = found.filter(age_from__lte=high, age_to__gte=low)
    if query.area and skip != "area":
        found = found.filter(problem_areas=query.area)
    if query.outcome and skip != "outcome":
        found = found.filter(outcome_domains__icontains=query.outcome)
    if query.grade and skip != "grade":
        found = found.filter(evidence_grade=query.grade)
    if query.phase and skip != "phase":
        found = found.filter(phase=query.phase)
    if query.cost and skip != "cost":
        found = found.filter(cost_band=query.cost)
    if query.municipality and skip != "municipality":
        found = found.filter(municipalities=query.municipality)
    if query.q:
        if is_postgresql():
            found = found.filter(search_vector=_search_query(query.q))
        else:
            for word in search_words(query.q):
                found = found.filter(search_text__icontains=_danish_stem(word))
    return found


def search_vector() -> CombinedExpression:
    """What Publication.search_vector holds (written on publish, PostgreSQL only)."""
    return SearchVector("name", weight="A", config="danish") + SearchVector(
        "search_text", weight="B", config="danish"
    )


def _search_query(q: str) -> SearchQuery:
    return SearchQuery(q, config="danish", search_type="websearch")


@dataclass(frozen=True)
class Hit:
    publication: Publication
    snippet: SafeString


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class SearchResult:
    page: Page[Any]
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]]


def _highlight(text: str) -> SafeString:
    marked = escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(marked)  # noqa: S308 - the text is escaped first; only our markers become tags


def _fallback_snippet(publication: Publication, q: str) -> SafeString:
    text = publication.search_text.replace("\n", " ")
    stems = [_danish_stem(w) for w in search_words(q)]
    lowered = text.lower()
    positions = [lowered.find(s) for s in stems if lowered.find(s) >= 0]
    if not positions:
        return _highlight(publication.summary)
    start = max(0, min(positions) - 80)
    excerpt = ("…" if start else "") + text[start : start + 220] + ("…" if start + 220 < len(text) else "")
    for stem in stems:
        excerpt = re.sub(
            rf"(\w*{re.escape(stem)}\w*)", MARK_START + r"\1" + MARK_END, excerpt, flags=re.IGNORECASE
        )
    return _highlight(excerpt)


def _ordered(found: QuerySet[Publication], query: CatalogueQuery) -> QuerySet[Publication]:
    sort = query.effective_sort
    if sort == "relevance" and query.q and is_postgresql():
        return found.annotate(rank=SearchRank(F("search_vector"), _search_query(query.q))).order_by(
            "-rank", "name"
        )
    if sort == "newest":
        return found.order_by("-updated_at", "name")
    if sort == "rating":
        # A before D, not rated last
        return found.annotate(unrated=Q(evidence_grade="")).order_by("unrated", "evidence_grade", "name")
    return found.order_by("name")


def facets(query: CatalogueQuery) -> dict[str, list[FacetValue]]:
    """Each filter's values with the number of results they would give (within the other filters)."""

    def counted(skip: str, column: str) -> dict[Any, int]:
        rows = _filtered(query, skip=skip).values(column).annotate(n=Count("pk", distinct=True))
        return {row[column]: row["n"] for row in rows}

    result: dict[str, list[FacetValue]] = {}
    ages = _filtered(query, skip="age")
    result["age"] = [
        FacetValue(band, band, ages.filter(age_from__lte=high, age_to__gte=low).count(), band == query.age)
        for band, (low, high) in AGE_BANDS.items()
    ]
    areas = counted("area", "problem_areas")
    names = dict(ProblemArea.objects.filter(pk__in=[k for k in areas if k]).values_list("pk", "name"))
    result["area"] = sorted(
        (FacetValue(str(pk), names[pk], n, pk == query.area) for pk, n in areas.items() if pk in names),
        key=lambda f: f.label,
    )
    grades = counted("grade", "evidence_grade")
    result["grade"] = [FacetValue(g, g, grades.get(g, 0), g == query.grade) for g in GRADES]
    phases = counted("phase", "phase")
    result["phase"] = [
        FacetValue(s.value, str(s.label), phases.get(s.value, 0), s.value == query.phase)
        for s in InterventionState
        if phases.get(s.value)
    ]
    costs = counted("cost", "cost_band")
    result["cost"] = [
        FacetValue(c.value, str(c.label), costs.get(c.value, 0), c.value == query.cost) for c in CostBand
    ]
    places = counted("municipality", "municipalities")
    names = dict(Organisation.objects.filter(pk__in=[k for k in places if k]).values_list("pk", "name"))
    result["municipality"] = sorted(
        (
            FacetValue(str(pk), names[pk], n, pk == query.municipality)
            for pk, n in places.items()
            if pk in names
        ),
        key=lambda f: f.label,
    )
    domains: dict[str, int] = {}
    for row in _filtered(query, skip="outcome").values_list("outcome_domains", flat=True):
        for domain in row or []:
            domains[domain] = domains.get(domain, 0) + 1
    result["outcome"] = [FacetValue(d, d, n, d == query.outcome) for d, n in sorted(domains.items())]
    return result


def ordered_results(query: CatalogueQuery) -> QuerySet[Publication]:
    """The listed publications matching the query, in its sort order (for the API)."""
    return _ordered(_filtered(query), query)


def search(query: CatalogueQuery, *, page_size: int = PAGE_SIZE) -> SearchResult:
    found = ordered_results(query)
    if query.q and is_postgresql():
        found = found.annotate(
            headline=SearchHeadline(
                "search_text",
                _search_query(query.q),
                config="danish",
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=35,
                min_words=15,
            )
        )
    paginator = Paginator(found, page_size)
    page = paginator.get_page(query.page)
    hits = []
    for publication in page.object_list:
        if not query.q:
            snippet = _highlight(publication.summary)
        elif is_postgresql():
            snippet = _highlight(publication.headline)  # type: ignore[attr-defined]  # annotated above
        else:
            snippet = _fallback_snippet(publication, query.q)
        hits.append(Hit(publication, snippet))
    return SearchResult(page=page, hits=hits, total=paginator.count, facets=facets(replace(query, page=1)))


def publication_by_slug(slug: str) -> Publication:
    """A publication's public entry, withdrawn or not (a withdrawn page says so); 404 if none."""
    publication = Publication.objects.filter(slug=slug).first()
    if publication is None:
        raise Http404
    return publication


def version_of(publication: Publication, number: int | None = None) -> PublishedVersion:
    """The current version, or the numbered one (earlier versions stay readable)."""
    wanted = number if number is not None else publication.current_version
    version = publication.versions.filter(number=wanted).first()
    if version is None:
        raise Http404
    return version


def versions_of(publication: Publication) -> list[PublishedVersion]:
    return list(publication.versions.only("number", "change_note", "published_at", "publication_id"))


def document_of(publication: Publication, number: int, document_id: int) -> PublishedDocument:
    document = PublishedDocument.objects.filter(
        pk=document_id, version__publication=publication, version__number=number
    ).first()
    if document is None:
        raise Http404
    return document


def compared(slugs: list[str]) -> list[tuple[Publication, PublishedVersion]]:
    """2-4 listed publications with their current versions, in the order asked."""
    found = {p.slug: p for p in listed().filter(slug__in=slugs[:4])}
    rows = []
    for slug in slugs[:4]:
        publication = found.get(slug)
        if publication is not None:
            rows.append((publication, version_of(publication)))
    return rows


VERSION_KEY = "catalogue:version"
VERSION_SECONDS = 10


def catalogue_version() -> str:
    """Changes whenever anything is published or withdrawn: part of every cache key.

    Read from the database at most every VERSION_SECONDS per cache; a publish or withdrawal forgets it at
    once (forget_catalogue_version), so with a shared cache every process sees the change immediately and
    with a per-process cache within VERSION_SECONDS."""
    version: str | None = cache.get(VERSION_KEY)
    if version is None:
        latest = Publication.objects.aggregate(latest=Max("updated_at"), count=Count("pk"))
        stamp = latest["latest"].timestamp() if latest["latest"] else 0
        version = f"{latest['count']}-{stamp}"
        cache.set(VERSION_KEY, version, VERSION_SECONDS)
    return version


def forget_catalogue_version() -> None:
    cache.delete(VERSION_KEY)


def feed_versions(limit: int = 50) -> QuerySet[PublishedVersion]:
    return (
        PublishedVersion.objects.filter(publication__withdrawn_at__isnull=True)
        .select_related("publication")
        .order_by("-published_at", "-pk")[:limit]
    )
