"""Children read in their parent's query (nested_rows) come back as the prefetch would give them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indsats.accounts.models import Organisation, OrganisationKind
from indsats.db.nested_rows import attach_children, children_json
from indsats.interventions import selectors
from indsats.interventions.models import (
    ChecklistItem,
    Contact,
    EvidenceReference,
    GateDecision,
    GateReview,
    Material,
    MaterialKind,
    PhaseRecord,
    ProblemArea,
    ReviewStatus,
)
from indsats.interventions.workflow import InterventionState
from tests.factories import MunicipalityFactory
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def test_a_reviews_decisions_come_newest_first_with_aware_times_and_no_further_query(
    django_assert_num_queries,
):
    intervention = InterventionFactory(state=InterventionState.TESTING)
    review = GateReview.objects.create(
        intervention=intervention, phase=InterventionState.SCREENING, status=ReviewStatus.DECIDED
    )
    moment = timezone.now().replace(microsecond=123456)
    for days, reason in [(2, "ældst"), (0, "nyest"), (1, "midt")]:
        GateDecision.objects.create(
            review=review,
            decision="approve",
            reason=reason,
            decided_at=moment - datetime.timedelta(days=days),
        )
    with django_assert_num_queries(1):
        [read] = GateReview.objects.filter(intervention=intervention).annotate(
            decisions_json=children_json(GateReview, "decisions")
        )
        attach_children(read, "decisions")
        decisions = list(read.decisions.all())
        assert [d.reason for d in decisions] == ["nyest", "midt", "ældst"]
        assert decisions[0].decided_at == moment and timezone.is_aware(decisions[0].decided_at)
        assert decisions[0].review is read


def test_a_phase_records_checklist_comes_in_its_order_with_dates_and_flags(django_assert_num_queries):
    intervention = InterventionFactory(state=InterventionState.TESTING)
    record = PhaseRecord.objects.filter(intervention=intervention).first() or PhaseRecord.objects.create(
        intervention=intervention, phase=InterventionState.TESTING
    )
    ChecklistItem.objects.filter(phase_record=record).delete()
    ChecklistItem.objects.create(
        phase_record=record, title="B", order=2, is_done=True, done_on=datetime.date(2025, 3, 1)
    )
    ChecklistItem.objects.create(phase_record=record, title="A", order=1, is_required=False)
    expected = list(
        ChecklistItem.objects.filter(phase_record=record)
        .order_by("order", "id")
        .values_list("title", "is_done", "is_required", "done_on")
    )
    [read] = PhaseRecord.objects.filter(pk=record.pk).annotate(
        checklist_json=children_json(PhaseRecord, "checklist")
    )
    with django_assert_num_queries(0):
        attach_children(read, "checklist")
        items = [(i.title, i.is_done, i.is_required, i.done_on) for i in read.checklist.all()]
    # and the detail page's lines of the current phase (selectors.phase_records), read from the same JSON
    [line] = [r for r in selectors.phase_records(intervention) if r.phase == record.phase]
    assert [tuple(item) for item in line.checklist] == [(t, r, d, o) for t, d, r, o in expected]
    assert items == expected == [("A", False, False, None), ("B", True, True, datetime.date(2025, 3, 1))]


def test_the_detail_pages_lists_come_in_the_databases_order(agency_staff, aarhus):
    """Names with Danish letters, mixed case and missing years: the page lists them as the database
    orders them (its collation on PostgreSQL)."""
    intervention = InterventionFactory(state=InterventionState.TESTING)
    names = ["Åse", "ærlig", "Zebra", "alfa", "Øre", "Bo", "bo"]
    for index, name in enumerate(names):
        Material.objects.create(
            intervention=intervention, title=name, kind=MaterialKind.values[index % 2], file=f"m/{index}.pdf"
        )
        EvidenceReference.objects.create(
            intervention=intervention, citation=name, year=None if index % 3 == 0 else 2020 + index % 2
        )
        Contact.objects.create(intervention=intervention, name=name)
    areas = [ProblemArea.objects.create(name=name, order=index % 2) for index, name in enumerate(names)]
    intervention.problem_areas.set(areas)
    record = PhaseRecord.objects.get(intervention=intervention, phase=InterventionState.TESTING)
    record.organisations.set(
        [
            aarhus,
            *(MunicipalityFactory(name=f"{name} Kommune") for name in names),
            agency_staff_organisation(),
        ]
    )
    read = selectors.intervention_detail(user=agency_staff, pk=intervention.pk)
    [read_record] = [r for r in selectors.phase_records(read) if r.phase == record.phase]
    in_order = {
        "materials": list(Material.objects.filter(intervention=intervention).values_list("title", flat=True)),
        "references": list(
            EvidenceReference.objects.filter(intervention=intervention).values_list("citation", flat=True)
        ),
        "contacts": list(Contact.objects.filter(intervention=intervention).values_list("name", flat=True)),
        "areas": list(intervention.problem_areas.values_list("name", flat=True)),
        "organisations": list(record.organisations.values_list("name", flat=True)),
    }
    with CaptureQueriesContext(connection) as queries:
        read_lists = {
            "materials": [m.title for m in read.materials.all()],
            "references": [r.citation for r in read.references.all()],
            "contacts": [c.name for c in read.contacts.all()],
            "areas": [a.name for a in read.problem_areas.all()],
            "organisations": read_record.organisations,
        }
    assert read_lists == in_order
    assert len(queries) == 0


def agency_staff_organisation() -> Organisation:
    return Organisation.objects.exclude(kind=OrganisationKind.MUNICIPALITY).first()


def test_a_table_rows_problem_areas_come_in_the_databases_order(agency_staff):
    """The table reads the areas' names from the JSON objects (child_rows_from_json), without model
    instances: in the order the database gives the relation (ProblemArea's ordering: order, then name)."""
    intervention = InterventionFactory(name="Områdernes orden")
    names = ["Åse", "ærlig", "Zebra", "alfa", "Øre", "Bo", "bo"]
    areas = [ProblemArea.objects.create(name=name, order=index % 2) for index, name in enumerate(names)]
    intervention.problem_areas.set(reversed(areas))
    page = selectors.portfolio_table(
        user=agency_staff, filters=selectors.PortfolioFilters(query="Områdernes orden")
    )
    [row] = page.object_list
    assert row.area_names == list(intervention.problem_areas.values_list("name", flat=True))
