"""Writing a validated import in bulk: participants, enrolments and measurements, all or nothing.

Everything runs on Django's own connection, inside the caller's transaction
(``services.import_commit.commit_import``), so an import is written all or nothing: a failure, or a
process killed half-way, leaves the database as it was.

PostgreSQL (``_write_postgresql``): rows are built in PostgreSQL's binary COPY format by numpy, a chunk at a
time (rows of one layout are one structured array). Each measurement is written once:

1. the children (row number, pseudonym, birth year, sex) are copied into a temporary staging table;
2. the known ones are read back (row number, participant id) by one ``COPY (SELECT ... FOR KEY SHARE)``,
   which also locks them against deletion until the import commits;
3. the new ones are copied into ``outcomes_participant`` in binary, every row's participant id is read
   back by one binary COPY out, and the new ones are enrolled by a binary COPY (a child new to the
   municipality has no enrolment); the known ones are enrolled by one INSERT ... ON CONFLICT DO NOTHING.
   Should another import commit one of the new children meanwhile, the copy is undone to a savepoint
   and the children are written set-based instead;
4. the measurements are copied straight into ``outcomes_measurement`` with their participant ids, in
   pseudonym order (new participants' ids ascend with it, so the indexes fill from left to right).

The references the measurement table does not enforce itself (docs/ARCHITECTURE.md, "Referential
integrity of outcomes") are checked and locked here once per import (``_lock_references``).

Other databases (SQLite in development and tests): ``executemany`` per batch of formatted rows.

The web keeps the validated rows on the import job between validation and writing (``store_payload``,
``load_payload``) in a compact, uncompressed form (``encode_rows``): pseudonyms as 32 raw bytes, answers
a byte each. The command line hands them over in memory (``commit_import(rows=...)``).
"""

from __future__ import annotations

import datetime
import io
import re
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import psycopg
from django.db import connection, connections
from django.utils import timezone

from indsats.engine.scoring import ScoreResult, score
from indsats.outcomes import importing
from indsats.outcomes.measurement_fields import slot_positions
from indsats.outcomes.models import Enrolment, ImportJob
from indsats.outcomes.registry import engine_instrument

BATCH_SIZE = 5000
COPY_CHUNK = 50_000  # rows per binary COPY chunk: ~25 MB of numpy at a time
ProgressCallback = Callable[[int, int], None]
PhaseCallback = Callable[[str, float], None]  # (phase, seconds it took)


class ReferenceGone(Exception):
    """A row the import refers to (municipality, intervention, round, instrument, job) no longer exists."""


def _server_cursor() -> Any:
    """A psycopg cursor with server-side parameter binding on Django's own connection (so inside the
    current transaction). Django's cursors bind on the client: they would quote megabytes of bytes into the
    SQL text."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


# --- the validated rows between the two steps -----------------------------------------------------------


def encode_rows(rows: importing.ValidatedRows) -> bytes:
    """The rows as kept on a job (``_encoded``), as bytes."""
    return _encoded(rows).getvalue()


def _encoded(rows: importing.ValidatedRows) -> io.BytesIO:
    """The rows as an uncompressed .npz (zlib on a million rows costs seconds; this is ~70 bytes a row).
    Pseudonyms (hex) become their raw bytes; answers codes into their values (exact, ``_answer_codes``).
    Both are converted ``ENCODE_CHUNK`` rows at a time: on a million rows, whole-array temporaries were
    the checking process's peak (~400 MB above the rows themselves)."""
    answer_codes, answer_values = _answer_codes(np.asarray(rows.answers, dtype=np.float64))
    text = np.asarray(rows.pseudonyms)
    if text.dtype.kind != "S":
        text = text.astype("S64")
    try:
        pseudonyms: npt.NDArray[Any] = _hex_to_bytes(text)
    except ValueError:  # not the keyed hex pseudonyms (never in an import; kept as text all the same)
        pseudonyms = text
    buffer = io.BytesIO()
    np.savez(
        buffer,
        pseudonyms=pseudonyms,
        birth_years=rows.birth_years.astype(np.int16),
        female=(np.asarray(rows.sexes) == "female"),
        ages=rows.ages.astype(np.int16),
        dates=rows.dates.astype("datetime64[D]").astype(np.int32),
        answer_codes=answer_codes,
        answer_values=answer_values,
    )
    return buffer


ENCODE_CHUNK = 65_536  # rows converted at a time by encode_rows
_SMALL_ANSWERS = np.append(np.nan, np.arange(255, dtype=np.float64))  # code 0 = missing, k + 1 = answer k


def _small_answer_codes(answers: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8] | None:
    """Each answer + 1 in a byte (0 = missing) when every answer is a whole number from 0 to 254 (-0.0
    excluded: it would come back as 0.0); None otherwise. ``ENCODE_CHUNK`` rows at a time."""
    codes = np.empty(answers.shape, dtype=np.uint8)
    for start in range(0, len(answers), ENCODE_CHUNK):
        part = answers[start : start + ENCODE_CHUNK]
        missing = np.isnan(part)
        filled = np.where(missing, 0.0, part)
        if not (~np.signbit(filled) & (filled <= 254) & (filled == np.floor(filled))).all():
            return None
        chunk = filled.astype(np.uint8)
        chunk += 1
        chunk[missing] = 0
        codes[start : start + ENCODE_CHUNK] = chunk
    return codes


def _answer_codes(answers: npt.NDArray[np.float64]) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64]]:
    """The answers as codes into their values (``values[codes]`` gives them back exactly). Answers are
    small whole numbers nearly always (SDQ: 0, 1, 2): then each is its value + 1 (0 = missing) in a byte,
    with no search for the distinct values; otherwise codes into the distinct values that occur."""
    small = _small_answer_codes(answers)
    if small is not None:
        return small, _SMALL_ANSWERS
    # factorised by bit pattern, so -0.0 and 0.0 stay apart (as floats they are equal); missing apart
    flat = np.ascontiguousarray(answers, dtype=np.float64).ravel()
    missing = np.isnan(flat)
    found, distinct_bits = pd.factorize(np.where(missing, 0, flat.view(np.int64)))
    distinct = np.asarray(distinct_bits, dtype=np.int64).view(np.float64)
    code_type = np.uint8 if len(distinct) < 255 else np.uint32
    general = np.where(missing, len(distinct), found).astype(code_type).reshape(answers.shape)
    return general, np.append(distinct, np.nan)


def decode_rows(data: bytes) -> importing.ValidatedRows:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        if "answer_codes" not in arrays:  # kept before this format (a job validated before the upgrade)
            return importing.ValidatedRows.from_bytes(data)
        return importing.ValidatedRows(
            pseudonyms=(
                arrays["pseudonyms"]
                if arrays["pseudonyms"].ndim == 1
                else _bytes_to_hex(arrays["pseudonyms"])
            ).astype("S64"),
            birth_years=arrays["birth_years"].astype(np.int64),
            sexes=np.where(arrays["female"], "female", "male"),
            ages=arrays["ages"].astype(np.int64),
            dates=arrays["dates"].astype("datetime64[D]"),
            answers=arrays["answer_values"][arrays["answer_codes"]],
        )


def _hex_to_bytes(hex_text: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint8]:
    """(n,) ASCII hex strings of one even width -> (n, width / 2) bytes (``bytes.fromhex``,
    ``ENCODE_CHUNK`` rows at a time). Anything but lower-case hex of that width raises ValueError."""
    width = hex_text.dtype.itemsize
    if width % 2:
        raise ValueError("pseudonyms must be lower-case hex of one even width")
    raw = np.empty((len(hex_text), width // 2), dtype=np.uint8)
    for start in range(0, len(hex_text), ENCODE_CHUNK):
        part = hex_text[start : start + ENCODE_CHUNK]
        text = part.tobytes()
        if (np.char.str_len(part) != width).any() or re.search(rb"[^0-9a-f]", text):
            raise ValueError("pseudonyms must be lower-case hex of one even width")
        raw[start : start + len(part)] = np.frombuffer(
            bytes.fromhex(text.decode("ascii")), dtype=np.uint8
        ).reshape(len(part), width // 2)
    return raw


def _bytes_to_hex(raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.bytes_]:
    n, width = raw.shape
    return np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype=f"S{width * 2}")


def store_payload(job: ImportJob, rows: importing.ValidatedRows) -> None:
    """Keep the validated rows on the job. On PostgreSQL through psycopg's own cursor, which sends the bytes
    as a binary parameter (Django's cursor would quote tens of megabytes into the SQL text)."""
    data = _encoded(rows).getbuffer()  # sent from the buffer itself: no copy of ~70 MB per million rows
    if connection.vendor == "postgresql":
        with _server_cursor() as cursor:
            cursor.execute("UPDATE outcomes_importjob SET payload = %b WHERE id = %s", [data, job.pk])
    else:
        ImportJob.objects.filter(pk=job.pk).update(payload=bytes(data))
    job.payload = data


def load_payload(job: ImportJob) -> importing.ValidatedRows | None:
    """The validated rows kept on the job (None once written)."""
    if connection.vendor == "postgresql":
        with _server_cursor() as cursor:
            found = cursor.execute(
                "SELECT payload FROM outcomes_importjob WHERE id = %s", [job.pk], binary=True
            ).fetchone()
        data = bytes(found[0]) if found and found[0] is not None else None
    else:
        value = ImportJob.objects.filter(pk=job.pk).values_list("payload", flat=True).first()
        data = bytes(value) if value is not None else None
    return None if data is None else decode_rows(data)


class ProgressWriter:
    """Progress written on a second connection so that a browser sees it while the import's own
    transaction is still open. Close it when the import is over."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.side = connections.create_connection("default")

    def __call__(self, done: int, total: int) -> None:
        with self.side.cursor() as cursor:
            cursor.execute("UPDATE outcomes_importjob SET done_rows = %s WHERE id = %s", [done, self.job_id])

    def close(self) -> None:
        self.side.close()


def progress_writer(job_id: int) -> ProgressWriter | None:
    """A ProgressWriter on PostgreSQL. SQLite allows one writer only: there the progress is written at the
    end."""
    return ProgressWriter(job_id) if connection.vendor == "postgresql" else None


# --- writing --------------------------------------------------------------------------------------------


class _Phases:
    """Times each phase of a write and tells ``on_phase`` (the CLI's progress, the benchmark's table)."""

    def __init__(self, on_phase: PhaseCallback | None) -> None:
        self.on_phase = on_phase
        self.started = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        if self.on_phase is not None:
            self.on_phase(name, now - self.started)
        self.started = now


def write_rows(
    *,
    job: ImportJob,
    rows: importing.ValidatedRows,
    progress: ProgressCallback,
    on_phase: PhaseCallback | None = None,
) -> int:
    """Score the rows with the job's instrument and write them, calling ``progress(done, total)`` while the
    rows are sent and ``on_phase(name, seconds)`` after each phase; returns the number of measurements.
    The caller recounts the municipality's totals (outcomes.totals.recount) last in its transaction."""
    phases = _Phases(on_phase)
    instrument = engine_instrument(job.instrument)
    if connection.vendor == "postgresql":
        scored = _score_in_chunks(instrument, rows.answers)
        phases.done("score")
        count = _write_postgresql(job=job, rows=rows, scored=scored, progress=progress, phases=phases)
    else:
        result = score(instrument, rows.answers)
        phases.done("score")
        count = _write_sql(job=job, rows=rows, result=result, progress=progress, phases=phases)
    return count


SCORE_CHUNK = 100_000  # rows scored at a time: the engine's band codes are text, ~60 MB a key per million


class _Scored:
    """The engine's scoring of every row, kept compact: the scores as one float matrix (columns in
    ``score_keys`` order), each row's bands as a number into ``combinations`` (the few distinct
    combinations of band codes that occur)."""

    def __init__(
        self,
        score_keys: tuple[str, ...],
        band_keys: list[str],
        scores: npt.NDArray[np.float64],
        band_sets: npt.NDArray[np.int64],
        combinations: list[dict[str, str]],
        engine_version: str,
    ) -> None:
        self.score_keys, self.band_keys, self.scores = score_keys, band_keys, scores
        self.band_sets, self.combinations, self.engine_version = band_sets, combinations, engine_version


def _score_in_chunks(instrument: Any, answers: npt.NDArray[np.float64]) -> _Scored:
    """``score`` over ``SCORE_CHUNK`` rows at a time (each row's scores and bands depend on its own answers
    only, so the result is the same as scoring all rows at once), the band codes turned into numbers as
    each chunk is scored: the text arrays of a million rows' bands never exist at once."""
    total = len(answers)
    scores: npt.NDArray[np.float64] | None = None
    distinct: dict[str, list[str]] = {}
    codes: dict[str, npt.NDArray[np.int32]] = {}
    score_keys: tuple[str, ...] = ()
    engine_version = ""
    for start in range(0, max(total, 1), SCORE_CHUNK):
        stop = min(total, start + SCORE_CHUNK)
        result = score(instrument, answers[start:stop])
        if scores is None:
            score_keys, engine_version = result.score_keys, result.engine_version
            scores = np.empty((total, len(score_keys)), dtype=np.float64)
            for key in result.bands:
                distinct[key] = list(result.band_codes.get(key, ()))
                codes[key] = np.empty(total, dtype=np.int32)
        for column, key in enumerate(score_keys):
            scores[start:stop, column] = result.scores[key]
        for key, values in result.bands.items():
            found, known = _band_codes(values, distinct[key])
            distinct[key] = [str(value) for value in known]  # the key's codes so far: new ones appended
            codes[key][start:stop] = found
    assert scores is not None
    combined = np.zeros(total, dtype=np.int64)
    for key in codes:
        combined = combined * (len(distinct[key]) + 1) + codes[key]
    _, first_rows, numbers = np.unique(combined, return_index=True, return_inverse=True)
    combinations = [
        {key: distinct[key][int(codes[key][row])] for key in codes} for row in first_rows.tolist()
    ]
    return _Scored(
        score_keys, list(codes), scores, numbers.astype(np.int64).ravel(), combinations, engine_version
    )


# PostgreSQL's binary COPY: a signature, flags and header extension; each row its field count and each
# field its length (-1 = NULL) before the value, all big-endian; -1 as field count ends the data.
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)
_FLOAT8_OID = 701
_TEXT_OID = 25
_POSTGRES_EPOCH = np.datetime64("2000-01-01", "D")
_POSTGRES_EPOCH_TIME = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)

_STAGING = """
CREATE TEMPORARY TABLE outcomes_import_children (
    row_number integer NOT NULL, pseudonym text NOT NULL, birth_year smallint NOT NULL,
    female boolean NOT NULL
) ON COMMIT DROP
"""

# The columns of outcomes_measurement the import writes, in the order of ``_measurement_layout``: the
# bands (an array of text, its width differs between rows) last.
_MEASUREMENT_COLUMNS = (
    "participant_id, round_id, instrument_id, municipality_id, measured_on, age, answers, scores,"
    " engine_version, import_job_id, created_at, bands"
)


def _fresh_staging_table(cursor: Any) -> None:
    """An empty staging table of this import's children. One made earlier in the same transaction (the
    demo and a caller writing many imports at once) is emptied and reused: creating and dropping it per
    import holds a lock until the transaction ends, and thousands exhaust PostgreSQL's lock table."""
    found = cursor.execute("SELECT to_regclass('pg_temp.outcomes_import_children') IS NOT NULL").fetchone()
    if found and found[0]:
        cursor.execute("TRUNCATE outcomes_import_children")
        return
    cursor.execute(_STAGING)


def _children_chunk(
    pseudonyms: npt.NDArray[np.bytes_],
    rows: importing.ValidatedRows,
    at: npt.NDArray[np.intp],
) -> memoryview:
    """The children of rows ``at`` (their row number, pseudonym, birth year, sex) as binary COPY data."""
    layout = np.dtype(
        [
            ("count", ">i2"),
            ("row_size", ">i4"),
            ("row", ">i4"),
            ("pseudonym_size", ">i4"),
            ("pseudonym", pseudonyms.dtype),
            ("birth_year_size", ">i4"),
            ("birth_year", ">i2"),
            ("female_size", ">i4"),
            ("female", "u1"),
        ]
    )
    chunk = np.empty(len(at), dtype=layout)
    chunk["count"] = 4
    chunk["row_size"], chunk["pseudonym_size"] = 4, pseudonyms.dtype.itemsize
    chunk["birth_year_size"], chunk["female_size"] = 2, 1
    chunk["row"] = at
    chunk["pseudonym"] = pseudonyms[at]
    chunk["birth_year"] = rows.birth_years[at]
    chunk["female"] = np.asarray(rows.sexes[at]) == "female"
    return chunk.view(np.uint8).data


def _text_array(values: Sequence[str | None]) -> bytes:
    """A one-dimensional text[] value in binary COPY format, its length first (None = NULL element)."""
    body = [
        struct.pack(">iiiii", 1, int(any(v is None for v in values)), _TEXT_OID, len(values), 1),
        *(
            struct.pack(">i", -1)
            if value is None
            else struct.pack(">i", len(value.encode())) + value.encode()
            for value in values
        ),
    ]
    data = b"".join(body)
    return struct.pack(">i", len(data)) + data


def _measurement_layout(items: int, score_slots: Sequence[bool], tail: int, bands: int) -> np.dtype[Any]:
    """The numpy dtype of one measurement in binary COPY format (columns as in ``_MEASUREMENT_COLUMNS``):
    ``score_slots`` says for each element of the scores array whether it holds a score (else NULL, the
    same on every row); ``tail`` is the width of the columns that are the same on every row (engine version,
    import job, created at) and ``bands`` that of the bands array (with its length)."""
    fields: list[tuple[Any, ...]] = [("count", ">i2")]
    for name, kind in (
        ("participant_id", ">i8"),
        ("round_id", ">i8"),
        ("instrument_id", ">i8"),
        ("municipality_id", ">i8"),
        ("measured_on", ">i4"),
        ("age", ">i2"),
    ):
        fields += [(f"{name}_size", ">i4"), (name, kind)]
    array_head = [("size", ">i4"), ("ndim", ">i4"), ("has_null", ">i4"), ("oid", ">i4"), ("length", ">i4")]
    array_head += [("lower", ">i4")]
    element = np.dtype([("size", ">i4"), ("value", ">f8")])
    fields += [("answers_head", np.dtype(array_head)), ("answers", element, (items,))]
    fields += [("scores_head", np.dtype(array_head))]
    for i, present in enumerate(score_slots):
        fields += [(f"score{i}", element) if present else (f"score{i}", ">i4")]
    fields += [("tail", "u1", (tail,)), ("bands", "u1", (bands,))]
    return np.dtype(fields)


def _measurement_template(
    layout: np.dtype[Any], slots: Sequence[int | None], fixed: dict[str, int], tail: bytes, bands: bytes
) -> npt.NDArray[Any]:
    """One measurement with every part that is the same on all rows of its layout filled in (field count,
    sizes, array headers, NULL score slots, round, instrument, municipality, the tail and the bands)."""
    row = np.zeros(1, dtype=layout)
    row["count"] = 12
    for name in ("participant_id", "round_id", "instrument_id", "municipality_id", "measured_on", "age"):
        row[f"{name}_size"] = layout[name].itemsize
    for name, value in fixed.items():
        row[name] = value
    items = layout["answers"].shape[0]
    present = sum(1 for slot in slots if slot is not None)
    for head, length, size, has_null in (
        ("answers_head", items, 20 + 12 * items, 0),
        ("scores_head", len(slots), 20 + 4 * len(slots) + 8 * present, int(present < len(slots))),
    ):
        row[head]["size"], row[head]["ndim"], row[head]["has_null"] = size, 1, has_null
        row[head]["oid"], row[head]["length"], row[head]["lower"] = _FLOAT8_OID, length, 1
    row["answers"]["size"] = 8
    for i, column in enumerate(slots):
        if column is None:
            row[f"score{i}"] = -1
        else:
            row[f"score{i}"]["size"] = 8
    row["tail"] = np.frombuffer(tail, dtype=np.uint8)
    row["bands"] = np.frombuffer(bands, dtype=np.uint8)
    return row


def _measurement_chunk(
    template: npt.NDArray[Any],
    participant_ids: npt.NDArray[np.int64],
    rows: importing.ValidatedRows,
    scores: npt.NDArray[np.float64],
    slots: Sequence[int | None],
    at: npt.NDArray[np.intp],
    bands: npt.NDArray[np.uint8],
) -> memoryview:
    """The measurements of rows ``at`` (their bands arrays ``bands``, all of ``template``'s width) as
    binary COPY data. ``slots[i]`` is the column of ``scores`` in element i."""
    chunk = np.frombuffer(bytearray(template.tobytes() * len(at)), dtype=template.dtype)
    chunk["participant_id"] = participant_ids[at]
    chunk["measured_on"] = (rows.dates[at].astype("datetime64[D]") - _POSTGRES_EPOCH).astype(np.int64)
    chunk["age"] = rows.ages[at]
    chunk["answers"]["value"] = rows.answers[at]  # NaN = missing (measurement_fields)
    for i, column in enumerate(slots):
        if column is not None:
            chunk[f"score{i}"]["value"] = scores[at, column]
    chunk["bands"] = bands
    return chunk.view(np.uint8).data


def _copy_out_pairs(cursor: Any, query: str, params: Sequence[Any]) -> npt.NDArray[Any]:
    """The rows of ``query`` (an integer and a bigint each) through one binary COPY TO STDOUT, as a
    structured array with fields ``first`` and ``second``."""
    data = bytearray()
    with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)", params) as copy:
        for block in copy:
            data += block
    layout = np.dtype(
        [("count", ">i2"), ("first_size", ">i4"), ("first", ">i4"), ("second_size", ">i4"), ("second", ">i8")]
    )
    return np.frombuffer(data[len(_COPY_SIGNATURE) : len(data) - len(_COPY_TRAILER)], dtype=layout)


def _participant_ids(cursor: Any, municipality: int, total: int) -> npt.NDArray[np.int64]:
    """Each row's participant id, by row number: the staged children joined to their participants (all of
    them exist by now)."""
    found = _copy_out_pairs(
        cursor,
        "SELECT s.row_number, p.id FROM outcomes_import_children s JOIN outcomes_participant p"
        " ON p.municipality_id = %s AND p.pseudonym = s.pseudonym",
        [municipality],
    )
    ids = np.full(total, -1, dtype=np.int64)
    ids[found["first"]] = found["second"]
    if len(found) != total or (ids < 0).any():
        raise ReferenceGone("outcomes_participant")
    return ids


def _participants_chunk(
    pseudonyms: npt.NDArray[np.bytes_],
    rows: importing.ValidatedRows,
    at: npt.NDArray[np.intp],
    municipality: int,
    created: int,
    sex: str,
) -> memoryview:
    """New participants (rows ``at``, all of one ``sex``) as binary COPY data, columns as in
    ``_PARTICIPANT_COLUMNS``."""
    code = sex.encode()
    layout = np.dtype(
        [
            ("count", ">i2"),
            ("municipality_size", ">i4"),
            ("municipality", ">i8"),
            ("pseudonym_size", ">i4"),
            ("pseudonym", pseudonyms.dtype),
            ("birth_year_size", ">i4"),
            ("birth_year", ">i2"),
            ("sex_size", ">i4"),
            ("sex", f"S{len(code)}"),
            ("reference_size", ">i4"),
            ("created_size", ">i4"),
            ("created", ">i8"),
        ]
    )
    chunk = np.empty(len(at), dtype=layout)
    chunk["count"] = 6
    chunk["municipality_size"], chunk["created_size"] = 8, 8
    chunk["pseudonym_size"], chunk["birth_year_size"] = pseudonyms.dtype.itemsize, 2
    chunk["sex_size"], chunk["reference_size"] = len(code), 0  # local_reference: '' (no bytes)
    chunk["municipality"] = municipality
    chunk["pseudonym"] = pseudonyms[at]
    chunk["birth_year"] = rows.birth_years[at]
    chunk["sex"] = code
    chunk["created"] = created
    return chunk.view(np.uint8).data


def _enrolments_chunk(
    ids: npt.NDArray[np.int64], intervention: int, municipality: int, created: int
) -> memoryview:
    """Enrolments of the participants ``ids`` as binary COPY data (participant, intervention, municipality,
    created at)."""
    layout = np.dtype(
        [("count", ">i2")]
        + [
            (f"{name}_size", ">i4") if i % 2 == 0 else (name, ">i8")
            for name in ("participant", "intervention", "municipality", "created")
            for i in (0, 1)
        ]
    )
    chunk = np.empty(len(ids), dtype=layout)
    chunk["count"] = 4
    for name, value in (
        ("participant", ids),
        ("intervention", intervention),
        ("municipality", municipality),
        ("created", created),
    ):
        chunk[f"{name}_size"] = 8
        chunk[name] = value
    return chunk.view(np.uint8).data


def _band_codes(
    values: npt.NDArray[Any], known: Sequence[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """``values`` as codes into ``distinct`` (``distinct[codes]`` gives them back): the key's few band codes
    ``known`` compared one at a time (pd.factorize would first turn a million strings into objects), any
    other value factorized."""
    codes = np.full(len(values), -1, dtype=np.int64)
    for i, code in enumerate(known):
        codes[values == code] = i
    distinct: list[Any] = list(known)
    rest = codes < 0
    if rest.any():
        more, others = pd.factorize(values[rest])
        codes[rest] = more + len(distinct)
        distinct += list(others)
    return codes, np.asarray(distinct, dtype=object)


def _pseudonym_order(pseudonyms: npt.NDArray[np.bytes_]) -> npt.NDArray[np.intp]:
    """The rows in (about) pseudonym order, by their first 16 hex digits: staged in this order, new
    participants get ids in pseudonym order and every index of the three tables is filled from left to
    right instead of at random places (measured: a third less time on a unique index of random keys)."""
    try:
        head = _hex_to_bytes(np.asarray(pseudonyms).astype("S16"))
    except ValueError:
        return np.argsort(pseudonyms, kind="stable")
    return np.argsort(head.view(">u8").ravel(), kind="stable")


def _lock_references(cursor: Any, job: ImportJob) -> None:
    """Check, once, that the rows every measurement refers to exist, and lock them against deletion until
    the import commits (FOR KEY SHARE: what a foreign key's check would take per row)."""
    checks = (
        ("accounts_organisation", job.municipality_id),
        ("interventions_intervention", job.round.intervention_id),
        ("outcomes_measurementround", job.round_id),
        ("outcomes_instrument", job.instrument_id),
        ("outcomes_importjob", job.pk),
    )
    for table, pk in checks:
        found = cursor.execute(
            f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE",  # noqa: S608 (our own table names)
            [pk],
        ).fetchone()
        if found is None:
            raise ReferenceGone(f"{table} {pk}")


def _write_postgresql(
    *,
    job: ImportJob,
    rows: importing.ValidatedRows,
    scored: _Scored,
    progress: ProgressCallback,
    phases: _Phases,
) -> int:
    total = len(rows)
    now = timezone.now()
    municipality = job.municipality_id
    positions = slot_positions([*scored.score_keys, *scored.band_keys], connection)
    slot_count = max(positions.values(), default=0)
    column_of = {positions[key]: i for i, key in enumerate(scored.score_keys)}
    slots = [column_of.get(position) for position in range(1, slot_count + 1)]
    scores, band_sets, combinations = scored.scores, scored.band_sets, scored.combinations
    band_values = []  # each combination's bands array, binary
    for combination in combinations:
        array: list[str | None] = [None] * slot_count
        for key, code in combination.items():
            array[positions[key] - 1] = code
        band_values.append(_text_array(array))
    lengths = np.char.str_len(rows.pseudonyms)
    width = int(lengths[0]) if total else 64
    if total and (lengths != width).any():
        raise ValueError("pseudonyms of one import have one width")
    pseudonyms = np.asarray(rows.pseudonyms).astype(f"S{width}")
    version = scored.engine_version.encode()
    created = (now - _POSTGRES_EPOCH_TIME) // datetime.timedelta(microseconds=1)
    tail = struct.pack(f">i{len(version)}siqiq", len(version), version, 8, job.pk, 8, created)
    fixed = {"round_id": job.round_id, "instrument_id": job.instrument_id, "municipality_id": municipality}
    score_slots = [slot is not None for slot in slots]
    # rows whose bands arrays have one width share a layout: a template each, the bands from a table
    widths = np.array([len(value) for value in band_values], dtype=np.int64)
    width_of_set = widths[band_sets] if total else np.zeros(0, dtype=np.int64)
    templates, band_tables, place_in_table = {}, {}, np.zeros(len(band_values), dtype=np.intp)
    for band_width in np.unique(widths).tolist():
        members = np.flatnonzero(widths == band_width)
        place_in_table[members] = np.arange(len(members))
        band_tables[band_width] = np.frombuffer(
            b"".join(band_values[m] for m in members.tolist()), dtype=np.uint8
        ).reshape(len(members), band_width)
        templates[band_width] = _measurement_template(
            _measurement_layout(rows.answers.shape[1], score_slots, len(tail), band_width),
            slots,
            fixed,
            tail,
            band_values[int(members[0])],
        )
    order = _pseudonym_order(rows.pseudonyms)
    phases.done("prepare")

    with connection.wrap_database_errors, _server_cursor() as cursor:  # psycopg's errors as Django's
        _lock_references(cursor, job)
        # the join on a million pseudonyms hashes in memory (the default 4 MB spills it to disk)
        cursor.execute("SET LOCAL work_mem = '256MB'")
        phases.done("lock references")
        _fresh_staging_table(cursor)
        with cursor.copy("COPY outcomes_import_children FROM STDIN (FORMAT binary)") as copy:
            copy.write(_COPY_SIGNATURE)
            for start in range(0, total, COPY_CHUNK):
                copy.write(_children_chunk(pseudonyms, rows, order[start : start + COPY_CHUNK]))
            copy.write(_COPY_TRAILER)
        cursor.execute("ANALYZE outcomes_import_children")  # for the joins
        phases.done("copy children to staging")

        # children already known: locked against deletion until the import commits (new ones are ours)
        known = _copy_out_pairs(
            cursor,
            "SELECT s.row_number, p.id FROM outcomes_participant p JOIN outcomes_import_children s"
            " ON p.pseudonym = s.pseudonym WHERE p.municipality_id = %s FOR KEY SHARE OF p",
            [municipality],
        )
        phases.done("known participants locked")
        participant_ids = _write_participants(
            cursor,
            job=job,
            rows=rows,
            pseudonyms=pseudonyms,
            order=order,
            known=known,
            created=created,
            now=now,
            phases=phases,
        )
        del pseudonyms
        cursor.execute("TRUNCATE outcomes_import_children")  # dropped at commit
        phases.done("participants")  # and their enrolments, as on SQLite

        with cursor.copy(
            f"COPY outcomes_measurement ({_MEASUREMENT_COLUMNS}) FROM STDIN (FORMAT binary)"
        ) as copy:
            copy.write(_COPY_SIGNATURE)
            for start in range(0, total, COPY_CHUNK):
                at = order[start : start + COPY_CHUNK]
                chunk_widths = width_of_set[at]
                for band_width in np.unique(chunk_widths).tolist():  # one layout per bands width
                    chosen = at[chunk_widths == band_width]
                    table = band_tables[band_width][place_in_table[band_sets[chosen]]]
                    chunk = _measurement_chunk(
                        templates[band_width], participant_ids, rows, scores, slots, chosen, table
                    )
                    copy.write(chunk)
                progress(min(total, start + COPY_CHUNK), total)
            copy.write(_COPY_TRAILER)
        phases.done("measurements")
    return total


_PARTICIPANT_COLUMNS = "municipality_id, pseudonym, birth_year, sex, local_reference, created_at"


def _write_participants(
    cursor: Any,
    *,
    job: ImportJob,
    rows: importing.ValidatedRows,
    pseudonyms: npt.NDArray[np.bytes_],
    order: npt.NDArray[np.intp],
    known: npt.NDArray[Any],
    created: int,
    now: datetime.datetime,
    phases: _Phases,
) -> npt.NDArray[np.int64]:
    """Insert the children not ``known`` (row numbers and ids of the known ones) and enrol every child;
    returns each row's participant id.

    The new children are copied in binary (in pseudonym order: their ids ascend with it), every row's id
    read back by one binary COPY out, and the new ones enrolled by a binary COPY (a child new to the
    municipality has no enrolment yet); known ones are enrolled by one INSERT ... ON CONFLICT DO NOTHING.
    Should a new child's pseudonym be taken meanwhile (another import of the same child committed first,
    or a pseudonym twice in the rows), the copy is undone to a savepoint and
    the children are written set-based from the staging table instead (INSERT ... ON CONFLICT DO NOTHING,
    then their ids joined back)."""
    total = len(rows)
    municipality = job.municipality_id
    intervention = job.round.intervention_id
    participant_ids = np.full(total, -1, dtype=np.int64)
    participant_ids[known["first"]] = known["second"]
    new_rows = order[participant_ids[order] < 0]  # in pseudonym order: new ids ascend with the pseudonyms
    cursor.execute("SAVEPOINT outcomes_import_participants")
    try:
        female = np.asarray(rows.sexes[new_rows]) == "female"
        with cursor.copy(
            f"COPY outcomes_participant ({_PARTICIPANT_COLUMNS}) FROM STDIN (FORMAT binary)"
        ) as copy:
            copy.write(_COPY_SIGNATURE)
            for start in range(0, len(new_rows), COPY_CHUNK):
                stop = start + COPY_CHUNK
                at, is_female = new_rows[start:stop], female[start:stop]
                for sex, chosen in (("female", is_female), ("male", ~is_female)):
                    copy.write(_participants_chunk(pseudonyms, rows, at[chosen], municipality, created, sex))
            copy.write(_COPY_TRAILER)
        cursor.execute("RELEASE SAVEPOINT outcomes_import_participants")
        phases.done("new participants copied")
        # their ids, given by the table's own sequence, read back with every known one's
        participant_ids = _participant_ids(cursor, municipality, total)
        new_ids = participant_ids[new_rows]
        phases.done("participant ids read")
    except psycopg.errors.UniqueViolation:
        cursor.execute("ROLLBACK TO SAVEPOINT outcomes_import_participants")
        cursor.execute(
            "INSERT INTO outcomes_participant "
            "(municipality_id, pseudonym, birth_year, sex, local_reference, created_at) "
            "SELECT %s, s.pseudonym, s.birth_year, CASE WHEN s.female THEN 'female' ELSE 'male' END, '', %s "
            "FROM outcomes_import_children s ON CONFLICT (municipality_id, pseudonym) DO NOTHING",
            [municipality, now],
        )
        participant_ids = _participant_ids(cursor, municipality, total)
        known_ids = participant_ids
        new_ids = np.empty(0, dtype=np.int64)
    else:
        known_ids = known["second"].astype(np.int64)
    if len(new_ids):  # new to the municipality, so new to the intervention
        with cursor.copy(
            "COPY outcomes_enrolment (participant_id, intervention_id, municipality_id, created_at)"
            " FROM STDIN (FORMAT binary)"
        ) as copy:
            copy.write(_COPY_SIGNATURE)
            for start in range(0, len(new_ids), COPY_CHUNK):
                copy.write(
                    _enrolments_chunk(
                        new_ids[start : start + COPY_CHUNK], intervention, municipality, created
                    )
                )
            copy.write(_COPY_TRAILER)
        phases.done("new participants enrolled")
    if len(known_ids):
        cursor.execute(
            "INSERT INTO outcomes_enrolment (participant_id, intervention_id, municipality_id, created_at)"
            " SELECT DISTINCT unnest(%s::bigint[]), %s, %s, %s"
            " ON CONFLICT (participant_id, intervention_id) DO NOTHING",
            [np.sort(known_ids).tolist(), intervention, municipality, now],
        )
    return participant_ids


def _write_sql(
    *,
    job: ImportJob,
    rows: importing.ValidatedRows,
    result: ScoreResult,
    progress: ProgressCallback,
    phases: _Phases,
) -> int:
    """Databases other than PostgreSQL (SQLite in development and tests): JSON text, a few statements per
    5,000 rows."""
    total = len(rows)
    codes = rows.pseudonyms.astype(str).tolist()
    first_row = {code: i for i, code in reversed(list(enumerate(codes)))}
    unique = list(first_row)
    participant_ids = _ensure_participants_sql(
        municipality_id=job.municipality_id,
        intervention_id=job.round.intervention_id,
        codes=unique,
        birth_years=[int(rows.birth_years[first_row[code]]) for code in unique],
        sexes=[str(rows.sexes[first_row[code]]) for code in unique],
    )
    phases.done("participants")
    band_lists = {k: v.tolist() for k, v in result.bands.items()}
    count = _insert_measurements_sql(
        job=job,
        participant_ids=[participant_ids[code] for code in codes],
        dates=rows.dates.astype("datetime64[D]").tolist(),
        ages=rows.ages.tolist(),
        answer_json=_json_rows(rows.answers, "[", "]", None),
        score_json=_json_rows(
            np.column_stack([result.scores[k] for k in result.score_keys]), "{", "}", result.score_keys
        ),
        band_json=_band_json_rows(band_lists, total),
        engine_version=result.engine_version,
        progress=progress,
    )
    phases.done("measurements")
    return count


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
            intervention_id=intervention_id, municipality_id=municipality_id
        ).values_list("participant_id", flat=True)
    )
    missing = [
        (pid, intervention_id, municipality_id, now)
        for pid in participant_ids.values()
        if pid not in enrolled
    ]
    if missing:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO outcomes_enrolment "
                "(participant_id, intervention_id, municipality_id, created_at) VALUES (%s, %s, %s, %s)",
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
