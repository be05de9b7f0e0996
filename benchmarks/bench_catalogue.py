"""How fast is the public catalogue with 1,000 published interventions under 20 concurrent anonymous
visitors? The search page (plain, with a search word, with filters) and an intervention page, served by
a threaded WSGI server on 127.0.0.1.

The peer: a minimal Django view (anonymous, returns "ok") on the same server, through the same
middleware, so the ratio is what the pages cost beyond Django's own floor. The goal (issue #13): the
p95 of each page at most 3x the minimal view's p95 under the same load. It also reports the SQL queries
per page when built afresh (cache emptied) and served from the cache.

Run: ``.venv/bin/python benchmarks/bench_catalogue.py`` (SQLite in a temporary file), or with
DATABASE_URL=postgres://... for PostgreSQL (full-text search with the danish configuration; an empty
database it may migrate).
"""

from __future__ import annotations

import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import types
import warnings
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

COUNT = int(os.environ.get("BENCH_COUNT", "1000"))
CLIENTS = 20
REQUESTS_PER_CLIENT = 10
GOAL = 3.0

workdir = tempfile.mkdtemp(prefix="indsats-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(workdir) / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indsats.config.settings_test")
warnings.filterwarnings("ignore", message="No directory at")

bench_urls = types.ModuleType("bench_urls")
sys.modules["bench_urls"] = bench_urls

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

import indsats.config.urls as project_urls  # noqa: E402


def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


bench_urls.urlpatterns = [path("bench/minimal/", minimal), *project_urls.urlpatterns]  # type: ignore[attr-defined]
for name in ("handler403", "handler404", "handler500"):
    setattr(bench_urls, name, getattr(project_urls, name))
settings.ROOT_URLCONF = "bench_urls"
settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


class ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # 20 clients connecting at once must not wait for a SYN retry


WORDS = [
    "skolefraværet",
    "familien",
    "forældrene",
    "trivsel",
    "relationer",
    "netværket",
    "skolen",
    "mestring",
    "angst",
    "adfærd",
    "anbringelse",
    "plejefamilien",
    "opsporing",
    "samarbejde",
    "sagsbehandleren",
    "gruppeforløb",
    "hverdagen",
    "fritiden",
]


def build() -> str:
    from indsats.accounts import demo as accounts_demo
    from indsats.accounts.demo import DemoContext
    from indsats.accounts.models import Organisation, OrganisationKind
    from indsats.catalogue.services import publish_intervention
    from indsats.interventions.models import Intervention, PartnerRole, Partnership, ProblemArea
    from indsats.interventions.workflow import InterventionState

    call_command("migrate", verbosity=0)
    if Organisation.objects.exists():
        raise SystemExit("The benchmark needs an empty database (it loads its own data).")
    context = DemoContext(scale=1, seed=7, log=lambda _message: None)
    accounts_demo.load(context)
    agency_person = context.objects["users"]["styrelse"]
    municipalities = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY))
    areas = list(ProblemArea.objects.all())
    rng = random.Random(7)
    states = [s for s in InterventionState.values if s != InterventionState.STOPPED]
    now = timezone.now()
    interventions = Intervention.objects.bulk_create(
        Intervention(
            name=f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {number:04d}",
            short_description=" ".join(rng.choice(WORDS) for _ in range(12))[:300],
            description=" ".join(rng.choice(WORDS) for _ in range(120)),
            target_group=" ".join(rng.choice(WORDS) for _ in range(20)),
            age_from=(low := rng.choice([0, 3, 6, 10, 13])),
            age_to=low + rng.choice([3, 5, 8]),
            origin="municipal_practice",
            owner=context.objects["agency"],
            state=rng.choice(states),
            state_entered_at=now,
            activities="Samtaler\nGruppeforløb",
            short_term_outcomes="Bedre trivsel",
            long_term_outcomes="Mindre fravær",
            core_elements="Fast kontaktperson\nFælles plan",
            sessions=rng.choice([8, 10, 12, 20]),
            weeks=rng.choice([8, 12, 16, 24]),
        )
        for number in range(COUNT)
    )
    for intervention in interventions:
        intervention.problem_areas.set(rng.sample(areas, 2))
    Partnership.objects.bulk_create(
        Partnership(intervention=i, municipality=m, role=PartnerRole.OPERATION, joined_on=now.date())
        for i in interventions
        for m in rng.sample(municipalities, 3)
    )
    started = time.perf_counter()
    for intervention in interventions:
        publish_intervention(
            actor=agency_person,
            intervention_id=intervention.pk,
            change_note="Første",
            notify_subscribers=False,
        )
    print(
        f"published {len(interventions)} interventions in {time.perf_counter() - started:.1f} s "
        f"({connection.vendor})"
    )
    from indsats.catalogue.models import Publication

    return Publication.objects.order_by("pk")[COUNT // 2].slug


def query_counts(pages: dict[str, str]) -> dict[str, tuple[int, int, float]]:
    """Queries per page built afresh (cache emptied) and from the cache, and the time to build it once
    (one request, no other load: what the first visitor after a publication waits)."""
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for name, url in pages.items():
        client.get(url)  # imports and templates loaded
        cache.clear()
        with CaptureQueriesContext(connection) as built:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as cached:
            client.get(url)
        counts[name] = (len(built), len(cached), elapsed)
    return counts


def load(port: int, url: str) -> list[float]:
    """CLIENTS threads, each sending REQUESTS_PER_CLIENT requests on its own keep-alive connection."""
    timings: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        own = []
        for _ in range(REQUESTS_PER_CLIENT):
            started = time.perf_counter()
            conn.request("GET", url, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            body = response.read()
            own.append(time.perf_counter() - started)
            if response.status != 200:
                raise SystemExit(f"{url} answered {response.status}: {body[:200]!r}")
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()
        with lock:
            timings.extend(own)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> int:
    slug = build()
    from django.core.wsgi import get_wsgi_application

    pages = {
        "minimal view": "/bench/minimal/",
        "search page": "/katalog/",
        "search: word": "/katalog/?q=skolefrav%C3%A6r",
        "search: filters, page 2": "/katalog/?grade=&age=6-12&sort=newest&page=2",
        "intervention page": f"/katalog/{slug}/",
        "API list": "/api/public/interventions?page_size=20",
    }
    queries = query_counts(pages)
    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=ThreadedServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    for url in pages.values():  # warm-up: fill the caches once
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        warm.request("GET", url, headers={"Host": "127.0.0.1"})
        warm.getresponse().read()
        warm.close()
    results = {name: load(port, url) for name, url in pages.items()}
    server.shutdown()

    floor = p95(results["minimal view"])
    print(
        f"\n{COUNT} published interventions, {CLIENTS} concurrent anonymous clients x {REQUESTS_PER_CLIENT} "
        f"requests per page, threaded WSGI server ({connection.vendor})"
    )
    print(
        f"{'page':<28}{'median ms':>10}{'p95 ms':>9}{'x minimal':>11}{'queries built/cached':>22}"
        f"{'built once ms':>15}"
    )
    worst = 0.0
    for name, timings in results.items():
        ratio = p95(timings) / floor
        if name != "minimal view":
            worst = max(worst, ratio)
        built, cached, once = queries[name]
        print(
            f"{name:<28}{statistics.median(timings) * 1000:>10.1f}{p95(timings) * 1000:>9.1f}"
            f"{ratio:>10.1f}x{built:>14}/{cached:<7}{once * 1000:>15.1f}"
        )
    verdict = "met" if worst <= GOAL else "NOT met"
    print(f"\nworst page p95 / minimal view p95 = {worst:.1f}x (goal at most {GOAL:.0f}x): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
