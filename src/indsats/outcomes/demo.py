"""Demo data of result documentation: rounds in two interventions, SDQ measurements of made-up children in
three municipalities (imported through the same services as a real file), a reason for a long-list
instrument and an evaluator assigned to a study. Deterministic from ``context.rng``; grows with the scale.
The CPR numbers are generated in memory and never stored (only their pseudonyms are).

`import_sdq_measurements` is public: the evaluation demo measures further interventions the same way.

At national scale (``context.measurements``, e.g. 1,000,000) `load_bulk_measurements` adds made-up
children's baseline and 6-month SDQ in many more interventions and their partner municipalities, generated
as arrays and written through the import's own bulk path (`bulk_write.write_rows` with `ValidatedRows`,
one import job per municipality and round), so the data is exactly what imports produce; only the file
parsing and CPR checks are skipped."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.demo import DemoContext
from indsats.accounts.models import User
from indsats.audit.services import record_create
from indsats.engine.cpr import pseudonym
from indsats.interventions.models import Intervention, Partnership
from indsats.interventions.workflow import InterventionState
from indsats.outcomes import bulk_write, importing, totals
from indsats.outcomes.models import (
    EvaluatorAssignment,
    ImportJob,
    ImportStatus,
    Instrument,
    MeasurementRound,
    RoundKind,
)
from indsats.outcomes.pseudonyms import pseudonym_key
from indsats.outcomes.registry import ensure_builtin_instruments
from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.imports import prepare_import
from indsats.outcomes.services.insight_summary import refresh_all_insight_summaries
from indsats.outcomes.services.instruments import explain_instrument_choice
from indsats.outcomes.services.setup import create_round

ROUND_KINDS = (RoundKind.BASELINE, RoundKind.MONTH_6, RoundKind.MONTH_12)
HEADER = ["cpr", "dato", *[f"sdq{i}" for i in range(1, 26)]]
# which municipalities, by code, with the username of the caseworker who imports for them
MUNICIPALITIES = (("751", "sagsbehandler-aarhus"), ("461", "sagsbehandler-odense"))


def rounds_until_today(
    kinds: tuple[RoundKind, ...], *, today: datetime.date
) -> list[tuple[RoundKind, datetime.date, datetime.date]]:
    """Rounds half a year apart, each open for three months, the last one open today: the demo looks like
    a programme running now, whenever it is loaded, and a questionnaire dated today can be saved."""
    last_opens = today - datetime.timedelta(days=45)
    rounds = []
    for index, kind in enumerate(kinds):
        opens = last_opens - datetime.timedelta(days=182 * (len(kinds) - 1 - index))
        rounds.append((kind, opens, opens + datetime.timedelta(days=90)))
    return rounds


def random_cpr(rng: random.Random) -> str:
    """A made-up CPR number of a child born 2008-2019 (valid in form; never stored)."""
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(8, 19)
    return f"{day:02d}{month:02d}{year:02d}-{4000 + rng.randint(0, 999) * 2 + rng.randint(0, 1):04d}"


def sdq_answers(rng: random.Random, severity: float) -> list[str]:
    """25 SDQ answers (0-2) around ``severity``: higher is more difficulties."""
    return [str(min(2, max(0, round(rng.gauss(severity, 0.6))))) for _ in range(25)]


def import_sdq_measurements(
    context: DemoContext,
    *,
    rounds: list[MeasurementRound],
    sdq: Instrument,
    improvement: float,
    missing_share: float,
    file_name: str,
    not_yet_measured: tuple[str, int] | None = None,
) -> int:
    """SDQ files for each demo municipality's made-up children, one per round, imported as the municipality's
    caseworker; returns the number of measurements.

    Each child's answers lie around a severity that falls by ``improvement`` per round; a share of the
    children misses each round after the first. ``file_name`` may name ``{code}`` (the municipality) and
    ``{kind}`` (the round); ``not_yet_measured`` (municipality code, round index) leaves one round out.
    """
    users = context.objects["users"]
    by_code = context.objects["municipality_by_code"]
    rng = context.rng
    today = timezone.localdate()
    total = 0
    for code, username in MUNICIPALITIES:
        actor, municipality = users.get(username), by_code.get(code)
        if actor is None or municipality is None:
            continue
        children = dict((random_cpr(rng), rng.uniform(0.5, 1.3)) for _ in range(15 * context.scale))
        for index, measurement_round in enumerate(rounds):
            if not_yet_measured == (code, index):
                continue
            rows = []
            for cpr, severity in children.items():
                if index and rng.random() < missing_share:
                    continue
                day = min(measurement_round.opens_on + datetime.timedelta(days=rng.randint(0, 60)), today)
                rows.append([cpr, day.isoformat(), *sdq_answers(rng, severity - improvement * index)])
            content = ("\n".join(";".join(r) for r in [HEADER, *rows]) + "\n").encode()
            job = prepare_import(
                actor=actor,
                municipality=municipality,
                measurement_round=measurement_round,
                instrument=sdq,
                content=content,
                file_name=file_name.format(code=code, kind=measurement_round.kind),
            )
            total += commit_import(actor=actor, job=job).done_rows
    return total


def _demo_rounds(
    admin: User, intervention: Intervention, kinds: tuple[RoundKind, ...], today: datetime.date
) -> list[MeasurementRound]:
    """The intervention's rounds of ``kinds``, dated so that the ones due by ``today`` are open or past."""
    return [
        create_round(
            actor=admin, intervention=intervention, kind=kind, opens_on=opens, closes_on=closes, order=order
        )
        for order, (kind, opens, closes) in enumerate(rounds_until_today(kinds, today=today))
    ]


def load(context: DemoContext) -> None:
    ensure_builtin_instruments()
    users = context.objects["users"]
    interventions = list(context.objects.get("interventions", []))[:2]
    by_code = context.objects["municipality_by_code"]
    admin = users.get("admin") or users.get("styrelse")
    if not interventions or admin is None:
        context.log("    no interventions: outcomes skipped")
        return
    sdq = Instrument.objects.get(key="sdq-parent-4-17", version=1)
    who5 = Instrument.objects.filter(key="who-5").first()
    total = 0
    for intervention in interventions:
        rounds = _demo_rounds(admin, intervention, ROUND_KINDS, timezone.localdate())
        total += import_sdq_measurements(
            context,
            rounds=rounds,
            sdq=sdq,
            improvement=0.2,
            missing_share=0.15,
            file_name="demo-{code}-{kind}.csv",
            # Odense has not measured the 12-month round yet: completeness shows it
            not_yet_measured=("461", 2),
        )
        if who5 is not None and users.get("sagsbehandler-aarhus") and by_code.get("751"):
            explain_instrument_choice(
                actor=users["sagsbehandler-aarhus"],
                municipality=by_code["751"],
                intervention=intervention,
                instrument=who5,
                reason="De ældste unge (15-17 år) besvarer WHO-5 i stedet for SDQ, fordi de selv vil svare.",
            )
    evaluator = context.objects.get("evaluator")
    if evaluator is not None:
        EvaluatorAssignment.objects.get_or_create(evaluator=evaluator, intervention=interventions[0])
    context.log(f"    {total} SDQ measurements in {len(interventions)} interventions")
    if context.measurements > total:
        load_bulk_measurements(context, sdq=sdq, count=context.measurements - total)
    # the insight page's summaries built now, not left to the queued tasks (which then find them current)
    context.log(f"    {refresh_all_insight_summaries()} insight summaries")


# --- national scale: a million measurements through the import's bulk path ---------------------------

BULK_ROUND_KINDS = (RoundKind.BASELINE, RoundKind.MONTH_6)
BULK_STATES = (InterventionState.TESTING, InterventionState.DISSEMINATION, InterventionState.OPERATION)
BULK_MAX_INTERVENTIONS = 300
BULK_FOLLOW_UP_SHARE = 0.9  # the share of children measured again at 6 months (completeness shows the rest)
BULK_LARGEST_SHARE = 0.05
BULK_SKIP = 4  # the first interventions belong to the small demo's own imports and studies


def demo_cpr(index: int) -> str:
    """The ``index``-th made-up CPR number of a child born 2008-2019: distinct for distinct indices below
    8 million (day, month, year and serial counted through in turn), valid in form, never stored."""
    day, month = index % 28 + 1, (index // 28) % 12 + 1
    year = 8 + (index // 336) % 12
    serial = 4000 + index // 4032  # century digit 4 or 5: born in the 2000s
    return f"{day:02d}{month:02d}{year:02d}{serial:04d}"


def bulk_children_per_intervention(count: int, weights: list[float]) -> list[int]:
    """How many children each intervention measures so that baseline plus follow-up come to about
    ``count`` measurements, in proportion to ``weights`` (a few large interventions, many small), none with
    more than ``BULK_LARGEST_SHARE`` of the children (a national intervention reaches thousands of the
    country's children, not a quarter of them)."""
    children = count / (1 + BULK_FOLLOW_UP_SHARE)
    share = max(BULK_LARGEST_SHARE, 1 / len(weights)) if weights else 1.0
    capped = list(weights)
    for _attempt in range(100):  # clipping lowers the total, so clip again until the cap holds
        limit = share * sum(capped)
        if max(capped, default=0) <= limit * 1.001:
            break
        capped = [min(weight, limit) for weight in capped]
    total = sum(capped)
    return [max(10, round(children * weight / total)) for weight in capped]


def _bulk_interventions(context: DemoContext) -> list[Intervention]:
    interventions = list(context.objects.get("interventions", []))[BULK_SKIP:]
    measured = [i for i in interventions if i.state in BULK_STATES]
    return measured[:BULK_MAX_INTERVENTIONS]


def load_bulk_measurements(context: DemoContext, *, sdq: Instrument, count: int) -> int:
    """About ``count`` SDQ measurements (baseline and 6 months) in the testing, dissemination and operation
    interventions' partner municipalities, written by `bulk_write.write_rows`; returns how many."""
    interventions = _bulk_interventions(context)
    users = context.objects["users"]
    admin = users.get("admin") or users.get("styrelse")
    if not interventions or admin is None:
        return 0
    rng = np.random.default_rng(context.seed)
    weights = (rng.pareto(1.5, len(interventions)) + 1).tolist()
    sizes = bulk_children_per_intervention(count, weights)
    partners: dict[int, list[int]] = defaultdict(list)
    for intervention_id, municipality_id in Partnership.objects.filter(
        intervention__in=interventions
    ).values_list("intervention_id", "municipality_id"):
        partners[intervention_id].append(municipality_id)
    codes = {m.pk: m.municipality_code for m in context.objects["municipalities"]}
    key = pseudonym_key()
    today = timezone.localdate()
    next_child: dict[int, int] = defaultdict(int)  # per municipality: the next made-up child's number
    expected = round(sum(sizes) * (1 + BULK_FOLLOW_UP_SHARE))
    written = 0
    context.progress("SDQ measurements", 0, expected)
    for intervention, size in zip(interventions, sizes, strict=True):
        rounds = _demo_rounds(admin, intervention, BULK_ROUND_KINDS, today)
        municipality_ids = partners.get(intervention.pk) or [context.objects["municipalities"][0].pk]
        shares = np.bincount(rng.integers(0, len(municipality_ids), size), minlength=len(municipality_ids))
        for municipality_id, children in zip(municipality_ids, shares.tolist(), strict=True):
            if not children:
                continue
            first = next_child[municipality_id]
            next_child[municipality_id] += children
            cprs = [demo_cpr(index) for index in range(first, first + children)]
            pseudonyms = np.array(
                [pseudonym(cpr, key=key, municipality_code=codes[municipality_id]) for cpr in cprs],
                dtype="S64",
            )
            born = np.array([f"20{cpr[4:6]}-{cpr[2:4]}-{cpr[0:2]}" for cpr in cprs], dtype="datetime64[D]")
            sexes = np.where(np.array([int(cpr[9]) % 2 for cpr in cprs]) == 1, "male", "female").astype("<U6")
            severity = rng.uniform(0.5, 1.3, children)
            followed = rng.random(children) < BULK_FOLLOW_UP_SHARE
            for index, measurement_round in enumerate(rounds):
                chosen = np.ones(children, dtype=bool) if index == 0 else followed
                n = int(chosen.sum())
                last_day = min(measurement_round.opens_on + datetime.timedelta(days=60), today)
                span = (last_day - measurement_round.opens_on).days + 1
                dates = np.datetime64(measurement_round.opens_on, "D") + rng.integers(0, span, n)
                answers = np.clip(
                    np.rint(rng.normal((severity[chosen] - 0.2 * index)[:, None], 0.6, (n, 25))), 0, 2
                )
                rows = importing.ValidatedRows(
                    pseudonyms=pseudonyms[chosen],
                    birth_years=born[chosen].astype("datetime64[Y]").astype(np.int64) + 1970,
                    sexes=sexes[chosen],
                    ages=importing.ages_on(born[chosen], dates),
                    dates=dates,
                    answers=answers.astype(np.float64),
                )
                written += _write_bulk_job(
                    context,
                    rows=rows,
                    municipality_id=municipality_id,
                    measurement_round=measurement_round,
                    sdq=sdq,
                    file_name=f"demo-{codes[municipality_id]}-{intervention.pk}-{measurement_round.kind}.csv",
                    done_before=written,
                    expected=expected,
                )
    context.progress("SDQ measurements", written, written)
    by_size = sorted(zip(sizes, interventions, strict=True), key=lambda pair: -pair[0])
    context.objects["bulk_interventions"] = [intervention for _size, intervention in by_size]
    context.log(f"    {written} SDQ measurements more in {len(interventions)} interventions (bulk)")
    return written


def _write_bulk_job(
    context: DemoContext,
    *,
    rows: importing.ValidatedRows,
    municipality_id: int,
    measurement_round: MeasurementRound,
    sdq: Instrument,
    file_name: str,
    done_before: int,
    expected: int,
) -> int:
    """One import job, written as `commit_import` writes one (without storing the rows in between)."""
    job = ImportJob.objects.create(
        municipality_id=municipality_id,
        round=measurement_round,
        instrument=sdq,
        created_by=None,
        file_name=file_name,
        status=ImportStatus.RUNNING,
        total_rows=len(rows),
    )

    def progress(done: int, _total: int) -> None:
        # ``expected`` is an estimate (who is followed up is drawn at random): never show more than 100 %
        context.progress("SDQ measurements", done_before + done, max(expected, done_before + done))

    count = bulk_write.write_rows(job=job, rows=rows, progress=progress)
    totals.recount([municipality_id])
    job.status = ImportStatus.DONE
    job.done_rows = count
    job.finished_at = timezone.now()
    job.message = _("%(n)s målinger importeret.") % {"n": count}
    job.save(update_fields=["status", "done_rows", "finished_at", "message"])
    record_create(actor=None, instance=job, message="demo")
    return count
