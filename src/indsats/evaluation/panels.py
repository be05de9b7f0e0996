"""The evaluation panel of the front page: the evaluator's own studies, those waiting for an analysis and
the report PDFs being rendered."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.db import compiled_queries
from indsats.evaluation import access, selectors
from indsats.evaluation.models import Analysis, RenderedReport, RenderStatus
from indsats.ui.panels import LiveFact, Panel, register_panel

SHOWN_STUDIES = 5


@register_panel
def evaluation_panel(user: User | AnonymousUser) -> Panel | None:
    if not access.can_manage_studies(user) or not isinstance(user, User):
        return None
    rendering_now: tuple[int, ...] = ()
    if access.can_read_all_studies(user):
        # every study: the same SQL for all of them, compiled once; with the person's reports rendering,
        # read in the same query (a live fact: a kept copy of the panel reads it anew)
        found = compiled_queries.rows(
            "front page: newest studies of all",
            lambda values: _newest_studies_of_all(user, values),
            {"user_id": user.pk},
        )
        newest = [row[:4] for row in found]
        rendering_now = (found[0][4],) if found else ()
    else:
        newest = list(_newest_studies(user))  # an evaluator: the SQL names the interventions assigned
    total, waiting = (newest[0][2], newest[0][3]) if newest else (0, 0)
    links: list[tuple[str | Promise, str]] = [
        (name, reverse("evaluation:study_detail", args=[pk])) for pk, name, _total, _waiting in newest
    ]
    links.append((_("Alle effektstudier"), reverse("evaluation:index")))
    return Panel(
        title=_("Mine effektstudier"),
        text=_("Studierne af de indsatser, I evaluerer, og det, der venter på jer."),
        facts=[
            (_("Effektstudier"), total),
            (_("Venter på en analyse"), waiting),
            (_("Rapporter, der dannes"), LiveFact(reports_rendering, (user.pk,), now=rendering_now)),
        ],
        links=links,
        order=25,
    )


def _newest_studies(user: User) -> QuerySet[Any]:
    """The newest studies and, in the same query, how many there are and how many wait for an analysis (two
    windows over every study)."""
    return (
        selectors.studies(user=user)
        .annotate(
            total=Window(Count("pk")),
            waiting=Window(Count("pk", filter=Q(~Exists(Analysis.objects.filter(study=OuterRef("pk")))))),
        )
        .order_by("-created_at")
        .values_list("pk", "name", "total", "waiting")[:SHOWN_STUDIES]
    )


def _newest_studies_of_all(user: User, values: compiled_queries.Values) -> QuerySet[Any]:
    """`_newest_studies` for whoever reads every study (the same SQL for all of them), each row with the
    reports of `values["user_id"]` queued or being rendered (the same for every row)."""
    (rendering,) = _rendering_of(values)
    counted = rendering.order_by().annotate(
        n=Func(function="COUNT", template="COUNT(*)", output_field=IntegerField())
    )
    return (
        selectors.studies(user=user)
        .annotate(
            total=Window(Count("pk")),
            waiting=Window(Count("pk", filter=Q(~Exists(Analysis.objects.filter(study=OuterRef("pk")))))),
            rendering=Subquery(counted.values("n")),
        )
        .order_by("-created_at")
        .values_list("pk", "name", "total", "waiting", "rendering")[:SHOWN_STUDIES]
    )


def reports_rendering(user_id: int) -> int:
    """The person's report PDFs queued or being rendered, read on every request: the rendering task moves
    them on without a write of the audit trail. Its SQL is compiled once per process."""
    (rendering,) = compiled_queries.counts("reports rendering", _rendering_of, {"user_id": user_id})
    return rendering


def _rendering_of(values: compiled_queries.Values) -> tuple[QuerySet[Any], ...]:
    return (
        RenderedReport.objects.filter(
            requested_by_id=values["user_id"], status__in=[RenderStatus.QUEUED, RenderStatus.RUNNING]
        ),
    )


@register_panel
def practice_evaluation_panel(user: User | AnonymousUser) -> Panel | None:
    """For a municipality's staff: the studies of the interventions their municipality takes part in, each
    linked to its newest analysis report (or the study page while no analysis is made)."""
    if not access.can_read_practice_evaluation(user) or not isinstance(user, User):
        return None
    interventions = tuple(sorted(access.practice_intervention_ids(user)))
    if not interventions:
        return None
    studies = compiled_queries.rows(
        "practice studies", _practice_studies_query, {"interventions": interventions}
    )
    if not studies:
        return None
    links: list[tuple[str | Promise, str]] = []
    for pk, name, newest, _total in studies:
        if newest is None:
            links.append((name, reverse("evaluation:study_detail", args=[pk])))
        else:
            links.append((name, reverse("evaluation:analysis_report", args=[newest])))
    return Panel(
        title=_("Evaluering af jeres praksis"),
        text=_(
            "Effektstudierne af de indsatser, jeres kommune deltager i: de samlede resultater og jeres egen "
            "kommunes, når der er børn nok til at vise dem."
        ),
        facts=[(_("Effektstudier"), studies[0][3])],
        links=links,
        order=26,
    )


def _practice_studies_query(values: compiled_queries.Values) -> QuerySet[Any]:
    """The first studies of the interventions, each with its newest analysis, and how many there are in
    all: one query, compiled once per process and number of interventions (compiled_queries)."""
    newest_analysis = (
        Analysis.objects.filter(study=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    )
    return (
        selectors.studies_of_interventions(values["interventions"])
        .annotate(newest=Subquery(newest_analysis), total=Window(Count("pk")))
        .values_list("pk", "name", "newest", "total")[:SHOWN_STUDIES]
    )
