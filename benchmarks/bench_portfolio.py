"""How fast are the portfolio board and table at national scale? 1,000 interventions with their whole
history (phases, checklists, gate reviews, events, partners, practice assessments, declarations) and
the 98 municipalities, served by a real WSGI server on 127.0.0.1.

The peer: a minimal Django view (log-in required, returns "ok") on the same server, through the same
middleware, so the ratio is what the pages cost beyond Django's own floor. The goal: the p95 of each
page at most 3x the minimal view's p95. It also reports the SQL queries per page.

Run: ``.venv/bin/python benchmarks/bench_portfolio.py`` (about half a minute on SQLite; set
DATABASE_URL=postgres://... to measure on PostgreSQL, an empty database it may migrate).
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
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

COUNT = 1000
REQUESTS = 40
WARMUP = 5
GOAL = 3.0

workdir = tempfile.mkdtemp(prefix="indsats-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(workdir) / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indsats.config.settings_test")

warnings.filterwarnings("ignore", message="No directory at")

# The project's URLs plus the minimal peer view, as their own URLconf module.
bench_urls = types.ModuleType("bench_urls")
sys.modules["bench_urls"] = bench_urls

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402

import indsats.config.urls as project_urls  # noqa: E402


@login_required
def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


bench_urls.urlpatterns = [path("bench/minimal/", minimal), *project_urls.urlpatterns]  # type: ignore[attr-defined]
for name in ("handler403", "handler404", "handler500"):
    setattr(bench_urls, name, getattr(project_urls, name))
settings.ROOT_URLCONF = "bench_urls"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


def build() -> tuple[str, int]:
    from indsats.demodata import DemoContext

    from indsats.accounts import demo as accounts_demo
    from indsats.accounts.models import Organisation, OrganisationKind, User
    from indsats.interventions.demo import build_portfolio, generated_specs
    from indsats.interventions.models import Intervention, ProblemArea
    from indsats.interventions.playbook import ensure_playbook

    call_command("migrate", verbosity=0)
    if Organisation.objects.exists():
        raise SystemExit("The benchmark needs an empty database (it loads its own data).")
    ensure_playbook()
    context = DemoContext(scale=1, seed=7, log=lambda _message: None)
    accounts_demo.load(context)
    municipalities = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY))
    owners = [context.objects["agency"], context.objects["foundation"], *municipalities[:10]]
    areas = list(ProblemArea.objects.values_list("name", flat=True))
    started = time.perf_counter()
    build_portfolio(
        specs=generated_specs(COUNT, random.Random(7), areas),
        rng=random.Random(8),
        agency_actor=context.objects["users"]["styrelse"],
        steering_actor=context.objects["users"]["styregruppe"],
        municipalities=municipalities,
        owners=owners,
    )
    print(
        f"built {Intervention.objects.count()} interventions and {len(municipalities)} municipalities "
        f"in {time.perf_counter() - started:.1f} s ({connection.vendor})"
    )
    client = Client()
    client.force_login(
        User.objects.get(username="styregruppe"), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client.cookies[settings.SESSION_COOKIE_NAME].value, Intervention.objects.count()


def query_counts(cookie: str, pages: dict[str, str]) -> dict[str, int]:
    """Queries per page as built (cache emptied first)."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    counts = {}
    for name, url in pages.items():
        client.get(url)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = len(queries)
    return counts


def measure(port: int, cookie: str, url: str, *, cold: bool = False) -> list[float]:
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Host": "127.0.0.1"}
    timings = []
    for index in range(WARMUP + REQUESTS):
        if cold:
            cache.clear()
        started = time.perf_counter()
        connection_.request("GET", url, headers=headers)
        response = connection_.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}: {body[:200]!r}")
        if index >= WARMUP:
            timings.append(elapsed)
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            connection_.close()
            connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection_.close()
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> int:
    cookie, count = build()
    from django.core.wsgi import get_wsgi_application

    pages = {
        "minimal view": "/bench/minimal/",
        "board": "/indsatser/tavle/",
        "table": "/indsatser/tabel/",
        "table, filtered, page 3": "/indsatser/tabel/?fase=testing&side=3&sortering=tid",
    }
    queries = query_counts(cookie, pages)
    server: WSGIServer = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    results = {name: measure(port, cookie, url) for name, url in pages.items()}
    # the same pages built afresh every time (the cache emptied before each request): after a write
    for name, url in list(pages.items())[1:]:
        results[f"{name} (built)"] = measure(port, cookie, url, cold=True)
        queries[f"{name} (built)"] = queries[name]
    server.shutdown()

    floor = p95(results["minimal view"])
    print(f"\n{count} interventions, {REQUESTS} requests per page after {WARMUP} warm-up, one server thread")
    print(f"{'page':<34}{'median ms':>10}{'p95 ms':>9}{'x minimal':>11}{'queries':>9}")
    worst = worst_built = 0.0
    for name, timings in results.items():
        ratio = p95(timings) / floor
        if name.endswith("(built)"):
            worst_built = max(worst_built, ratio)
        elif name != "minimal view":
            worst = max(worst, ratio)
        print(
            f"{name:<34}{statistics.median(timings) * 1000:>10.1f}{p95(timings) * 1000:>9.1f}"
            f"{ratio:>10.1f}x{queries[name]:>9}"
        )
    verdict = "met" if worst <= GOAL else "NOT met"
    print(f"\nworst page p95 / minimal view p95 = {worst:.1f}x (goal at most {GOAL:.0f}x): {verdict}")
    print(f"worst page built afresh (after a write) = {worst_built:.1f}x the minimal view")
    return 0


if __name__ == "__main__":
    sys.exit(main())
