"""Every write of the economy app: one transaction, the permission check first (economy.access), one audit
entry.

The price catalogue and the price index belong to the agency; a published edition is frozen. National
business cases belong to economists and the agency, a municipality's local cases to its managers; their
results are computed by the engine (economy.computation), never here."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.audit.models import AuditAction
from indsats.audit.services import record, record_create, record_delete, record_update, snapshot
from indsats.economy import access, tasks
from indsats.economy.computation import run_computation
from indsats.economy.documents import (
    CASE_FIELDS,
    COST_FIELDS,
    OUTCOME_FIELDS,
    CaseInputError,
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
    check_shares,
)
from indsats.economy.selectors import current_catalogue, national_case, price_index_values
from indsats.engine import ENGINE_VERSION
from indsats.engine.investment.case_document import CaseError, inputs_hash, parse_case
from indsats.errors import DomainError
from indsats.interventions.models import Intervention

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


@transaction.atomic
def create_catalogue_edition(*, actor: User, title: str = "") -> PriceCatalogue:
    """A new draft edition: a copy of the latest edition's prices, with the next version number."""
    access.require_catalogue_manager(actor)
    draft = PriceCatalogue.objects.select_for_update().filter(is_published=False).first()
    if draft is not None:
        raise DomainError(
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
def publish_catalogue(*, actor: User, catalogue: PriceCatalogue) -> PriceCatalogue:
    """Publish a draft edition; from now on it is frozen."""
    access.require_catalogue_manager(actor)
    catalogue = PriceCatalogue.objects.select_for_update().get(pk=catalogue.pk)
    access.require_draft(catalogue)
    if not catalogue.prices.exists():
        raise DomainError(_("Et priskatalog uden priser kan ikke offentliggøres. Tilføj mindst én pris."))
    before = snapshot(catalogue)
    catalogue.is_published = True
    catalogue.published_at = timezone.now()
    catalogue.save(update_fields=["is_published", "published_at"])
    record_update(actor=actor, instance=catalogue, before=before, message=_("Offentliggjort"))
    return catalogue


@transaction.atomic
def create_unit_price(*, actor: User, catalogue: PriceCatalogue, **fields: Any) -> UnitPrice:
    """Add a price to a draft edition of the catalogue."""
    access.require_catalogue_manager(actor)
    catalogue = PriceCatalogue.objects.select_for_update().get(pk=catalogue.pk)
    access.require_draft(catalogue)
    check_shares(fields)
    price = UnitPrice(catalogue=catalogue, **{k: v for k, v in fields.items() if k in UNIT_PRICE_FIELDS})
    price.full_clean()
    price.save()
    record_create(actor=actor, instance=price)
    return price


@transaction.atomic
def update_unit_price(*, actor: User, price: UnitPrice, **fields: Any) -> UnitPrice:
    """Change a price of a draft edition."""
    access.require_catalogue_manager(actor)
    price = UnitPrice.objects.select_for_update().select_related("catalogue").get(pk=price.pk)
    access.require_draft(price.catalogue)
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
def delete_unit_price(*, actor: User, price: UnitPrice) -> None:
    """Remove a price from a draft edition."""
    access.require_catalogue_manager(actor)
    price = UnitPrice.objects.select_for_update().select_related("catalogue").get(pk=price.pk)
    access.require_draft(price.catalogue)
    record_delete(actor=actor, instance=price)
    price.delete()


@transaction.atomic
def set_price_index(*, actor: User, year: int, index: Decimal, source: str) -> PriceIndex:
    """Create or change the index value of one year."""
    access.require_catalogue_manager(actor)
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
# A second identical computation requested by the same person within this time is the same click twice.
RESUBMIT_WINDOW = datetime.timedelta(seconds=10)


def _check_document(
    fields: dict[str, Any], costs: list[dict[str, Any]], outcomes: list[dict[str, Any]]
) -> dict[str, Any]:
    """Build the engine's document and let the engine check it; a refusal names the row and field."""
    document, locations = case_document(fields, costs, outcomes, price_index_values())
    try:
        parse_case(document)
    except CaseError as error:
        raise CaseInputError(locate_error(error, locations, outcomes), error.field) from None
    return document


def _row_snapshots(case: BusinessCase) -> dict[str, Any]:
    return {
        "costs": [snapshot(cost) for cost in case.costs.all()],
        "outcomes": [snapshot(outcome) for outcome in case.outcomes.all()],
    }


@transaction.atomic
def create_business_case(*, actor: User, intervention: Intervention, **fields: Any) -> BusinessCase:
    """A new national case for an intervention, with no costs or outcomes yet; prices from the current
    catalogue."""
    access.require_national_case_maker(actor)
    values = {name: value for name, value in fields.items() if name in CASE_FIELDS}
    values.setdefault("catalogue", current_catalogue())
    case = BusinessCase(intervention=intervention, created_by=actor, **values)
    case.full_clean()
    case.save()
    record_create(actor=actor, instance=case)
    return case


@transaction.atomic
def create_local_business_case(
    *, actor: User, intervention: Intervention, municipality_id: int, **fields: Any
) -> BusinessCase:
    """A municipality's own case for an intervention it takes part in. Where the intervention has a
    national case, the local one starts as its copy (settings, cost lines and effects, which the
    municipality then changes: its participants, its own prices); otherwise empty, with the current
    catalogue's prices."""
    access.require_local_case_maker(actor, intervention, municipality_id)
    values = {name: value for name, value in fields.items() if name in CASE_FIELDS}
    source = national_case(intervention)
    if source is not None:
        values = {**{name: getattr(source, name) for name in CASE_FIELDS}, **values}
    values.setdefault("catalogue", current_catalogue())
    case = BusinessCase(
        intervention=intervention, municipality_id=municipality_id, created_by=actor, **values
    )
    case.full_clean()
    case.save()
    if source is not None:
        CostLine.objects.bulk_create(
            CostLine(case=case, position=line.position, **row_values(line, COST_FIELDS))
            for line in source.costs.all()
        )
        OutcomeLine.objects.bulk_create(
            OutcomeLine(case=case, position=line.position, **row_values(line, OUTCOME_FIELDS))
            for line in source.outcomes.all()
        )
    message = (
        _("Kopi af den nationale business case ”%(name)s” (nr. %(id)s)")
        % {"name": source.name, "id": source.pk}
        if source is not None
        else ""
    )
    record_create(actor=actor, instance=case, message=message)
    return case


def _case_for_editing(actor: User, case: BusinessCase) -> BusinessCase:
    """Permission first, then visibility (DoesNotExist: a 404), then the edit rule (national or local)."""
    access.require_business_case_manager(actor)
    found = access.visible_cases(actor, BusinessCase.objects.select_for_update()).get(pk=case.pk)
    access.require_case_editor(actor, found)
    return found


@transaction.atomic
def save_business_case(
    *,
    actor: User,
    case: BusinessCase,
    fields: dict[str, Any],
    costs: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
) -> BusinessCase:
    """Replace the case's fields, cost lines and outcomes, all or nothing, after the engine accepted the
    whole case (a CaseInputError names the row and field otherwise). One audit entry holds the changes of
    the fields and the rows before and after."""
    case = _case_for_editing(actor, case)
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
def request_computation(*, actor: User, case: BusinessCase) -> BusinessCaseResult:
    """Compute the saved case with its draws and seed. Up to INLINE_DRAWS draws are computed now; more are
    queued for the background worker (the result page polls its progress)."""
    case = _case_for_editing(actor, case)
    costs = [row_values(cost, COST_FIELDS) for cost in case.costs.all()]
    outcomes = [row_values(outcome, OUTCOME_FIELDS) for outcome in case.outcomes.all()]
    document = _check_document({name: getattr(case, name) for name in CASE_FIELDS}, costs, outcomes)
    digest = inputs_hash(parse_case(document))
    # A double-click on "Beregn": the same person, case, draws, seed and engine within a few seconds get
    # the result just made (or being made) instead of a copy; a deliberate recompute later is stored anew.
    same = (
        case.results.filter(
            computed_by=actor,
            requested_at__gte=timezone.now() - RESUBMIT_WINDOW,
            inputs_hash=digest,
            engine_version=ENGINE_VERSION,
            draws=case.draws,
            seed=case.seed,
        )
        .exclude(status=ResultStatus.FAILED)
        .order_by("-pk")
        .first()
    )
    if same is not None:
        return same
    result = BusinessCaseResult.objects.create(
        case=case,
        document=document,
        inputs_hash=digest,
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
        tasks.compute_business_case_result.enqueue(result.pk)
    return result
