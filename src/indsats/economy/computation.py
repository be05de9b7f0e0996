"""Computing a requested business case result with the engine, and computing a stored one again.

`run_computation` runs in the request for a few draws and in the background worker (economy.tasks) for
many; the permission was checked when the result was requested (services.request_computation). The stored
input document, draws and seed are all it needs, so any result can be recomputed exactly."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from indsats.economy.charts import npv_histogram
from indsats.economy.models import BusinessCaseResult, ResultStatus
from indsats.economy.presentation import shown_parts
from indsats.engine import ENGINE_VERSION
from indsats.engine.investment.case_document import CaseError, parse_case
from indsats.engine.investment.model import compute_case


def run_computation(*, result_id: int) -> None:
    """Compute a requested result with the engine and store it. Progress is saved after each block of
    draws; an engine error ends the result as failed, with its text."""
    result = BusinessCaseResult.objects.get(pk=result_id)
    if result.is_finished:
        return
    BusinessCaseResult.objects.filter(pk=result.pk).update(status=ResultStatus.RUNNING)
    done = 0

    def progress(finished: int) -> None:
        nonlocal done
        done += finished
        BusinessCaseResult.objects.filter(pk=result.pk).update(progress=done)

    try:
        computed = compute_case(
            parse_case(result.document), draws=result.draws, seed=result.seed, progress=progress
        )
    except (CaseError, ValueError, FloatingPointError) as error:
        BusinessCaseResult.objects.filter(pk=result.pk).update(
            status=ResultStatus.FAILED, error=str(error)[:2000], computed_at=timezone.now()
        )
        return
    stored = computed.to_dict()
    BusinessCaseResult.objects.filter(pk=result.pk).update(
        status=ResultStatus.DONE,
        progress=result.draws,
        result=stored,
        shown=shown_parts(stored, result.document),
        histogram=npv_histogram(computed.npv_draws) if result.draws else None,
        inputs_hash=computed.inputs_hash,
        engine_version=computed.engine_version,
        computed_at=timezone.now(),
    )


def recompute(result: BusinessCaseResult) -> dict[str, Any]:
    """Compute the stored input document again with the stored draws and seed."""
    return compute_case(parse_case(result.document), draws=result.draws, seed=result.seed).to_dict()


def recompute_matches(result: BusinessCaseResult) -> bool:
    """True when recomputing gives exactly the stored result (and the engine version is the same)."""
    return result.engine_version == ENGINE_VERSION and recompute(result) == result.result
