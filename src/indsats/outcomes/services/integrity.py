"""Repairs of what the daily check of outcome data (outcomes/integrity.py) finds: a municipality's totals
that differ from a live count, recounted. Run by an operator (`indsats check-outcome-references
--repair-totals`), never by the daily job itself; audited as the system."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from indsats.audit.services import record_update, snapshot
from indsats.outcomes import totals
from indsats.outcomes.integrity import TotalsDifference, differing_totals
from indsats.outcomes.models import MunicipalityTotals


@transaction.atomic
def repair_municipality_totals() -> list[TotalsDifference]:
    """Recount every municipality whose totals differ from a live count (``totals.recount``: under the
    row's lock, as every write does, so a write committing meanwhile is counted too), with an audit entry
    each giving the values found and the values counted. Returns the differences found."""
    differing = differing_totals()
    totals.recount([difference.municipality_id for difference in differing])
    repaired = MunicipalityTotals.objects.in_bulk([difference.municipality_id for difference in differing])
    for difference in differing:
        row = repaired[difference.municipality_id]
        record_update(
            actor=None,
            instance=row,
            before={**snapshot(row), "participants": difference.kept[0], "measurements": difference.kept[1]},
            message=_(
                "Kommunens tal for børn og målinger talt igen efter kontrollen af resultatdata "
                "(%(municipality)s): %(kept_children)s børn og %(kept_measurements)s målinger "
                "var gemt, %(children)s og %(measurements)s er talt."
            )
            % {
                "municipality": difference.name,
                "kept_children": difference.kept[0],
                "kept_measurements": difference.kept[1],
                "children": row.participants,
                "measurements": row.measurements,
            },
        )
    return differing
