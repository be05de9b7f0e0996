"""Pseudonymised exports (CSV, Excel, SPSS .sav, Stata .dta) with a data dictionary: the rows and the file.
Who may export which rows is outcomes.access.require_export_scope; the audited export is
services.exports.export_outcomes.

The participant column is a second, export-specific pseudonym (pseudonyms.export_code: an HMAC of the
stored pseudonym with the intervention), so an exported file cannot be joined to the stored pseudonyms or to
another study's file.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from indsats.interventions.models import Intervention
from indsats.outcomes.models import Instrument, Measurement, RoundKind
from indsats.outcomes.pseudonyms import export_code, pseudonym_key
from indsats.outcomes.registry import engine_instrument
from indsats.ui.spreadsheets import XLSXWRITER_OPTIONS, csv_frame

FORMATS = {"csv": "CSV", "xlsx": "Excel (.xlsx)", "sav": "SPSS (.sav)", "dta": "Stata (.dta)"}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    file_name: str
    content_type: str = "application/zip"
    rows: int = 0


def build_frame(
    *, intervention: Intervention, instrument: Instrument, municipalities: frozenset[int] | None
) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """The rows of one instrument in one intervention and the data dictionary (variable, label, values)."""
    engine = engine_instrument(instrument)
    secret = pseudonym_key()
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
            "deltager": export_code(code, intervention.pk, secret),
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
        return csv_frame(frame).to_csv(index=False, sep=";").encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(
            buffer, engine="xlsxwriter", engine_kwargs={"options": XLSXWRITER_OPTIONS}
        ) as writer:
            frame.to_excel(writer, sheet_name="Data", index=False)
            pd.DataFrame(dictionary).to_excel(writer, sheet_name="Dataordbog", index=False)
        return buffer.getvalue()
    import pyreadstat  # loaded lazily: only SPSS and Stata exports need it, and it is slow to import

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


def archive(*, frame: pd.DataFrame, dictionary: list[dict[str, str]], fmt: str, stem: str) -> bytes:
    """A zip with the rows in ``fmt`` (``<stem>.<fmt>``) and the data dictionary as CSV."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"{stem}.{fmt}", _write(frame, dictionary, fmt))
        zipped.writestr(
            f"{stem}-dataordbog.csv",
            csv_frame(pd.DataFrame(dictionary)).to_csv(index=False, sep=";").encode("utf-8-sig"),
        )
    return buffer.getvalue()
