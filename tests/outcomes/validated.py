"""An import file checked as the web checks it (its rows kept on the job), for tests that then commit it."""

from __future__ import annotations

from collections.abc import Sequence

from indsats.outcomes.models import ImportJob, ImportStatus
from indsats.outcomes.services.imports import prepare_import
from tests.outcomes.files import HEADER, csv_bytes


def validated_import(
    actor,
    municipality,
    measurement_round,
    instrument,
    rows: Sequence[Sequence[str]],
    file_name: str = "data.csv",
) -> ImportJob:
    job = prepare_import(
        actor=actor,
        municipality=municipality,
        measurement_round=measurement_round,
        instrument=instrument,
        content=csv_bytes(HEADER, rows),
        file_name=file_name,
    )
    assert job.status == ImportStatus.VALIDATED, job.errors[:3]
    return job
