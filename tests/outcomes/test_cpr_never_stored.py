"""A CPR number is never stored or logged, in any path (issue 11, point 3).

Files with CPR numbers in every column and place (swapped cpr and date columns, an answer column, the
header row, the column mapping, the file name, CSV and .xlsx, the outcomes and the dose/fidelity import)
go through the web pages and the services; then every table of the database is read row by row, and
everything the configured log handlers wrote (the development server's access log included) is
searched: 0 occurrences, with or without the hyphen."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from indsats.evaluation import services as evaluation_services
from indsats.interventions import services as intervention_services
from indsats.outcomes.models import ImportJob, ImportStatus, Measurement
from indsats.outcomes.services.participants import register_participant
from tests.conftest import logged_in
from tests.outcomes.files import HEADER, csv_bytes, fake_cpr, sdq_rows, xlsx_bytes

CPRS = ["110713-9103", "291116-7074", "070761-4285"]  # the and a made-up one
KNOWN = [fake_cpr(n) for n in range(4)]  # the children of the valid import


def occurrences(text: str, numbers: list[str]) -> list[str]:
    flat = text.replace("-", "")
    return [n for n in numbers if n.replace("-", "") in flat]


def database_text() -> str:
    """Every value of every row of every table, as text (bytes read as Latin-1)."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (table names from the schema)
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        parts.append(str(value))
    return "\n".join(parts)


@pytest.fixture
def log_output():
    """What every configured handler writes, collected in one buffer (the filters stay in place)."""
    buffer = io.StringIO()
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
    swapped = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and handler not in [h for h, _ in swapped]:
                swapped.append((handler, handler.setStream(buffer)))
    assert swapped, "no stream handler is configured"
    yield buffer
    for handler, stream in swapped:
        handler.setStream(stream)


def test_every_handler_masks_cpr_numbers():
    from indsats.config.log_filters import MaskCprFilter  # the filter of the settings' LOGGING

    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
    unmasked = [
        (getattr(logger, "name", "?"), handler)
        for logger in loggers
        for handler in getattr(logger, "handlers", [])
        if not any(isinstance(f, MaskCprFilter) for f in handler.filters)
        and not type(handler).__module__.startswith("_pytest")  # pytest's own capture
        and not isinstance(handler, logging.NullHandler)
    ]
    assert unmasked == []


def post_import(client, baseline, sdq, aarhus, name, content, mapping=""):
    return client.post(
        reverse("outcomes:import_start"),
        {
            "round": baseline.pk,
            "instrument": sdq.pk,
            "municipality": aarhus.pk,
            "source_system": "other",
            "file": SimpleUploadedFile(name, content),
            "mapping": mapping,
            "save_mapping": "on" if mapping else "",
        },
    )


def test_cpr_numbers_in_every_place_end_up_nowhere(
    aarhus_caseworker,
    aarhus,
    agency_staff,
    intervention,
    baseline,
    sdq,
    tasks_immediate,
    django_capture_on_commit_callbacks,
    log_output,
):
    client = logged_in(aarhus_caseworker)
    a, b, c = CPRS
    # 1. cpr and date columns swapped, under a CPR-shaped file name
    swapped = [[row[1], row[0], *row[2:]] for row in sdq_rows(3)]
    swapped[0][0] = a
    post_import(
        client,
        baseline,
        sdq,
        aarhus,
        f"{a.replace('-', '')}.csv",
        csv_bytes(["cpr", "dato", *HEADER[2:]], swapped),
    )
    # 2. a CPR number as an answer, in the date column and as a header (no header row), hyphen or not
    rows = sdq_rows(3)
    rows[0][2], rows[1][1] = b, b.replace("-", "")
    post_import(client, baseline, sdq, aarhus, f"{b}.csv", csv_bytes(HEADER, rows))
    post_import(
        client, baseline, sdq, aarhus, "ingen-overskrift.csv", csv_bytes([c, *HEADER[1:]], sdq_rows(2))
    )
    # 3. the same in an .xlsx, with CPR numbers as numbers and a CPR-shaped mapping line
    xrows: list[list[object]] = [list(r) for r in sdq_rows(3)]
    xrows[0][1], xrows[1][5] = int(c.replace("-", "")), c
    post_import(
        client,
        baseline,
        sdq,
        aarhus,
        f"{c}.xlsx",
        xlsx_bytes(HEADER, xrows),
        mapping=f"{c.replace('-', '')} = sdq1",
    )
    # 4. a valid file, committed: only pseudonyms are stored
    post_import(client, baseline, sdq, aarhus, f"{a}.csv", csv_bytes(HEADER, sdq_rows(4)))
    job = ImportJob.objects.get(status=ImportStatus.VALIDATED)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("outcomes:import_commit", args=[job.pk]))
    assert Measurement.objects.count() == 4
    # 5. the dose/fidelity import: an unknown child, a CPR number as sessions, a CPR-shaped file name
    register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=KNOWN[0]
    )
    for content in (
        f"cpr;sessions;fidelity\n{a};1;0,5\n{KNOWN[0]};{b};1\n".encode(),
        f"cpr;sessions;fidelity\n{KNOWN[0]};4;0,5\n".encode(),
    ):
        client.post(
            reverse("evaluation:exposure_import", args=[intervention.pk]),
            {"file": SimpleUploadedFile(f"{c.replace('-', '')}.csv", content)},
        )
    evaluation_services.import_exposures(
        actor=aarhus_caseworker,
        intervention=intervention,
        content=b"pseudonym;sessions\n" + a.encode(),
        file_name=f"{b}.txt",
    )
    # 6. a material under a CPR-shaped name, and URLs with CPR numbers (the access log below)
    intervention_services.add_material(
        actor=agency_staff,
        intervention=intervention,
        title="Plan",
        kind="material",
        file=SimpleUploadedFile(f"plan {a}.pdf", b"%PDF-1.4 x"),
    )
    for url in (f"/indsatser/?q={a}", f"/historik/?q={b.replace('-', '%2D')}", f"/api/interventions/?q={c}"):
        logged_in(agency_staff).get(url)
        logging.getLogger("django.server").info('"%s" %s %s', f"GET {url} HTTP/1.1", "200", "512")
    logging.getLogger("indsats").error("import failed for %s", a, exc_info=ValueError(f"bad {b}"))

    stored_jobs = ImportJob.objects.count()
    assert stored_jobs == 5
    assert occurrences(database_text(), CPRS + KNOWN) == []
    written = log_output.getvalue()
    assert "GET /indsatser/?q=[CPR]" in written  # the access log was written, masked
    assert occurrences(written, CPRS + KNOWN) == []


def test_gunicorns_access_and_error_logs_are_masked(tmp_path):
    script = """
import types, datetime
from gunicorn.config import Config
from gunicorn.glogging import Logger
config = Config()
import indsats.config.gunicorn as settings
config.set("accesslog", settings.accesslog)
config.set("logconfig_dict", settings.logconfig_dict)
logger = Logger(config)
response = types.SimpleNamespace(status="200 OK", sent=10, response_length=10, headers=[])
request = types.SimpleNamespace(headers=[], uri="/indsatser/?q=110713-9103", path="/indsatser/",
    query="q=110713-9103", method="GET", version=(1, 1), remote_addr="127.0.0.1")
environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/indsatser/?q=110713-9103", "PATH_INFO": "/indsatser/",
    "QUERY_STRING": "q=110713-9103", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
logger.access(response, request, environ, datetime.timedelta(seconds=0.1))
logger.error("worker failed on /historik/?q=%s", "2911167074")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    written = done.stdout + done.stderr
    assert "/indsatser/?q=[CPR]" in written and "/historik/?q=[CPR]" in written
    assert occurrences(written, CPRS) == []
