"""How long does one request of the outcomes insight page take with many measurements on PostgreSQL?

One intervention with three rounds, children in all 98 municipalities, each measured with SDQ in every
round (about 2 % of the scores missing), generated in the database with INSERT ... SELECT (no import:
this measures the page, not the import). It reports the time of one request (median of REPEAT after one
warm-up) for the agency with a municipality chosen and for a municipality's caseworker, the number of SQL
queries and the process's peak memory: computed live from the measurements, then read from the summary
table (InsightSummary) after a refresh, whose time it reports too.

Run: ``.venv/bin/python benchmarks/bench_insight.py 100000 1000000`` (numbers of measurements). It uses
the scratch database BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/indsats_insight_bench),
creates and migrates it, and keeps the generated rows between runs of the same size, so that an older
checkout can be measured on the same data (``PYTHONPATH=old/src python benchmarks/bench_insight.py ...``).

The rows are written straight into ``outcomes_measurement`` with scores and bands as JSON: if their storage
changes, ``_generate`` changes with it.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time

import psycopg

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/indsats_insight_bench"
)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indsats.config.settings_test")
REPEAT = 3
ROUNDS = ("baseline", "m6", "m12")


def _create_database() -> None:
    server, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


_create_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]


def _setup() -> tuple:
    from indsats.accounts import demo as accounts_demo
    from indsats.accounts.models import Organisation, OrganisationKind
    from indsats.interventions.models import Intervention
    from indsats.outcomes.models import Instrument, MeasurementRound
    from indsats.outcomes.registry import ensure_builtin_instruments

    call_command("migrate", verbosity=0)
    if not Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).exists():
        accounts_demo.load(accounts_demo.DemoContext(scale=1, seed=7, log=lambda _message: None))
    ensure_builtin_instruments()
    intervention = Intervention.objects.filter(name="Insight-benchmark").first()
    if intervention is None:
        agency = Organisation.objects.filter(kind=OrganisationKind.AGENCY).first()
        intervention = Intervention.objects.create(
            name="Insight-benchmark",
            short_description="Benchmark",
            origin="agency",
            owner=agency,
            state_entered_at=timezone.now(),
        )
        for order, kind in enumerate(ROUNDS):
            day = timezone.localdate().replace(month=1, day=1).replace(year=2024 + order)
            MeasurementRound.objects.create(
                intervention=intervention, kind=kind, opens_on=day, closes_on=day, order=order
            )
    sdq = Instrument.objects.get(key="sdq-parent-4-17", version=1)
    return intervention, sdq


def _generate(intervention, sdq, measurements: int) -> None:
    """Children spread over the municipalities, each measured in every round: ``measurements`` rows."""
    from django.db.models import F

    from indsats.accounts.models import Organisation, OrganisationKind
    from indsats.outcomes.measurement_fields import slot_positions
    from indsats.outcomes.models import InsightVersion, Measurement, MeasurementRound
    from indsats.outcomes.registry import engine_instrument

    rounds = list(MeasurementRound.objects.filter(intervention=intervention).order_by("order"))
    if Measurement.objects.filter(round__in=rounds).count() == measurements // len(rounds) * len(
        rounds
    ) and not os.environ.get("BENCH_REGENERATE"):
        return
    started = time.perf_counter()
    engine = engine_instrument(sdq)
    children = measurements // len(rounds)
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).values_list("pk", flat=True)
    )
    # scores and bands as stored on PostgreSQL (outcomes/measurement_fields.py): arrays by score slot,
    # NaN for a score that could not be computed
    positions = slot_positions(engine.score_keys, connection)
    by_position = {position: key for key, position in positions.items()}
    scores, bands = [], []
    for position in range(1, max(by_position) + 1):
        key = by_position.get(position)
        if key is None:
            scores.append("NULL")
            bands.append("NULL")
            continue
        low, high = engine.score_range(key)
        codes = engine.band_order(key)
        # a score drifting with the child and the round; a band from the score's place in its range
        value = f"round(({low} + ({high} - {low}) * ((p.id * 7919 + r.ord * 31) %% 100) / 100.0)::numeric, 1)"
        scores.append(f"CASE WHEN (p.id + r.ord) %% 50 = 0 THEN 'NaN'::float8 ELSE {value}::float8 END")
        band = " ".join(
            f"WHEN (p.id * 7919 + r.ord * 31) %% 100 < {100 * (i + 1) // len(codes)} THEN '{code}'"
            for i, code in enumerate(codes)
        )
        bands.append(f"CASE {band} ELSE '{codes[-1]}' END")
    with connection.cursor() as cursor:
        # a scratch database: emptied outright, so that no dead rows of an earlier size are scanned
        cursor.execute("TRUNCATE outcomes_measurement, outcomes_enrolment, outcomes_participant CASCADE")
        cursor.execute(
            "INSERT INTO outcomes_participant (municipality_id, pseudonym, birth_year, sex, local_reference,"
            " created_at) SELECT (%s::bigint[])[1 + i %% %s], md5(i::text) || md5('x' || i::text), 2012,"
            " 'male', '', now() FROM generate_series(1, %s) i",
            [municipalities, len(municipalities), children],
        )
        cursor.execute(
            "INSERT INTO outcomes_enrolment (participant_id, intervention_id, municipality_id, created_at)"
            " SELECT id, %s, municipality_id, now() FROM outcomes_participant",
            [intervention.pk],
        )
        cursor.execute(
            "INSERT INTO outcomes_measurement (participant_id, round_id, instrument_id, municipality_id,"  # noqa: S608 - the SQL is generated here
            " measured_on, age, answers, scores, bands, engine_version, created_at)"
            " SELECT p.id, r.id, %s, p.municipality_id, r.opens_on, 12, '{}'::float8[],"
            f" ARRAY[{', '.join(scores)}]::float8[], ARRAY[{', '.join(bands)}]::text[],"
            " 'bench', now() FROM outcomes_participant p CROSS JOIN (SELECT id, opens_on,"
            ' "order" AS ord FROM outcomes_measurementround WHERE intervention_id = %s) r',
            [sdq.pk, intervention.pk],
        )
        cursor.execute("VACUUM ANALYZE outcomes_measurement")
    # written past the services: the summary is marked out of date by hand, as measurements_changed does
    InsightVersion.objects.filter(intervention=intervention, instrument=sdq).update(version=F("version") + 1)
    print(f"generated {measurements} measurements in {time.perf_counter() - started:.1f} s")


def _time_page(client: Client, url: str) -> tuple[float, int]:
    client.get(url)
    timings = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings), len(queries)


def main(sizes: list[int]) -> None:
    from indsats.accounts.models import Organisation, User
    from indsats.outcomes.models import InsightVersion
    from indsats.outcomes.services.insight_summary import refresh_insight_summary

    intervention, sdq = _setup()
    odense = Organisation.objects.get(name="Odense Kommune")
    url = reverse("outcomes:insight") + f"?intervention={intervention.pk}&instrument={sdq.pk}"
    clients = {}
    for label, username in (("agency", "styrelse"), ("municipality", "sagsbehandler-odense")):
        client = Client()
        client.force_login(
            User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
        )
        clients[label] = client
    for size in sizes:
        _generate(intervention, sdq, size)
        InsightVersion.objects.filter(intervention=intervention, instrument=sdq).update(summary_version=None)
        for source in ("live", "summary"):
            if source == "summary":
                started = time.perf_counter()
                written = refresh_insight_summary(intervention_id=intervention.pk, instrument_id=sdq.pk)
                print(
                    f"{size:>9} measurements  refresh of the summary {time.perf_counter() - started:6.1f} s"
                    f"  ({written} rows)"
                )
            for label, client in clients.items():
                page = url + (f"&municipality={odense.pk}" if label == "agency" else "")
                seconds, queries = _time_page(client, page)
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(
                    f"{size:>9} measurements  {source:<8} {label:<12} {seconds * 1000:8.0f} ms  "
                    f"{queries:3d} queries  peak RSS {peak:.0f} MB"
                )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000])
