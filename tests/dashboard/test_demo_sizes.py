"""`indsats demo --scale national`: the size is parsed, and its pieces (exact intervention count, the bulk
measurements written through the import's own path, the national studies) load at a tiny size."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from indsats.dashboard.demo import NATIONAL, DemoSize, demo_size, duration, load_demo
from indsats.engine.cpr import validate_cpr
from indsats.evaluation.models import Study
from indsats.interventions.models import Intervention
from indsats.outcomes import importing
from indsats.outcomes.demo import BULK_SKIP, bulk_children_per_intervention, demo_cpr
from indsats.outcomes.models import ImportJob, ImportStatus, Measurement, Participant, RoundKind
from indsats.outcomes.pseudonyms import pseudonym_key


def test_national_is_a_size_and_a_number_is_a_scale():
    assert demo_size("national") == NATIONAL
    assert (NATIONAL.interventions, NATIONAL.measurements) == (1008, 1_000_000)
    assert demo_size("3") == DemoSize(scale=3)
    with pytest.raises(ValueError):
        demo_size("0")
    with pytest.raises(ValueError):
        demo_size("huge")


def test_durations_read_as_minutes_and_seconds():
    assert duration(3.25) == "3.2 s"
    assert duration(42) == "42 s"
    assert duration(192) == "3 min 12 s"
    assert duration(3720) == "1 h 2 min"


def test_demo_cpr_numbers_are_valid_and_distinct():
    numbers = [demo_cpr(index) for index in range(0, 20_000)] + [demo_cpr(7_999_999)]
    assert len(set(numbers)) == len(numbers)
    for number in numbers[::997]:
        info = validate_cpr(number)
        assert 2008 <= info.birth_date.year <= 2019


def test_bulk_sizes_follow_the_weights_but_no_intervention_takes_more_than_a_twentieth():
    weights = [1000.0, 500.0, *[1.0 + i % 7 for i in range(298)]]
    sizes = bulk_children_per_intervention(1_000_000, weights)
    children = 1_000_000 / 1.9  # baseline for every child, follow-up for 90 %
    assert abs(sum(sizes) - children) < 0.001 * children
    assert max(sizes) <= 0.0505 * sum(sizes)
    assert sizes[0] == sizes[1] > sizes[2]  # both capped; the rest keep their proportions
    assert sizes[3] / sizes[2] == pytest.approx(2.0, rel=0.01)


@pytest.mark.django_db
def test_the_command_refuses_a_scale_that_is_neither_a_number_nor_national():
    with pytest.raises(CommandError):
        call_command("demo", "--scale", "enormous", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("demo", scale=0, stdout=io.StringIO())


@pytest.mark.django_db
def test_the_command_takes_a_number_as_before_and_says_how_long_it_took():
    output = io.StringIO()
    call_command("demo", scale=1, stdout=output)
    assert Intervention.objects.count() == 24  # the 12 showcase ones and 12 generated
    assert "Demo data loaded in " in output.getvalue()


@pytest.mark.django_db
def test_a_tiny_national_size_loads_exact_interventions_and_paired_bulk_measurements():
    progress: list[tuple[str, int, int]] = []
    log: list[str] = []
    context = load_demo(
        size=DemoSize(scale=1, interventions=60, measurements=1500),
        seed=11,
        log=log.append,
        progress=lambda what, done, total: progress.append((what, done, total)),
    )
    assert Intervention.objects.count() == 60
    total = Measurement.objects.count()
    assert 1300 <= total <= 1800  # the small demo's imports, then the bulk part fills up to about 1,500

    # the bulk part: written as imports write (one finished job per municipality and round)
    bulk = context.objects["bulk_interventions"]
    assert bulk and not set(bulk) & set(context.objects["interventions"][:BULK_SKIP])
    jobs = ImportJob.objects.filter(round__intervention__in=bulk)
    assert jobs.exists() and set(jobs.values_list("status", flat=True)) == {ImportStatus.DONE}
    assert (
        sum(jobs.values_list("done_rows", flat=True))
        == Measurement.objects.filter(round__intervention__in=bulk).count()
    )

    # baseline and follow-up: most children measured twice, some only at baseline (completeness shows them)
    per_child = (
        Measurement.objects.filter(round__intervention__in=bulk)
        .values("participant_id", "round__intervention_id")
        .annotate(n=Count("id"))
    )
    counts = [row["n"] for row in per_child]
    assert max(counts) == 2 and counts.count(2) > counts.count(1) > 0
    kinds = set(
        Measurement.objects.filter(round__intervention__in=bulk).values_list("round__kind", flat=True)
    )
    assert kinds == {RoundKind.BASELINE, RoundKind.MONTH_6}

    # the participants' pseudonyms are the import's own: the first made-up child of a municipality
    measurement = (
        Measurement.objects.filter(round__intervention__in=bulk)
        .select_related("participant__municipality")
        .order_by("pk")
        .first()
    )
    assert measurement is not None
    municipality = measurement.participant.municipality
    checked = importing.check_cprs(
        pd.Series([demo_cpr(0)]), key=pseudonym_key(), municipality_code=municipality.municipality_code
    )
    assert Participant.objects.filter(
        municipality=municipality, pseudonym=checked.pseudonyms[0].decode()
    ).exists()

    # the largest bulk intervention and the smallest others have a study each; the long steps reported
    # their progress
    studied = [bulk[0], *bulk[1:][-4:]]
    assert Study.objects.filter(intervention__in=studied).count() == len(studied) >= 2
    finished = [p for p in progress if p[0] == "SDQ measurements"][-1]
    assert finished[1] == finished[2] > 0
    assert all(done <= total for _step, done, total in progress), "a bar never shows more than 100 %"
    assert any(line.strip().startswith("took ") for line in log)
