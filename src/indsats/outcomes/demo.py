"""Demo data of result documentation: rounds in two interventions, SDQ measurements of made-up children in
three municipalities (imported through the same services as a real file), a reason for a long-list
instrument and an evaluator assigned to a study. Deterministic from ``context.rng``; grows with the scale.
The CPR numbers are generated in memory and never stored (only their pseudonyms are).

`import_sdq_measurements` is public: the evaluation demo measures further interventions the same way."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from indsats.accounts.demo import DemoContext
from indsats.outcomes.models import EvaluatorAssignment, Instrument, MeasurementRound, RoundKind
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
        rounds = [
            create_round(
                actor=admin,
                intervention=intervention,
                kind=kind,
                opens_on=opens,
                closes_on=closes,
                order=order,
            )
            for order, (kind, opens, closes) in enumerate(
                rounds_until_today(ROUND_KINDS, today=timezone.localdate())
            )
        ]
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
    # the insight page's summaries built now, not left to the queued tasks (which then find them current)
    context.log(f"    {refresh_all_insight_summaries()} insight summaries")
