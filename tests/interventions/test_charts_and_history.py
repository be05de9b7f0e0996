"""Charts (SVG with a text alternative), the pipeline replayed from history, and the audit trail."""

from __future__ import annotations

import datetime
import math
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own SVG

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from indsats.audit.models import AuditEntry
from indsats.interventions import charts, services
from indsats.interventions.models import Dimension, Intervention, InterventionEvent
from indsats.interventions.selectors import pipeline_over_time, quarter_ends
from tests.interventions.factories import InterventionFactory

SVG = "{http://www.w3.org/2000/svg}"


def test_the_spider_chart_puts_each_grade_on_its_ring():
    svg = charts.spider_chart_svg(
        ["Målgruppe", "Metode", "Implementering", "Virkning", "Økonomi"], [("2025", [4, 3, 2, 1, 4])]
    )
    root = ET.fromstring(str(svg))  # noqa: S314
    title, description = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("role") == "img" and root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == description.get("id")
    assert "Målgruppe A" in description.text and "Virkning D" in description.text
    polygon = [p for p in root.iter(f"{SVG}polygon") if p.get("fill") != "none"][0]
    points = [tuple(map(float, pair.split(","))) for pair in polygon.get("points").split()]
    # centre (220, 220), radius 150, four rings: grade A (4) on the outer ring straight up, worked by hand
    assert points[0] == pytest.approx((220.0, 70.0), abs=0.1)
    # grade B (3) on the second axis, 72 degrees clockwise from the top: r = 112.5
    angle = -math.pi / 2 + 2 * math.pi / 5
    assert points[1] == pytest.approx((220 + 112.5 * math.cos(angle), 220 + 112.5 * math.sin(angle)), abs=0.1)
    # grade D (1) on the fourth axis: r = 37.5
    angle = -math.pi / 2 + 2 * math.pi * 3 / 5
    assert points[3] == pytest.approx((220 + 37.5 * math.cos(angle), 220 + 37.5 * math.sin(angle)), abs=0.1)


def test_the_spider_charts_frame_drawn_once_per_language_gives_the_chart_drawn_afresh():
    """The rings and axes are kept per language (charts._spider_frame): each language's axis names, and
    the same chart from the kept frame as from an empty cache, escaped."""
    series = [("1. jan. 2025", [4, 3, 2, 1, 4]), ("2. feb. 2024", [1, 1, 2, 2, 3])]
    drawn = {}
    for language in ("da", "en", "da"):
        with translation.override(language):
            axes = [str(d.label) for d in Dimension] + ["<Ny>"]
            kept = str(charts.spider_chart_svg(axes, [(d, [*v, 2]) for d, v in series]))
            charts._spider_frame.cache_clear()
            assert str(charts.spider_chart_svg(axes, [(d, [*v, 2]) for d, v in series])) == kept
        assert all(f">{escape(name)}</text>" in kept for name in axes) and "<Ny>" not in kept
        drawn.setdefault(language, kept)
        assert drawn[language] == kept
    assert drawn["da"] != drawn["en"]


def test_the_theory_of_change_escapes_text_and_draws_three_columns_with_two_arrows():
    svg = str(charts.theory_of_change_svg(["Samtaler <b>"], ["Trivsel"], ["Uddannelse", "Job"]))
    root = ET.fromstring(svg)  # noqa: S314
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert len(list(root.iter(f"{SVG}rect"))) == 4
    assert len(list(root.iter(f"{SVG}line"))) == 2
    assert root.find(f"{SVG}title").text.startswith("Forandringsteori: Samtaler <b> fører til Trivsel")


def test_quarter_ends_run_back_from_today():
    assert quarter_ends(4, datetime.date(2026, 5, 10)) == [
        datetime.date(2025, 9, 30),
        datetime.date(2025, 12, 31),
        datetime.date(2026, 3, 31),
        datetime.date(2026, 5, 10),
    ]


@pytest.mark.django_db
def test_the_pipeline_is_replayed_from_the_history():
    def at(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))

    a, b = InterventionFactory(), InterventionFactory()
    InterventionEvent.objects.bulk_create(
        [
            InterventionEvent(
                intervention=a, at=at(datetime.date(2025, 2, 1)), kind="created", to_state="screening"
            ),
            InterventionEvent(
                intervention=a,
                at=at(datetime.date(2025, 8, 1)),
                kind="decided",
                from_state="screening",
                to_state="maturation",
            ),
            InterventionEvent(
                intervention=b, at=at(datetime.date(2025, 5, 1)), kind="created", to_state="screening"
            ),
            InterventionEvent(
                intervention=b,
                at=at(datetime.date(2025, 11, 1)),
                kind="stopped",
                from_state="screening",
                to_state="stopped",
            ),
            InterventionEvent(intervention=b, at=at(datetime.date(2025, 11, 2)), kind="review_started"),
        ]
    )
    points = pipeline_over_time(
        interventions=Intervention.objects.all(), quarters=4, today=datetime.date(2026, 1, 15)
    )
    # the last point is today, inside the unfinished quarter
    assert points == [
        (datetime.date(2025, 6, 30), {"screening": 2}),
        (datetime.date(2025, 9, 30), {"maturation": 1, "screening": 1}),
        (datetime.date(2025, 12, 31), {"maturation": 1, "stopped": 1}),
        (datetime.date(2026, 1, 15), {"maturation": 1, "stopped": 1}),
    ]
    svg = str(charts.pipeline_svg(points, today=datetime.date(2026, 1, 15)))
    # stopped is not drawn: 1 + 2 + 1 + 1 bar segments
    heights = [float(h) for h in re.findall(r'height="([\d.]+)" fill="#[0-9a-f]{6}" stroke="#ffffff"', svg)]
    # the plot is 230 px high and its axis tops at 2: two interventions fill it, one fills half
    assert heights == [230.0, 115.0, 115.0, 115.0, 115.0]
    assert "K3 2025" in svg


@pytest.mark.django_db
def test_every_step_is_in_the_audit_trail(agency_staff, steering_member, agency):
    intervention = services.create_intervention(
        actor=agency_staff, name="Sporbar", short_description="x", origin="research", owner=agency
    )
    services.update_intervention(actor=agency_staff, intervention=intervention, programme="BUIP 2022")
    review = services.start_gate_review(actor=agency_staff, intervention=intervention)
    entries = AuditEntry.objects.filter(object_id=str(intervention.pk), content_type__model="intervention")
    assert list(entries.order_by("id").values_list("action", flat=True)) == ["create", "update"]
    update = entries.get(action="update")
    assert update.changes == {"programme": ["", "BUIP 2022"]} and update.actor == agency_staff
    assert AuditEntry.objects.filter(content_type__model="gatereview", object_id=str(review.pk)).exists()
    services.stop_intervention(actor=agency_staff, intervention=intervention, reason="Ingen virkning.")
    transition = entries.get(action="transition")
    assert transition.changes["state"] == ["screening", "stopped"]
    assert "Ingen virkning." in transition.message
