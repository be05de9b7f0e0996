"""Pseudonymised exports (CSV, Excel, SPSS .sav, Stata .dta) with a data dictionary; every export is audited.

Who may export what:
- a municipal manager: their own municipality's participants in the intervention;
- an evaluator: every municipality's participants in an intervention their organisation is assigned to
  (``EvaluatorAssignment``, a stand-in until the evaluation app has studies);
- the agency sees aggregates only and cannot export rows.

The participant column is a second, export-specific pseudonym (HMAC of the stored pseudonym with the
intervention), so an exported file cannot be joined to the stored pseudonyms or to another study's file.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indsats.accounts.permissions import (
    EXPORT_OUTCOMES,
    municipality_ids_of,
    organisation_ids_of,
    require_permission,
)
from indsats.audit.models import AuditAction
from indsats.audit.services import record
from indsats.outcomes.models import EvaluatorAssignment, Instrument, Measurement, RoundKind
from indsats.outcomes.registry import engine_instrument
from indsats.outcomes.services import pseudonym_key

FORMATS = {"csv": "CSV", "xlsx": "Excel (.xlsx)", "sav": "SPSS (.sav)", "dta": "Stata (.dta)"}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    file_name: str
    content_type: str = "application/zip"
    rows: int = 0


def export_scope(actor: Any, intervention: Any) -> frozenset[int] | None:
    """The municipalities whose rows the actor may export (None: all of them, an assigned evaluator)."""
    require_permission(actor, EXPORT_OUTCOMES)
    if EvaluatorAssignment.objects.filter(
        intervention=intervention, evaluator_id__in=organisation_ids_of(actor)
    ).exists():
        return None
    own = municipality_ids_of(actor)
    if not own:
        raise PermissionDenied("export scope")
    return own


def _study_code(code: str, intervention_id: int) -> str:
    message = f"indsats-export-v1|{intervention_id}|{code}".encode()
    return hmac.new(pseudonym_key(), message, hashlib.sha256).hexdigest()[:16]


def build_frame(
    *, intervention: Any, instrument: Instrument, municipalities: frozenset[int] | None
) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """The rows of one instrument in one intervention and the data dictionary (variable, label, values)."""
    engine = engine_instrument(instrument)
    measurements = Measurement.objects.filter(round__intervention=intervention, instrument=instrument)
    if municipalities is not None:
        measurements = measurements.filter(municipality_id__in=municipalities)
    values = measurements.values_list(
        "participant__pseudonym",
        "municipality__municipality_code",
        "round__kind",
        "measured_on",
        "age",
        "participant__sex",
        "participant__birth_year",
        "answers",
        "scores",
        "bands",
    ).order_by("municipality__municipality_code", "participant__pseudonym", "round__order")
    records = []
    for code, municipality_code, kind, measured_on, age, sex, birth_year, answers, scores, bands in values:
        row: dict[str, Any] = {
            "deltager": _study_code(code, intervention.pk),
            "kommunekode": municipality_code,
            "runde": kind,
            "dato": measured_on.isoformat(),
            "alder": age,
            "koen": sex,
            "foedselsaar": birth_year,
        }
        row.update(zip(engine.item_keys, answers, strict=False))
        for key in engine.score_keys:
            row[key] = scores.get(key)
            if key in bands:
                row[f"{key}_band"] = bands[key]
        records.append(row)
    columns = ["deltager", "kommunekode", "runde", "dato", "alder", "koen", "foedselsaar", *engine.item_keys]
    for key in engine.score_keys:
        columns.append(key)
        if engine.default_band_scheme and key in engine.default_band_scheme.bands:
            columns.append(f"{key}_band")
    frame = pd.DataFrame.from_records(records, columns=columns)

    dictionary = [
        {
            "variabel": "deltager",
            "etiket": "Pseudonym for barnet (kun gyldigt i denne eksport)",
            "værdier": "",
        },
        {"variabel": "kommunekode", "etiket": "Kommunekode", "værdier": ""},
        {
            "variabel": "runde",
            "etiket": "Målerunde",
            "værdier": "; ".join(f"{v}={label}" for v, label in RoundKind.choices),
        },
        {"variabel": "dato", "etiket": "Dato for målingen (ÅÅÅÅ-MM-DD)", "værdier": ""},
        {"variabel": "alder", "etiket": "Alder i hele år på målingens dato", "værdier": ""},
        {"variabel": "koen", "etiket": "Køn (fra CPR-nummeret)", "værdier": "male=dreng; female=pige"},
        {"variabel": "foedselsaar", "etiket": "Fødselsår", "værdier": ""},
    ]
    for item in engine.items:
        scale = engine.scales[item.scale]
        labels = "; ".join(f"{v.value:g}={v.label.da}" for v in scale.values) or scale.describe()
        dictionary.append({"variabel": item.key, "etiket": item.text.da, "værdier": labels})
    for key in engine.score_keys:
        low, high = engine.score_range(key)
        dictionary.append(
            {"variabel": key, "etiket": engine.score_name(key).da, "værdier": f"{low:g}-{high:g}"}
        )
        if engine.default_band_scheme and key in engine.default_band_scheme.bands:
            bands = engine.default_band_scheme.bands[key]
            dictionary.append(
                {
                    "variabel": f"{key}_band",
                    "etiket": f"{engine.score_name(key).da}: normbånd",
                    "værdier": "; ".join(f"{b.code}={b.label.da}" for b in bands),
                }
            )
    return frame, dictionary


def _write(frame: pd.DataFrame, dictionary: list[dict[str, str]], fmt: str) -> bytes:
    labels = {entry["variabel"]: entry["etiket"][:80] for entry in dictionary}
    if fmt == "csv":
        return frame.to_csv(index=False, sep=";").encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
            frame.to_excel(writer, sheet_name="Data", index=False)
            pd.DataFrame(dictionary).to_excel(writer, sheet_name="Dataordbog", index=False)
        return buffer.getvalue()
    import pyreadstat

    numeric = frame.copy()
    for column in numeric.columns:
        if (
            numeric[column].dtype == object
            and column not in {"deltager", "kommunekode", "runde", "dato", "koen"}
            and not column.endswith("_band")
        ):
            numeric[column] = pd.to_numeric(numeric[column], errors="coerce")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data.{fmt}"
        column_labels: list[str | None] = [labels.get(c, c) for c in numeric.columns]
        if fmt == "sav":
            pyreadstat.write_sav(numeric, str(path), column_labels=column_labels)
        else:
            pyreadstat.write_dta(numeric, str(path), column_labels=column_labels, version=15)
        return path.read_bytes()


@transaction.atomic
def export_outcomes(*, actor: Any, intervention: Any, instrument: Instrument, fmt: str) -> ExportFile:
    """A zip with the pseudonymised data in ``fmt`` and the data dictionary (CSV); the export is audited."""
    if fmt not in FORMATS:
        raise ValidationError({"fmt": _("Vælg CSV, Excel, SPSS eller Stata.")})
    scope = export_scope(actor, intervention)
    frame, dictionary = build_frame(intervention=intervention, instrument=instrument, municipalities=scope)
    data = _write(frame, dictionary, fmt)
    buffer = io.BytesIO()
    stem = f"resultater-{intervention.pk}-{instrument.key}-v{instrument.version}"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.{fmt}", data)
        archive.writestr(
            f"{stem}-dataordbog.csv",
            pd.DataFrame(dictionary).to_csv(index=False, sep=";").encode("utf-8-sig"),
        )
    record(
        actor=actor,
        action=AuditAction.EXPORT,
        instance=intervention,
        message=f"Eksport af resultatdata: {instrument.key} v{instrument.version}, {FORMATS[fmt]}, "
        f"{len(frame)} rækker, "
        + ("alle kommuner (evaluator)" if scope is None else f"kommuner {sorted(scope)}"),
    )
    return ExportFile(content=buffer.getvalue(), file_name=f"{stem}-{fmt}.zip", rows=len(frame))
