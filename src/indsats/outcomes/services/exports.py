"""Pseudonymised exports of an intervention's outcome data, audited: an assigned evaluator's of every
municipality, a municipal manager's of their own (the agency reads aggregates only)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.audit.models import AuditAction
from indsats.audit.services import record
from indsats.errors import DomainError
from indsats.interventions.models import Intervention
from indsats.outcomes import access, exporting
from indsats.outcomes.models import Instrument


@transaction.atomic
def export_outcomes(
    *, actor: User, intervention: Intervention, instrument: Instrument, fmt: str
) -> exporting.ExportFile:
    """A zip with the pseudonymised data in ``fmt`` and the data dictionary (CSV); the export is audited."""
    scope = access.require_export_scope(actor, intervention)
    if fmt not in exporting.FORMATS:
        raise DomainError(_("Vælg CSV, Excel, SPSS eller Stata."), field="fmt")
    frame, dictionary = exporting.build_frame(
        intervention=intervention, instrument=instrument, municipalities=scope
    )
    stem = f"resultater-{intervention.pk}-{instrument.key}-v{instrument.version}"
    content = exporting.archive(frame=frame, dictionary=dictionary, fmt=fmt, stem=stem)
    record(
        actor=actor,
        action=AuditAction.EXPORT,
        instance=intervention,
        message=f"Eksport af resultatdata: {instrument.key} v{instrument.version}, {exporting.FORMATS[fmt]}, "
        f"{len(frame)} rækker, "
        + ("alle kommuner (evaluator)" if scope is None else f"kommuner {sorted(scope)}"),
    )
    return exporting.ExportFile(content=content, file_name=f"{stem}-{fmt}.zip", rows=len(frame))
