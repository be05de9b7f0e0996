"""Writing a validated import in bulk: participants, enrolments and measurements through raw SQL.

The ORM prepares every value in Python, which is 20 times slower for the 100,000 rows a large import has,
so the rows go through the database cursor in batches: COPY on PostgreSQL, `executemany` elsewhere (SQLite
in development and tests). Everything runs on Django's own connection, inside the caller's transaction
(`services.import_commit.commit_import`), so an import is written all or nothing. The validated rows
themselves are kept on the import job between validation and writing (`store_payload`, `load_payload`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from django.db import connection, connections
from django.utils import timezone

from indsats.engine.scoring import score
from indsats.outcomes import importing
from indsats.outcomes.models import Enrolment, ImportJob
from indsats.outcomes.registry import engine_instrument

BATCH_SIZE = 5000
ProgressCallback = Callable[[int, int], None]


def _server_cursor() -> Any:
    """A psycopg cursor with server-side parameter binding on Django's own connection (so inside the
    current transaction). Django's cursors bind on the client: they would quote megabytes of bytes or
    100,000-element arrays into the SQL text."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def store_payload(job: ImportJob, data: bytes) -> None:
    """Keep the validated rows on the job. On PostgreSQL through psycopg's own cursor, which sends the bytes
    as a binary parameter (Django's cursor would quote tens of megabytes into the SQL text)."""
    if connection.vendor == "postgresql":
        with _server_cursor() as cursor:
            cursor.execute("UPDATE outcomes_importjob SET payload = %b WHERE id = %s", [data, job.pk])
    else:
        ImportJob.objects.filter(pk=job.pk).update(payload=data)
    job.payload = data


def load_payload(job: ImportJob) -> bytes | None:
    """The validated rows kept on the job (None once written)."""
    if connection.vendor == "postgresql":
        with _server_cursor() as cursor:
            found = cursor.execute(
                "SELECT payload FROM outcomes_importjob WHERE id = %s", [job.pk], binary=True
            ).fetchone()
        return bytes(found[0]) if found and found[0] is not None else None
    value = ImportJob.objects.filter(pk=job.pk).values_list("payload", flat=True).first()
    return bytes(value) if value is not None else None


def progress_writer(job_id: int) -> ProgressCallback | None:
    """Progress is written on a second connection so that a browser sees it while the import's own
    transaction is still open. SQLite allows one writer only: there the progress is written at the end."""
    if connection.vendor != "postgresql":
        return None
    side = connections.create_connection("default")

    def write(done: int, total: int) -> None:
        with side.cursor() as cursor:
            cursor.execute("UPDATE outcomes_importjob SET done_rows = %s WHERE id = %s", [done, job_id])

    return write


def write_rows(*, job: ImportJob, rows: importing.ValidatedRows, progress: ProgressCallback) -> int:
    """Score the rows with the job's instrument and write them, calling ``progress(done, total)`` after each
    batch; returns the number of measurements written."""
    instrument = engine_instrument(job.instrument)
    result = score(instrument, rows.answers)
    municipality_id = job.municipality_id
    intervention_id = job.round.intervention_id
    total = len(rows)

    # participants: the ones already known, then the new ones; every one enrolled in the intervention
    codes = rows.pseudonyms.tolist()
    first_row = {code: i for i, code in reversed(list(enumerate(codes)))}
    unique = list(first_row)
    birth_years = [int(rows.birth_years[first_row[code]]) for code in unique]
    sexes = [str(rows.sexes[first_row[code]]) for code in unique]
    if connection.vendor == "postgresql":
        participant_ids = _ensure_participants_postgresql(
            municipality_id=municipality_id,
            intervention_id=intervention_id,
            codes=unique,
            birth_years=birth_years,
            sexes=sexes,
        )
    else:
        participant_ids = _ensure_participants_sql(
            municipality_id=municipality_id,
            intervention_id=intervention_id,
            codes=unique,
            birth_years=birth_years,
            sexes=sexes,
        )

    # measurements, in batches; the JSON columns are formatted vectorised, once (see _json_rows)
    band_lists = {k: v.tolist() for k, v in result.bands.items()}
    dates = rows.dates.astype("datetime64[D]").tolist()
    ages = rows.ages.tolist()
    answer_json = _json_rows(rows.answers, "[", "]", None)
    score_json = _json_rows(
        np.column_stack([result.scores[k] for k in result.score_keys]), "{", "}", result.score_keys
    )
    if connection.vendor == "postgresql":
        return _copy_measurements(
            job=job,
            participant_ids=[participant_ids[code] for code in codes],
            dates=dates,
            ages=ages,
            answer_json=answer_json,
            score_json=score_json,
            band_lists=band_lists,
            engine_version=result.engine_version,
            progress=progress,
        )
    return _insert_measurements_sql(
        job=job,
        participant_ids=[participant_ids[code] for code in codes],
        dates=dates,
        ages=ages,
        answer_json=answer_json,
        score_json=score_json,
        band_json=_band_json_rows(band_lists, total),
        engine_version=result.engine_version,
        progress=progress,
    )


def _band_json_rows(band_lists: dict[str, list[str]], total: int) -> list[str]:
    """Each row's bands as a JSON object. Band codes are plain identifiers (engine definitions), so they
    need no escaping."""
    keys = list(band_lists)
    return ["{" + ",".join(f'"{k}":"{band_lists[k][i]}"' for k in keys) + "}" for i in range(total)]


def _ensure_participants_sql(
    *, municipality_id: int, intervention_id: int, codes: list[str], birth_years: list[int], sexes: list[str]
) -> dict[str, int]:
    """Known participants by pseudonym, new ones inserted, every one enrolled: a few statements per 5,000
    children through the cursor (the ORM's bulk_create prepares each value in Python, 20 times slower)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    participant_ids: dict[str, int] = {}

    def known(batch: list[str]) -> dict[str, int]:
        # plain SQL: the ORM would prepare each of the 5,000 parameters of the IN list in Python
        placeholders = ", ".join(["%s"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pseudonym, id FROM outcomes_participant "  # noqa: S608 (placeholders only)
                f"WHERE municipality_id = %s AND pseudonym IN ({placeholders})",
                [municipality_id, *batch],
            )
            return dict(cursor.fetchall())

    for start in range(0, len(codes), BATCH_SIZE):
        participant_ids.update(known(codes[start : start + BATCH_SIZE]))
    new = [
        (municipality_id, code, year, sex, now)
        for code, year, sex in zip(codes, birth_years, sexes, strict=True)
        if code not in participant_ids
    ]
    if new:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO outcomes_participant "
                "(municipality_id, pseudonym, birth_year, sex, local_reference, created_at) "
                "VALUES (%s, %s, %s, %s, '', %s)",
                new,
            )
        new_codes = [row[1] for row in new]
        for start in range(0, len(new_codes), BATCH_SIZE):
            participant_ids.update(known(new_codes[start : start + BATCH_SIZE]))
    enrolled = set(
        Enrolment.objects.filter(
            intervention_id=intervention_id, participant__municipality_id=municipality_id
        ).values_list("participant_id", flat=True)
    )
    missing = [(pid, intervention_id, now) for pid in participant_ids.values() if pid not in enrolled]
    if missing:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO outcomes_enrolment (participant_id, intervention_id, created_at) "
                "VALUES (%s, %s, %s)",
                missing,
            )
    return participant_ids


def _insert_measurements_sql(
    *,
    job: ImportJob,
    participant_ids: list[int],
    dates: list[Any],
    ages: list[int],
    answer_json: list[str],
    score_json: list[str],
    band_json: list[str],
    engine_version: str,
    progress: ProgressCallback,
) -> int:
    """Databases other than PostgreSQL (SQLite in development and tests): one executemany per batch of
    already formatted values, inside the import's transaction."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    total = len(participant_ids)
    fixed = (job.round_id, job.instrument_id, job.municipality_id)
    with connection.cursor() as cursor:
        for start in range(0, total, BATCH_SIZE):
            stop = min(total, start + BATCH_SIZE)
            cursor.executemany(
                "INSERT INTO outcomes_measurement (participant_id, round_id, instrument_id, municipality_id, "
                "measured_on, age, answers, scores, bands, engine_version, import_job_id, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        participant_ids[i],
                        *fixed,
                        dates[i].isoformat(),
                        ages[i],
                        answer_json[i],
                        score_json[i],
                        band_json[i],
                        engine_version,
                        job.pk,
                        now,
                    )
                    for i in range(start, stop)
                ],
            )
            progress(stop, total)
    return total


def _ensure_participants_postgresql(
    *, municipality_id: int, intervention_id: int, codes: list[str], birth_years: list[int], sexes: list[str]
) -> dict[str, int]:
    """The same as the ORM version in three set-based statements (arrays unnested by PostgreSQL)."""
    now = timezone.now()
    # the 100,000-element arrays are bound on the server; same connection, so inside the import's transaction
    with _server_cursor() as cursor:
        cursor.execute(
            "SELECT pseudonym, id FROM outcomes_participant "
            "WHERE municipality_id = %s AND pseudonym = ANY(%s)",
            [municipality_id, codes],
        )
        participant_ids: dict[str, int] = dict(cursor.fetchall())
        new = [i for i, code in enumerate(codes) if code not in participant_ids]
        if new:
            cursor.execute(
                "INSERT INTO outcomes_participant "
                "(municipality_id, pseudonym, birth_year, sex, local_reference, created_at) "
                "SELECT %s, p, b, s, '', %s FROM unnest(%s::text[], %s::int[], %s::text[]) AS t(p, b, s) "
                "RETURNING pseudonym, id",
                [
                    municipality_id,
                    now,
                    [codes[i] for i in new],
                    [birth_years[i] for i in new],
                    [sexes[i] for i in new],
                ],
            )
            participant_ids.update(cursor.fetchall())
        cursor.execute(
            "INSERT INTO outcomes_enrolment (participant_id, intervention_id, created_at) "
            "SELECT p, %s, %s FROM unnest(%s::bigint[]) AS t(p) ON CONFLICT DO NOTHING",
            [intervention_id, now, list(participant_ids.values())],
        )
    return participant_ids


def _json_rows(matrix: Any, opening: str, closing: str, keys: Sequence[str] | None) -> list[str]:
    """Each row of a float matrix as JSON (a list, or an object with ``keys``), NaN as null. Every distinct
    value is formatted once: answers and scores take few distinct values."""
    codes, distinct = pd.factorize(np.asarray(matrix, dtype=np.float64).ravel(), use_na_sentinel=True)
    texts = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in distinct]
    tokens = np.array([*texts, "null"], dtype=object)  # code -1 (NaN) picks the last: null
    table = tokens[codes].reshape(np.shape(matrix))
    if keys is not None:
        prefixes = np.array([f'"{key}":' for key in keys], dtype=object)
        table = prefixes + table
    return [opening + ",".join(row) + closing for row in table.tolist()]


def _copy_measurements(
    *,
    job: ImportJob,
    participant_ids: list[int],
    dates: list[Any],
    ages: list[int],
    answer_json: list[str],
    score_json: list[str],
    band_lists: dict[str, list[str]],
    engine_version: str,
    progress: ProgressCallback,
) -> int:
    """PostgreSQL: stream the measurements with COPY (text format) into the real table, inside the import's
    transaction. The JSON columns hold only numbers, null and band codes, so no COPY escaping is needed."""
    now = timezone.now().isoformat()
    total = len(participant_ids)
    columns = (
        "participant_id, round_id, instrument_id, municipality_id, measured_on, age, answers, scores, bands, "
        "engine_version, import_job_id, created_at"
    )
    band_keys = list(band_lists)
    fixed_head = f"\t{job.round_id}\t{job.instrument_id}\t{job.municipality_id}\t"
    fixed_tail = f"\t{engine_version}\t{job.pk}\t{now}\n"
    with _server_cursor() as cursor:
        for start in range(0, total, BATCH_SIZE):
            stop = min(total, start + BATCH_SIZE)
            lines = []
            for i in range(start, stop):
                band_json = "{" + ",".join(f'"{k}":"{band_lists[k][i]}"' for k in band_keys) + "}"
                lines.append(
                    f"{participant_ids[i]}{fixed_head}{dates[i].isoformat()}\t{ages[i]}\t"
                    f"{answer_json[i]}\t{score_json[i]}\t{band_json}{fixed_tail}"
                )
            with cursor.copy(f"COPY outcomes_measurement ({columns}) FROM STDIN") as copy:  # noqa: S608
                copy.write("".join(lines))
            progress(stop, total)
    return total
