"""Every write of the economy app: one transaction, one permission check, one audit entry.

The price catalogue and the price index belong to the agency (MANAGE_PRICE_CATALOGUE); a published
edition is frozen. Business cases belong to economists and the agency (MANAGE_BUSINESS_CASES); their
results are computed by the engine, never here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.permissions import MANAGE_BUSINESS_CASES, MANAGE_PRICE_CATALOGUE, require_permission
from indsats.audit.models import AuditAction
from indsats.audit.services import record, record_create, record_delete, record_update, snapshot
from indsats.economy.charts import npv_histogram
from indsats.economy.documents import (
    CASE_FIELDS,
    COST_FIELDS,
    OUTCOME_FIELDS,
    ErrorLocation,
    case_document,
    locate_error,
    row_values,
)
from indsats.economy.models import (
    BusinessCase,
    BusinessCaseResult,
    CostLine,
    OutcomeLine,
    PriceCatalogue,
    PriceIndex,
    ResultStatus,
    UnitPrice,
)
from indsats.economy.selectors import current_catalogue, price_index_values
from indsats.engine import ENGINE_VERSION
from indsats.engine.investment import CaseError, compute_case, inputs_hash, parse_case
from indsats.ui.formatting import compact_number

UNIT_PRICE_FIELDS = (
    "name",
    "unit",
    "amount",
    "price_year",
    "share_kommune",
    "share_region",
    "share_stat",
    "source",
    "valid_from",
)
PRICE_INDEX_FIELDS = ("year", "index", "source")


def check_shares(fields: dict[str, Any]) -> None:
    """The payer split must sum to 1 (100 %)."""
    total = sum(
        (Decimal(fields.get(name) or 0) for name in ("share_kommune", "share_region", "share_stat")),
        Decimal(0),
    )
    if total != Decimal(1):
        raise ValidationError(
            {
                "share_kommune": _(
                    "Andelene for kommune, region og stat summerer til %(total)s; de skal summere til 1 "
                    "(fx 0,6 + 0 + 0,4)."
                )
                % {"total": compact_number(total)}
            }
        )


def _require_draft(catalogue: PriceCatalogue) -> None:
    if catalogue.is_published:
        raise ValidationError(
            _(
                "Version %(version)s af priskataloget er offentliggjort og kan ikke ændres. Opret en ny "
                "version; den starter som en kopi af den seneste."
            )
            % {"version": catalogue.version}
        )


@transaction.atomic
def create_catalogue_edition(*, actor: Any, title: str = "") -> PriceCatalogue:
    """A new draft edition: a copy of the latest edition's prices, with the next version number."""
    require_permission(actor, MANAGE_PRICE_CATALOGUE)
    draft = PriceCatalogue.objects.select_for_update().filter(is_published=False).first()
    if draft is not None:
        raise ValidationError(
            _("Der findes allerede en kladde (version %(version)s). Offentliggør eller ret den først.")
            % {"version": draft.version}
        )
    latest = PriceCatalogue.objects.order_by("-version").first()
    version = (PriceCatalogue.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    catalogue = PriceCatalogue.objects.create(
        version=version, title=title or _("Priskatalog version %(version)s") % {"version": version}
    )
    if latest is not None:
        UnitPrice.objects.bulk_create(
            UnitPrice(catalogue=catalogue, **{name: getattr(price, name) for name in UNIT_PRICE_FIELDS})
            for price in latest.prices.all()
        )
    record_create(
        actor=actor,
        instance=catalogue,
        message=_("Kopi af version %(version)s") % {"version": latest.version} if latest else "",
    )
    return catalogue


@transaction.atomic
def publish_catalogue(*, actor: Any, catalogue: PriceCatalogue) -> PriceCatalogue:
    """Publish a draft edition; from now on it is frozen."""
    require_permission(actor, MANAGE_PRICE_CATALOGUE)
    catalogue = PriceCatalogue.objects.select_for_update().get(pk=catalogue.pk)
    _require_draft(catalogue)
    if not catalogue.prices.exists():
        raise ValidationError(_("Et priskatalog uden priser kan ikke offentliggøres. Tilføj mindst én pris."))
    before = snapshot(catalogue)
    catalogue.is_published = True
    catalogue.published_at = timezone.now()
    catalogue.save(update_fields=["is_published", "published_at"])
    record_update(actor=actor, instance=catalogue, before=before, message=_("Offentliggjort"))
    return catalogue


@transaction.atomic
def create_unit_price(*, actor: Any, catalogue: PriceCatalogue, **fields: Any) -> UnitPrice:
    require_permission(actor, MANAGE_PRICE_CATALOGUE)
    catalogue = PriceCatalogue.objects.select_for_update().get(pk=catalogue.pk)
    _require_draft(catalogue)
    check_shares(fields)
    price = UnitPrice(catalogue=catalogue, **{k: v for k, v in fields.items() if k in UNIT_PRICE_FIELDS})
    price.full_clean()
    price.save()
    record_create(actor=actor, instance=price)
    return price


@transaction.atomic
def update_unit_price(*, actor: Any, price: UnitPrice, **fields: Any) -> UnitPrice:
    require_permission(actor, MANAGE_PRICE_CATALOGUE)
    price = UnitPrice.objects.select_for_update().select_related("catalogue").get(pk=price.pk)
    _require_draft(price.catalogue)
    before = snapshot(price)
    for name, value in fields.items():
        if name in UNIT_PRICE_FIELDS:
            setattr(price, name, value)
    check_shares({name: getattr(price, name) for name in ("share_kommune", "share_region", "share_stat")})
    price.full_clean()
    price.save()
    record_update(actor=actor, instance=price, before=before)
    return price


@transaction.atomic
def delete_unit_price(*, actor: Any, price: UnitPrice) -> None:
    require_permission(actor, MANAGE_PRICE_CATALOGUE)
    price = UnitPrice.objects.select_for_update().select_related("catalogue").get(pk=price.pk)
    _require_draft(price.catalogue)
    record_delete(actor=actor, instance=price)
    price.delete()


@transaction.atomic
def set_price_index(*, actor: Any, year: int, index: Decimal, source: str) -> PriceIndex:
    """Create or change the index value of one year."""
    require_permission(actor, MANAGE_PRICE_CATALOGUE)
    existing = PriceIndex.objects.select_for_update().filter(year=year).first()
    if existing is None:
        entry = PriceIndex(year=year, index=index, source=source)
        entry.full_clean()
        entry.save()
        record_create(actor=actor, instance=entry)
        return entry
    before = snapshot(existing)
    existing.index, existing.source = index, source
    existing.full_clean()
    existing.save()
    record_update(actor=actor, instance=existing, before=before)
    return existing


# --- business cases -------------------------------------------------------------------------------------

# Up to this many draws a computation runs in the request; more go to the background worker.
INLINE_DRAWS = 50_000
# The progress of a background computation is saved after every block of the engine's draws.


class CaseInputError(Exception):
    """The engine refused the case. ``location`` names the form row and field, in Danish."""

    def __init__(self, location: ErrorLocation, field_path: str) -> None:
        super().__init__(location.message)
        self.location = location
        self.field_path = field_path


def _check_document(
    fields: dict[str, Any], costs: list[dict[str, Any]], outcomes: list[dict[str, Any]]
) -> dict[str, Any]:
    """Build the engine's document and let the engine check it; a refusal names the row and field."""
    document, locations = case_document(fields, costs, outcomes, price_index_values())
    try:
        parse_case(document)
    except CaseError as error:
        raise CaseInputError(
            locate_error(error.field, error.message, locations, outcomes), error.field
        ) from None
    return document


def _row_snapshots(case: BusinessCase) -> dict[str, Any]:
    return {
        "costs": [snapshot(cost) for cost in case.costs.all()],
        "outcomes": [snapshot(outcome) for outcome in case.outcomes.all()],
    }


@transaction.atomic
def create_business_case(*, actor: Any, intervention: Any, **fields: Any) -> BusinessCase:
    """A new case for an intervention, with no costs or outcomes yet; prices from the current catalogue."""
    require_permission(actor, MANAGE_BUSINESS_CASES)
    values = {name: value for name, value in fields.items() if name in CASE_FIELDS}
    values.setdefault("catalogue", current_catalogue())
    case = BusinessCase(intervention=intervention, created_by=actor, **values)
    case.full_clean()
    case.save()
    record_create(actor=actor, instance=case)
    return case


@transaction.atomic
def save_business_case(
    *,
    actor: Any,
    case: BusinessCase,
    fields: dict[str, Any],
    costs: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
) -> BusinessCase:
    """Replace the case's fields, cost lines and outcomes, all or nothing, after the engine accepted the
    whole case (a CaseInputError names the row and field otherwise). One audit entry holds the changes of
    the fields and the rows before and after."""
    require_permission(actor, MANAGE_BUSINESS_CASES)
    case = BusinessCase.objects.select_for_update().get(pk=case.pk)
    values = {name: value for name, value in fields.items() if name in CASE_FIELDS}
    _check_document({**{name: getattr(case, name) for name in CASE_FIELDS}, **values}, costs, outcomes)
    before = snapshot(case)
    rows_before = _row_snapshots(case)
    for name, value in values.items():
        setattr(case, name, value)
    case.full_clean()
    case.save()
    case.costs.all().delete()
    case.outcomes.all().delete()
    for position, cost in enumerate(costs):
        line = CostLine(case=case, position=position, **{k: v for k, v in cost.items() if k in COST_FIELDS})
        line.full_clean(exclude=["case"])
        line.save()
    for position, outcome in enumerate(outcomes):
        row = OutcomeLine(
            case=case, position=position, **{k: v for k, v in outcome.items() if k in OUTCOME_FIELDS}
        )
        row.full_clean(exclude=["case"])
        row.save()
    after = snapshot(case)
    changes: dict[str, Any] = {
        name: [before.get(name), value] for name, value in after.items() if before.get(name) != value
    }
    rows_after = _row_snapshots(case)
    for section in ("costs", "outcomes"):
        old = [_without_ids(row) for row in rows_before[section]]
        new = [_without_ids(row) for row in rows_after[section]]
        if old != new:
            changes[section] = [old, new]
    if changes:
        record(actor=actor, action=AuditAction.UPDATE, instance=case, changes=changes)
    return case


def _without_ids(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in {"id", "case"}}


@transaction.atomic
def delete_business_case(*, actor: Any, case: BusinessCase) -> None:
    require_permission(actor, MANAGE_BUSINESS_CASES)
    record_delete(actor=actor, instance=case)
    case.delete()


@transaction.atomic
def request_computation(*, actor: Any, case: BusinessCase) -> BusinessCaseResult:
    """Compute the saved case with its draws and seed. Up to INLINE_DRAWS draws are computed now; more are
    queued for the background worker (the result page polls its progress)."""
    require_permission(actor, MANAGE_BUSINESS_CASES)
    case = BusinessCase.objects.select_for_update().get(pk=case.pk)
    costs = [row_values(cost, COST_FIELDS) for cost in case.costs.all()]
    outcomes = [row_values(outcome, OUTCOME_FIELDS) for outcome in case.outcomes.all()]
    document = _check_document({name: getattr(case, name) for name in CASE_FIELDS}, costs, outcomes)
    result = BusinessCaseResult.objects.create(
        case=case,
        document=document,
        inputs_hash=inputs_hash(parse_case(document)),
        engine_version=ENGINE_VERSION,
        draws=case.draws,
        seed=case.seed,
        computed_by=actor,
    )
    record_create(actor=actor, instance=result)
    if case.draws <= INLINE_DRAWS:
        run_computation(result_id=result.pk)
        result.refresh_from_db()
    else:
        from indsats.economy.tasks import compute_business_case_result

        compute_business_case_result.enqueue(result.pk)
    return result


def run_computation(*, result_id: int) -> None:
    """Compute a requested result with the engine and store it (called in the request or by the worker;
    the permission was checked when it was requested). Progress is saved after each block of draws."""
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
    BusinessCaseResult.objects.filter(pk=result.pk).update(
        status=ResultStatus.DONE,
        progress=result.draws,
        result=computed.to_dict(),
        histogram=npv_histogram(computed.npv_draws) if result.draws else None,
        inputs_hash=computed.inputs_hash,
        engine_version=computed.engine_version,
        computed_at=timezone.now(),
    )
