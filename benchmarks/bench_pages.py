"""Every page against a minimal view, at national scale, on PostgreSQL behind gunicorn (issue 16).

The data: `indsats demo --scale national` (1,008 interventions with their history, the 98 municipalities,
grants, studies, business cases and 1,000,000 SDQ measurements), loaded once into a PostgreSQL database
of the benchmark's own (created and migrated on first use; loading takes minutes; reused afterwards).

The server: gunicorn with Indsats' own gunicorn settings, 2 workers with threads, on 127.0.0.1.

The peer: a minimal view (log-in required, returns "ok") on the same server, through the same middleware,
so a ratio is what a page costs beyond the stack's own floor. The minimal view is measured right before
and right after every page, with the same person, the same number of clients and the same fresh/cached
mode, in several rounds; each round gives the page's p95 over the minimal view's p95 and the table reports
the median of the rounds. A page cannot be cheaper than the minimal view: a ratio under 1 means the
measurement is wrong, and the benchmark says so and fails (exit 2). The goal: every page at most 3x
(else exit 1).

Modes: "fresh" is the page built afresh, as after a write: the server clears its cache before each such
request (a header the benchmark's WSGI wrapper reads, in the worker that serves the request). "cached" is
the page as a returning visitor gets it (warmed up first), measured for the pages that keep a built copy
(the front pages' panels, the portfolio board and table); the other pages are built on every request.
Query counts come from one request of each page in-process (CaptureQueriesContext), fresh and cached.

A page whose single request takes longer than --slow-limit seconds is not load-tested with 20 clients
(20 such requests at once would take minutes and gigabytes on a shared machine): its row says so, and it
counts as over the goal.

Run: ``python benchmarks/bench_pages.py`` (national: the first load takes about 3 minutes, a run of 3
rounds about a minute on a quiet 2-core machine); ``--quick`` for a small database of its own (a couple of
minutes); ``--reload`` to load afresh; ``--requests-at-20 5`` times 100 requests a burst at 20 clients
instead of 40 (a steadier p95, a longer run).
BENCH_DATABASE_URL names another PostgreSQL database.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/indsats_bench_pages"
GOAL = 3.0
FRESH_HEADER = "X-Bench-Fresh"
SETTINGS = "indsats.config.settings_test"  # DEBUG off; development keys, no HTTPS, plain static files
WORKERS, THREADS = 2, 4
SEED = 2026


# --- the server side: gunicorn loads this module with `bench_pages:make_app()` ---------------------------


def _install_urls() -> None:
    """The project's URLs plus the minimal view, as their own URLconf module."""
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    import indsats.config.urls as project_urls

    @login_required
    def minimal(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    module = types.ModuleType("bench_pages_urls")
    module.urlpatterns = [path("bench/minimal/", minimal), *project_urls.urlpatterns]  # type: ignore[attr-defined]
    for name in ("handler403", "handler404", "handler500"):
        setattr(module, name, getattr(project_urls, name))
    sys.modules["bench_pages_urls"] = module
    settings.ROOT_URLCONF = "bench_pages_urls"


def make_app() -> Callable[..., Any]:
    """The WSGI application gunicorn serves: Indsats with the minimal view, and the cache cleared before a
    request that carries the fresh header (in the worker that serves it)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()
    _install_urls()
    from django.core.cache import cache
    from django.core.wsgi import get_wsgi_application

    django_app = get_wsgi_application()
    fresh_key = "HTTP_" + FRESH_HEADER.upper().replace("-", "_")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get(fresh_key):
            cache.clear()
        return django_app(environ, start_response)

    return application


# --- the database ------------------------------------------------------------------------------------


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?")[0]


def ensure_database(url: str, *, reload: bool) -> None:
    """Create the benchmark's database on first use (or afresh with --reload)."""
    import psycopg

    name = _database_name(url)
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reload:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
            print(f"created the database {name}")


def load_data(size: Any, *, quick: bool) -> None:
    """Migrate, and load the demo at the benchmark's size unless it is there already."""
    from django.core.management import call_command

    from indsats.accounts.models import Organisation
    from indsats.dashboard.demo import ProgressBar, duration, load_demo
    from indsats.interventions.models import Intervention
    from indsats.outcomes.models import Measurement

    call_command("migrate", verbosity=0)
    if Organisation.objects.exists():
        interventions, measurements = Intervention.objects.count(), Measurement.objects.count()
        if interventions != size.interventions or measurements < 0.9 * size.measurements:
            raise SystemExit(
                f"The database holds {interventions} interventions and {measurements} measurements, not the "
                f"{'quick' if quick else 'national'} size: run with --reload to load it afresh."
            )
        print(f"reusing the loaded database: {interventions} interventions, {measurements:,} measurements")
        _vacuum()
        return
    started = time.perf_counter()
    from django.test.utils import override_settings

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        load_demo(
            size=size,
            seed=SEED,
            log=print,
            progress=ProgressBar(write=lambda text: print(text, end="", flush=True), is_terminal=False),
        )
    _vacuum()
    print(f"loaded in {duration(time.perf_counter() - started)}")


def _vacuum() -> None:
    """VACUUM (ANALYZE), as autovacuum does in production some time after a load: statistics for the
    planner and the visibility map that lets a count read an index only (a count of a municipality's
    20,000 measurements: ~25 ms of heap reads unvacuumed, ~3 ms after)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


# --- the pages ---------------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    url: str
    username: str
    caches: bool = False  # the page keeps a built copy: measured cached as well as fresh
    queries: dict[str, int] = field(default_factory=dict)  # "fresh"/"cached" -> queries
    single_seconds: float = 0.0  # one fresh request in-process


FRONT_PAGE_ROLES = [
    ("agency", "styrelse"),
    ("municipality manager", "kommune-aarhus"),
    ("caseworker", "sagsbehandler-aarhus"),
    ("evaluator", "evaluator"),
    ("economist", "okonom"),
    ("steering group", "styregruppe"),
    ("foundation", "fond"),
]


def find_pages() -> list[Page]:
    """The issue's pages, on the largest objects the data has."""
    from django.db.models import Count

    from indsats.economy.models import BusinessCaseResult
    from indsats.evaluation.models import Analysis
    from indsats.grants.models import Grant
    from indsats.outcomes.models import Measurement

    largest = (
        Measurement.objects.values("round__intervention_id")
        .annotate(n=Count("id"))
        .order_by("-n", "round__intervention_id")
        .first()
    )
    if largest is None:
        raise SystemExit("The database has no measurements.")
    intervention_id = largest["round__intervention_id"]
    municipality_id = (
        Measurement.objects.filter(round__intervention_id=intervention_id)
        .values("participant__municipality_id")
        .annotate(n=Count("id"))
        .order_by("-n", "participant__municipality_id")
        .first()["participant__municipality_id"]  # type: ignore[index]
    )
    analysis = (
        Analysis.objects.filter(study__intervention_id=intervention_id).order_by("-pk").first()
        or Analysis.objects.order_by("-n", "-pk").first()
    )
    grant = Grant.objects.order_by("pk").first()
    result = BusinessCaseResult.objects.filter(status="done").order_by("pk").first()
    print(
        f"largest intervention {intervention_id}: {largest['n']:,} measurements; "
        f"its largest municipality {municipality_id}"
    )
    pages = [Page(f"front page: {role}", "/", username, caches=True) for role, username in FRONT_PAGE_ROLES]
    pages += [
        Page("portfolio board", "/indsatser/tavle/", "styregruppe", caches=True),
        Page("portfolio table", "/indsatser/tabel/", "styregruppe", caches=True),
        Page("intervention detail", f"/indsatser/{intervention_id}/", "styrelse"),
        Page(
            "outcomes insight",
            f"/resultater/indsigt/?intervention={intervention_id}&municipality={municipality_id}",
            "styrelse",
        ),
        Page("completeness", f"/resultater/fuldstaendighed/?intervention={intervention_id}", "styrelse"),
        Page("study list", "/evaluering/", "evaluator"),
        Page("pool list", "/puljer/", "styrelse"),
    ]
    if analysis is not None:
        pages.append(Page("study report", f"/evaluering/analyser/{analysis.pk}/", "evaluator"))
    if grant is not None:
        pages.append(Page("grant", f"/puljer/tilskud/{grant.pk}/", "styrelse"))
    if result is not None:
        pages.append(Page("business-case result", f"/oekonomi/beregninger/{result.pk}/", "okonom"))
    return pages


def log_in(usernames: set[str]) -> dict[str, str]:
    """A session cookie per person (sessions live in the database, so gunicorn's workers accept them)."""
    from django.conf import settings
    from django.test import Client

    from indsats.accounts.models import User

    cookies = {}
    for username in sorted(usernames):
        client = Client()
        client.force_login(
            User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
        )
        cookies[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def count_queries(pages: list[Page], cookies: dict[str, str]) -> None:
    """Each page once in-process: fresh (cache emptied) and cached, with its SQL queries; a page that does
    not answer 200 stops the benchmark."""
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    _install_urls()
    for page in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = cookies[page.username]
        for mode in ("fresh", "cached"):
            if mode == "fresh":
                cache.clear()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page.url)
            if mode == "fresh":
                page.single_seconds = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(
                    f"{page.name} ({page.url}) answered {response.status_code} to {page.username}"
                )
            page.queries[mode] = len(queries)
        print(
            f"  {page.name:<34} {page.queries['fresh']:>5} queries fresh, "
            f"{page.queries['cached']:>5} cached, {page.single_seconds * 1000:>8.0f} ms"
        )


# --- the load ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "benchmarks")]),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "-c",
        "python:indsats.config.gunicorn",
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--worker-class",
        "gthread",
        "--timeout",
        "600",
        "--bind",
        f"127.0.0.1:{port}",
        "bench_pages:make_app()",
    ]
    log = log_path.open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped: see {log_path}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within a minute: see {log_path}")


def burst(
    port: int, url: str, cookie: str, *, clients: int, per_client: int, fresh: bool, cap_seconds: float
) -> list[float]:
    """``clients`` connections at once, each with one warm-up request and then ``per_client`` timed ones
    (no new request after ``cap_seconds``); returns the timings in seconds."""
    from django.conf import settings

    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Host": "127.0.0.1"}
    if fresh:
        headers[FRESH_HEADER] = "1"
    timings: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(clients)

    def get() -> float:
        # a new connection per request: an idle keep-alive connection may be closed by gunicorn at any time
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        try:
            started = time.perf_counter()
            connection.request("GET", url, headers=headers)
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
        finally:
            connection.close()
        if response.status != 200:
            failures.append(f"{url} answered {response.status}: {body[:200]!r}")
        return elapsed

    def client() -> None:
        try:
            get()
            ready.wait()
            stop = time.perf_counter() + cap_seconds
            for _ in range(per_client):
                if time.perf_counter() > stop:
                    break
                elapsed = get()
                with lock:
                    timings.append(elapsed)
        except Exception as error:  # noqa: BLE001 - reported below, the benchmark stops
            failures.append(f"{url}: {error!r}")
            ready.abort()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return timings


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


@dataclass
class Cell:
    """One page in one mode at one number of clients: per round the page's and the minimal view's timings."""

    page: Page
    mode: str
    clients: int
    rounds: list[tuple[list[float], list[float]]] = field(default_factory=list)
    skipped: str = ""

    def median_of_rounds(self, pick: Callable[[list[float], list[float]], float]) -> float:
        return statistics.median(pick(page, minimal) for page, minimal in self.rounds)

    @property
    def p50(self) -> float:
        return self.median_of_rounds(lambda page, _minimal: statistics.median(page))

    @property
    def p95(self) -> float:
        return self.median_of_rounds(lambda page, _minimal: p95(page))

    @property
    def ratio(self) -> float:
        return self.median_of_rounds(lambda page, minimal: p95(page) / p95(minimal))

    @property
    def minimal_p95(self) -> float:
        return self.median_of_rounds(lambda _page, minimal: p95(minimal))


@dataclass
class Plan:
    rounds: int
    levels: tuple[int, ...]
    per_client: dict[int, int]
    cap_seconds: float
    slow_limit: float


def run(port: int, pages: list[Page], cookies: dict[str, str], plan: Plan) -> list[Cell]:
    cells = [
        Cell(page, mode, clients)
        for clients in plan.levels
        for page in pages
        for mode in (("fresh", "cached") if page.caches else ("fresh",))
    ]
    for cell in cells:
        if cell.clients > 1 and cell.page.single_seconds > plan.slow_limit:
            cell.skipped = f"one request takes {cell.page.single_seconds:.1f} s"
    order = random.Random(SEED)
    for number in range(1, plan.rounds + 1):
        started = time.perf_counter()
        for clients in plan.levels:
            todo = [c for c in cells if c.clients == clients and not c.skipped]
            order.shuffle(todo)
            for cell in todo:
                cookie = cookies[cell.page.username]
                common = {
                    "clients": clients,
                    "per_client": plan.per_client[clients],
                    "fresh": cell.mode == "fresh",
                    "cap_seconds": plan.cap_seconds,
                }
                # the minimal view just before and just after the page: a drift in the machine's load
                # during the page's burst shows in both
                minimal = burst(port, "/bench/minimal/", cookie, **common)  # type: ignore[arg-type]
                page = burst(port, cell.page.url, cookie, **common)  # type: ignore[arg-type]
                minimal += burst(port, "/bench/minimal/", cookie, **common)  # type: ignore[arg-type]
                cell.rounds.append((page, minimal))
        print(f"  round {number} of {plan.rounds}: {time.perf_counter() - started:.0f} s", flush=True)
    return cells


def report(cells: list[Cell], plan: Plan) -> int:
    levels = plan.levels
    header = f"{'page':<42}{'queries':>13}"
    for clients in levels:
        label = f"{clients} client" + ("s" if clients > 1 else "")
        header += f" | {label + ': p50 / p95 ms, x min':>33}"
    print()
    print(header)
    print("-" * len(header))
    by_key = {(c.page.name, c.mode, c.clients): c for c in cells}
    worst, below_one, over = 0.0, [], []
    for page in dict.fromkeys(c.page.name for c in cells):
        for mode in [m for m in ("fresh", "cached") if (page, m, levels[0]) in by_key]:
            first = by_key[(page, mode, levels[0])]
            line = f"{page + ' (' + mode + ')':<42}{first.page.queries[mode]:>13}"
            for clients in levels:
                cell = by_key[(page, mode, clients)]
                if cell.skipped:
                    line += f" | {'not run: ' + cell.skipped:>33}"
                    over.append(f"{page} ({mode}) at {clients} clients: {cell.skipped}")
                    continue
                ratio = cell.ratio
                worst = max(worst, ratio)
                flag = "!" if ratio > GOAL else " "
                line += f" | {cell.p50 * 1000:>9.1f} / {cell.p95 * 1000:>9.1f} {ratio:>8.1f}x{flag}"
                if ratio < 1:
                    below_one.append(f"{page} ({mode}) at {clients} clients: {ratio:.2f}x")
                if ratio > GOAL:
                    over.append(f"{page} ({mode}) at {clients} clients: {ratio:.1f}x")
            print(line)
    minimal = [c for c in cells if not c.skipped]
    for clients in levels:
        floor = [c.minimal_p95 for c in minimal if c.clients == clients]
        if floor:
            print(
                f"minimal view p95 at {clients} client(s): median {statistics.median(floor) * 1000:.1f} ms "
                f"(from {min(floor) * 1000:.1f} to {max(floor) * 1000:.1f} ms over the bursts)"
            )
    print(
        f"\n{plan.rounds} rounds, the median of the rounds; per burst {plan.per_client} timed requests per "
        f"client after one warm-up each; gunicorn {WORKERS} workers x {THREADS} threads; "
        "ratio = page p95 / minimal p95"
    )
    if below_one:
        print("\nTHE BENCHMARK IS WRONG: a page cannot be cheaper than the minimal view:")
        for line in below_one:
            print(f"  {line}")
        return 2
    print(f"\nworst page p95 = {worst:.1f}x the minimal view (goal at most {GOAL:.0f}x)")
    if over:
        print(f"{len(over)} over the goal:")
        for line in over:
            print(f"  {line}")
        return 1
    print("every page within the goal")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small database of its own, fewer requests")
    parser.add_argument(
        "--reload", action="store_true", help="drop the benchmark's database and load it afresh"
    )
    parser.add_argument("--load-only", action="store_true", help="create and load the database, then stop")
    parser.add_argument("--rounds", type=int, help="rounds (default 3)")
    parser.add_argument("--slow-limit", type=float, default=3.0, help="seconds; slower pages skip 20 clients")
    parser.add_argument(
        "--requests-at-20",
        type=int,
        default=2,
        help="timed requests per client at 20 clients (default 2: 40 a burst; more steadies the p95)",
    )
    args = parser.parse_args()

    base_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    url = base_url + "_quick" if args.quick else base_url
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    sys.path.insert(0, str(ROOT / "src"))
    ensure_database(url, reload=args.reload)
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    logging.disable(logging.INFO)  # the request log lines of the in-process requests
    from indsats.dashboard.demo import NATIONAL, DemoSize

    size = DemoSize(scale=2, interventions=150, measurements=50_000) if args.quick else NATIONAL
    load_data(size, quick=args.quick)
    if args.load_only:
        return 0
    pages = find_pages()
    cookies = log_in({page.username for page in pages})
    print("pages, one request each in-process:")
    count_queries(pages, cookies)
    from django.db import connections

    connections.close_all()

    plan = Plan(
        rounds=args.rounds or 3,
        levels=(1, 20),
        per_client={1: 8, 20: 2} if args.quick else {1: 10, 20: args.requests_at_20},
        cap_seconds=10.0 if args.quick else 20.0,
        slow_limit=args.slow_limit,
    )
    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="indsats-bench-pages-")) / "gunicorn.log"
    server = start_server(url, port, log_path)
    print(f"gunicorn on 127.0.0.1:{port} (pid {server.pid}, log {log_path}); measuring ...", flush=True)
    try:
        cells = run(port, pages, cookies, plan)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return report(cells, plan)


if __name__ == "__main__":
    sys.exit(main())
