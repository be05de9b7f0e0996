"""Permission before state for a child's data (issue 11, point 7): another municipality calling a service
on an import that is already saved is refused for who they are, never told the import's state."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from indsats.outcomes.models import ImportStatus
from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.imports import prepare_import, queue_import
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows

pytestmark = pytest.mark.django_db


def test_another_municipality_learns_nothing_of_an_imports_state(
    aarhus_caseworker, odense_caseworker, aarhus, baseline, sdq
):
    job = prepare_import(
        actor=aarhus_caseworker,
        municipality=aarhus,
        measurement_round=baseline,
        instrument=sdq,
        content=csv_bytes(HEADER, sdq_rows(3)),
        file_name="data.csv",
    )
    commit_import(actor=aarhus_caseworker, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE  # saving it again would be refused for its state...
    for call in (
        lambda: queue_import(actor=odense_caseworker, job=job),
        lambda: commit_import(actor=odense_caseworker, job=job),
    ):
        with pytest.raises(PermissionDenied):  # ...but Odense is refused for who it is
            call()
