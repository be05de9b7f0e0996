"""Measurements as stored (typed arrays on PostgreSQL, JSON on SQLite) read back exactly as they went in,
the bulk write is all or nothing and reuses known children, and the migration moves existing data."""

from __future__ import annotations

import datetime
import io
import json

import numpy as np
import pytest
from django.db import IntegrityError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Avg, Count

from indsats.engine.cpr import pseudonym
from indsats.engine.scoring import score
from indsats.outcomes import bulk_write, importing
from indsats.outcomes.measurement_sql import band_value, score_value
from indsats.outcomes.models import Enrolment, ImportStatus, Measurement, Participant
from indsats.outcomes.pseudonyms import pseudonym_key
from indsats.outcomes.registry import engine_instrument
from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.participants import record_measurement, register_participant
from tests.outcomes.files import fake_cpr, sdq_rows
from tests.outcomes.validated import validated_import

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 2, 10)


def _measure(actor, municipality, intervention, measurement_round, instrument, answers, n=0):
    child = register_participant(
        actor=actor, municipality=municipality, intervention=intervention, cpr=fake_cpr(n)
    )
    return record_measurement(
        actor=actor,
        participant=child,
        measurement_round=measurement_round,
        instrument=instrument,
        measured_on=ON,
        answers=answers,
    )


@pytest.fixture
def ors(instruments):
    return instruments.get(key="ors-adult")


def test_decimal_and_missing_answers_and_scores_come_back_exactly(
    aarhus_caseworker, aarhus, intervention, baseline, ors
):
    # ORS: four marks on a 10 cm line in steps of 0.1; the total (sum, all four needed) is 18.9 by hand
    complete = _measure(aarhus_caseworker, aarhus, intervention, baseline, ors, [1.3, 7.5, 10, 0.1], n=1)
    partial = _measure(aarhus_caseworker, aarhus, intervention, baseline, ors, [0.7, None, 3, 9.9], n=2)
    expected = score(engine_instrument(ors), np.array([[1.3, 7.5, 10, 0.1], [0.7, np.nan, 3, 9.9]]))
    first = Measurement.objects.get(pk=complete.pk)
    second = Measurement.objects.get(pk=partial.pk)
    assert first.answers == [1.3, 7.5, 10, 0.1] and isinstance(first.answers[2], int)
    assert second.answers == [0.7, None, 3, 9.9]
    assert first.scores == {"total": pytest.approx(18.9)} and second.scores == {"total": None}
    assert first.bands == {"total": str(expected.bands["total"][0])}
    assert second.bands == {"total": ""}  # the engine's code for a score it could not compute
    listed = dict(Measurement.objects.values_list("pk", "scores"))
    assert listed == {complete.pk: first.scores, partial.pk: {"total": None}}


def test_a_score_and_a_band_in_sql_are_the_stored_values_and_null_when_missing(
    aarhus_caseworker, aarhus, intervention, baseline, ors, sdq
):
    _measure(aarhus_caseworker, aarhus, intervention, baseline, ors, [1.3, 7.5, 10, 0.1], n=1)
    _measure(aarhus_caseworker, aarhus, intervention, baseline, ors, [2.5, 2.5, 2.5, 2.5], n=2)
    _measure(aarhus_caseworker, aarhus, intervention, baseline, ors, [0.7, None, 3, 9.9], n=3)
    _measure(aarhus_caseworker, aarhus, intervention, baseline, sdq, [1] * 25, n=4)  # another instrument
    found = Measurement.objects.filter(instrument=ors).aggregate(
        mean=Avg(score_value("total")), scored=Count(score_value("total")), n=Count("pk")
    )
    assert found == {"mean": pytest.approx((18.9 + 10.0) / 2), "scored": 2, "n": 3}
    bands = dict(
        Measurement.objects.filter(instrument=ors)
        .annotate(band=band_value("total"))
        .values_list("pk", "band")
    )
    assert bands == {m.pk: m.bands["total"] for m in Measurement.objects.filter(instrument=ors)}
    # a key the instrument does not have is NULL, not another instrument's value
    assert Measurement.objects.filter(instrument=sdq).aggregate(v=Avg(score_value("total")))["v"] is None


def test_a_second_import_reuses_known_children_and_enrols_each_once(
    aarhus_caseworker, aarhus, intervention, baseline, month6, sdq
):
    known = [
        register_participant(
            actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=fake_cpr(n)
        )
        for n in range(3)
    ]
    commit_import(
        actor=aarhus_caseworker, job=validated_import(aarhus_caseworker, aarhus, baseline, sdq, sdq_rows(6))
    )
    assert Participant.objects.count() == 6 and Enrolment.objects.count() == 6
    assert set(Measurement.objects.values_list("participant_id", flat=True)) >= {p.pk for p in known}
    later = sdq_rows(6, start=3, measured_on="2025-07-01")  # children 3-5 known, 6-8 new
    commit_import(
        actor=aarhus_caseworker, job=validated_import(aarhus_caseworker, aarhus, month6, sdq, later)
    )
    assert Participant.objects.count() == 9
    assert Enrolment.objects.count() == 9
    assert Enrolment.objects.values("participant_id", "intervention_id").distinct().count() == 9
    assert Measurement.objects.filter(round=baseline).count() == 6
    assert Measurement.objects.filter(round=month6).count() == 6
    # every measurement points at its own child's participant (pseudonym of the same CPR)
    by_child = {
        (m.participant.pseudonym, m.round_id) for m in Measurement.objects.select_related("participant")
    }
    assert len(by_child) == 12


def test_every_enrolment_carries_its_childs_municipality_whichever_way_it_was_written(
    aarhus_caseworker, aarhus, intervention, baseline, sdq
):
    """Enrolment.municipality is copied from the participant (the index that answers "which interventions
    does a municipality take part in"): by the bulk import on either database and by the services."""
    register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=fake_cpr(0)
    )
    commit_import(
        actor=aarhus_caseworker, job=validated_import(aarhus_caseworker, aarhus, baseline, sdq, sdq_rows(5))
    )
    rows = list(Enrolment.objects.values_list("municipality_id", "participant__municipality_id"))
    assert len(rows) == 5
    assert all(copied == own == aarhus.pk for copied, own in rows)


def test_imports_written_in_one_transaction_reuse_the_staging_tables(
    aarhus_caseworker, aarhus, intervention, baseline, month6, sdq
):
    """The demo writes hundreds of imports in one transaction: each must not keep locks of its own staging
    tables until the end (thousands exhausted PostgreSQL's lock table: "out of shared memory")."""
    if connection.vendor != "postgresql":
        pytest.skip("staging tables are PostgreSQL's")

    def locks_held() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()")
            return int(cursor.fetchone()[0])

    held = []
    for n, (measurement_round, measured_on) in enumerate(
        [(baseline, "2025-02-10"), (month6, "2025-07-01"), (baseline, "2025-02-11"), (month6, "2025-07-02")]
    ):
        rows = sdq_rows(3, start=3 * n, measured_on=measured_on)  # new children each time
        job = validated_import(aarhus_caseworker, aarhus, measurement_round, sdq, rows)
        commit_import(actor=aarhus_caseworker, job=job)
        held.append(locks_held())
    # the first imports may take a lock mode more on the same tables; then the count stays put
    assert held[3] == held[2], held
    assert Measurement.objects.count() == 12


def test_a_constraint_violated_inside_the_write_leaves_no_participant_enrolment_or_measurement(
    aarhus_caseworker, aarhus, intervention, baseline, sdq
):
    job = validated_import(aarhus_caseworker, aarhus, baseline, sdq, sdq_rows(10))
    # after the check, child 5 is measured in the same round another way: the import's row for child 5
    # now breaks the unique (participant, round, instrument) half-way through the write
    _measure(aarhus_caseworker, aarhus, intervention, baseline, sdq, [1] * 25, n=5)
    before = (Participant.objects.count(), Enrolment.objects.count(), Measurement.objects.count())
    with pytest.raises(IntegrityError):
        commit_import(actor=aarhus_caseworker, job=job)
    assert (Participant.objects.count(), Enrolment.objects.count(), Measurement.objects.count()) == before
    assert before == (1, 1, 1)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_a_new_child_written_meanwhile_by_another_import_is_reused_not_doubled(
    aarhus_caseworker, aarhus, intervention, baseline, sdq
):
    """Between the import's look-up of known children and its copy of the new ones, another transaction
    commits one of those children: the copy breaks the unique (municipality, pseudonym), is undone to its
    savepoint, and the children are written set-based instead, reusing the other one's participant."""
    if connection.vendor != "postgresql":
        pytest.skip("the binary copy of new children is PostgreSQL's")
    job = validated_import(aarhus_caseworker, aarhus, baseline, sdq, sdq_rows(10))
    taken = bulk_write.load_payload(job).pseudonym(4)
    side = connections.create_connection("default")
    theirs = []

    def on_phase(name: str, seconds: float) -> None:
        if name == "known participants locked":
            with side.cursor() as cursor:  # autocommit: committed before the import copies its children
                cursor.execute(
                    "INSERT INTO outcomes_participant (municipality_id, pseudonym, birth_year, sex,"
                    " local_reference, created_at) VALUES (%s, %s, 2015, 'male', '', now()) RETURNING id",
                    [aarhus.pk, taken],
                )
                theirs.append(cursor.fetchone()[0])

    try:
        commit_import(actor=aarhus_caseworker, job=job, on_phase=on_phase)
    finally:
        side.close()
    assert Participant.objects.count() == 10 and Enrolment.objects.count() == 10
    assert Measurement.objects.count() == 10
    assert Measurement.objects.filter(participant_id=theirs[0]).count() == 1
    assert Participant.objects.get(pk=theirs[0]).pseudonym == taken


def test_every_imported_row_keeps_its_own_answers_scores_and_bands(
    aarhus_caseworker, aarhus, baseline, sdq, monkeypatch
):
    """Varied answers (many band combinations, of different widths, some answers missing), scored in
    chunks of 37 rows on PostgreSQL: each stored measurement is the engine's scoring of its own row alone."""
    monkeypatch.setattr(bulk_write, "SCORE_CHUNK", 37)
    rng = np.random.default_rng(16)
    rows = []
    for n in range(400):
        answers = [str(v) for v in rng.integers(0, 3, 25)]
        for i in np.flatnonzero(rng.random(25) < 0.08).tolist():
            answers[i] = ""
        rows.append([fake_cpr(n), "2025-02-10", *answers])
    commit_import(
        actor=aarhus_caseworker, job=validated_import(aarhus_caseworker, aarhus, baseline, sdq, rows)
    )
    engine = engine_instrument(sdq)
    by_pseudonym = {m.participant.pseudonym: m for m in Measurement.objects.select_related("participant")}
    assert len(by_pseudonym) == 400
    combinations = set()
    for n, row in enumerate(rows):
        stored = by_pseudonym[
            pseudonym(fake_cpr(n), key=pseudonym_key(), municipality_code=aarhus.municipality_code)
        ]
        matrix = np.array([[float(v) if v else np.nan for v in row[2:]]])
        expected = score(engine, matrix)
        assert [None if v == "" else int(v) for v in row[2:]] == stored.answers
        for key in expected.score_keys:
            value = float(expected.scores[key][0])
            assert (stored.scores[key] is None) if np.isnan(value) else stored.scores[key] == value, key
        assert stored.bands == {key: str(codes[0]) for key, codes in expected.bands.items()}
        combinations.add(tuple(sorted(stored.bands.items())))
    assert len(combinations) > 20


def test_the_validated_rows_kept_on_a_job_come_back_exactly():
    rows = importing.ValidatedRows(
        pseudonyms=np.array([b"0123456789abcdef" * 4, b"fedcba9876543210" * 4]),
        birth_years=np.array([2010, 2015]),
        sexes=np.array(["female", "male"]),
        ages=np.array([14, 9]),
        dates=np.array(["2025-02-10", "2025-03-01"], dtype="datetime64[D]"),
        answers=np.array([[0.1, np.nan, 7.3], [10.0, 2.0, np.nan]]),
    )
    back = bulk_write.decode_rows(bulk_write.encode_rows(rows))
    assert back.pseudonyms.tolist() == rows.pseudonyms.tolist()
    assert back.birth_years.tolist() == [2010, 2015] and back.sexes.tolist() == ["female", "male"]
    assert back.ages.tolist() == [14, 9] and back.dates.tolist() == rows.dates.tolist()
    assert np.array_equal(back.answers, rows.answers, equal_nan=True)
    # rows kept by the previous format (a job validated before an upgrade) still load
    old = bulk_write.decode_rows(rows.to_bytes())
    assert np.array_equal(old.answers, rows.answers, equal_nan=True)


@pytest.mark.parametrize(
    "answers",
    [
        [[0.0, 1.0, 2.0], [np.nan, 254.0, 0.0]],  # small whole numbers: a byte each (value + 1)
        [[0.0, 1.0, 255.0], [np.nan, 2.0, 0.0]],  # 255 does not fit: codes into the distinct values
        [[0.5, 1.0, 2.0], [np.nan, 2.0, -3.0]],
    ],
)
def test_kept_answers_come_back_exactly_whichever_coding_they_take(answers):
    matrix = np.array(answers)
    rows = importing.ValidatedRows(
        pseudonyms=np.array([b"0123456789abcdef" * 4, b"fedcba9876543210" * 4]),
        birth_years=np.array([2010, 2015]),
        sexes=np.array(["female", "male"]),
        ages=np.array([14, 9]),
        dates=np.array(["2025-02-10", "2025-03-01"], dtype="datetime64[D]"),
        answers=matrix,
    )
    back = bulk_write.decode_rows(bulk_write.encode_rows(rows)).answers
    assert back.shape == matrix.shape
    assert back.dtype == np.float64 and np.array_equal(back, matrix, equal_nan=True)


OLD_STATE = ("outcomes", "0003_participant_local_reference")
NEW_STATE = ("outcomes", "0004_typed_measurements")


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_answers_scores_and_bands_exactly(
    aarhus_caseworker, aarhus, intervention, baseline, ors
):
    child = register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=fake_cpr(1)
    )
    executor = MigrationExecutor(connection)
    executor.migrate([OLD_STATE])
    rows = [
        ([1.3, None, 10, 0.1], {"total": 18.9, "extra": None}, {"total": "clinical", "extra": ""}),
        ([2, 2, 2, 2], {"total": 8}, {"total": "clinical"}),
    ]
    rounds = [baseline.pk]
    second = type(baseline).objects.create(
        intervention=intervention, kind="m6", opens_on=ON, closes_on=ON + datetime.timedelta(days=90)
    )
    rounds.append(second.pk)
    with connection.cursor() as cursor:
        for (answers, scores, bands), round_id in zip(rows, rounds, strict=True):
            cursor.execute(
                "INSERT INTO outcomes_measurement (participant_id, round_id, instrument_id, municipality_id, "
                "measured_on, age, answers, scores, bands, engine_version, created_at) "
                "VALUES (%s, %s, %s, %s, %s, 10, %s, %s, %s, '1', %s)",
                [
                    child.pk,
                    round_id,
                    ors.pk,
                    aarhus.pk,
                    ON,
                    json.dumps(answers),
                    json.dumps(scores),
                    json.dumps(bands),
                    datetime.datetime.now(tz=datetime.UTC),
                ],
            )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([NEW_STATE])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    moved = {m.round_id: m for m in Measurement.objects.all()}
    first, other = moved[baseline.pk], moved[second.pk]
    assert first.answers == [1.3, None, 10, 0.1] and isinstance(first.answers[2], int)
    assert first.scores == {"total": 18.9, "extra": None}
    assert first.bands == {"total": "clinical", "extra": ""}
    assert (
        other.answers == [2, 2, 2, 2]
        and other.scores == {"total": 8}
        and other.bands == {"total": "clinical"}
    )
    assert Measurement.objects.aggregate(v=Avg(score_value("total")))["v"] == pytest.approx((18.9 + 8) / 2)
    assert Measurement.objects.aggregate(v=Count(score_value("extra")))["v"] == 0


@pytest.mark.parametrize("late", [None, 255.0, -0.0, 0.5])
def test_kept_rows_are_converted_in_chunks_and_come_back_exactly(monkeypatch, late):
    """encode_rows converts ENCODE_CHUNK rows at a time: a value that does not fit a byte in a later
    chunk than the first still gives the general coding, and every row comes back exactly."""
    monkeypatch.setattr(bulk_write, "ENCODE_CHUNK", 7)
    rng = np.random.default_rng(3)
    n = 30
    matrix = rng.integers(0, 3, size=(n, 4)).astype(np.float64)
    matrix[rng.random(matrix.shape) < 0.1] = np.nan
    if late is not None:
        matrix[n - 2, 1] = late
    digests = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    rows = importing.ValidatedRows(
        pseudonyms=np.array([bytes(d).hex().encode() for d in digests]),
        birth_years=np.full(n, 2012),
        sexes=np.where(np.arange(n) % 2 == 0, "female", "male"),
        ages=np.full(n, 12),
        dates=np.full(n, np.datetime64("2025-02-10", "D")),
        answers=matrix,
    )
    with np.load(io.BytesIO(bulk_write.encode_rows(rows))) as arrays:
        assert arrays["pseudonyms"].tolist() == digests.tolist()  # raw bytes, every chunk
        assert (arrays["answer_codes"].dtype == np.uint8) and (len(arrays["answer_values"]) == 256) == (
            late is None
        )
    back = bulk_write.decode_rows(bulk_write.encode_rows(rows))
    assert back.pseudonyms.tolist() == rows.pseudonyms.tolist()
    assert np.array_equal(back.answers, matrix, equal_nan=True)
    assert np.signbit(back.answers[n - 2, 1]) == (late is not None and np.signbit(late))


def test_a_pseudonym_that_is_not_hex_in_a_later_chunk_is_kept_as_text(monkeypatch):
    monkeypatch.setattr(bulk_write, "ENCODE_CHUNK", 2)
    texts = [b"ab" * 32] * 5 + [b"zz" * 32]
    rows = importing.ValidatedRows(
        pseudonyms=np.array(texts),
        birth_years=np.full(6, 2012),
        sexes=np.full(6, "male"),
        ages=np.full(6, 12),
        dates=np.full(6, np.datetime64("2025-02-10", "D")),
        answers=np.zeros((6, 2)),
    )
    assert bulk_write.decode_rows(bulk_write.encode_rows(rows)).pseudonyms.tolist() == texts
