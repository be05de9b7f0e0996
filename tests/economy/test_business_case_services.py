from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from indsats.accounts.models import Role
from indsats.audit.models import AuditEntry
from indsats.economy import services
from indsats.economy.computation import recompute_matches
from indsats.economy.documents import COST_FIELDS, OUTCOME_FIELDS, CaseInputError, row_values
from indsats.economy.models import BusinessCase, BusinessCaseResult, ResultStatus
from indsats.engine import ENGINE_VERSION
from indsats.engine.investment.case_document import parse_case
from indsats.engine.investment.model import compute_case
from tests.economy.factories import InterventionFactory, UnitPriceFactory, worked_example_case
from tests.factories import person_with_role

pytestmark = pytest.mark.django_db


def rows(case):
    costs = [row_values(cost, COST_FIELDS) for cost in case.costs.all()]
    outcomes = [row_values(outcome, OUTCOME_FIELDS) for outcome in case.outcomes.all()]
    return costs, outcomes


def test_the_worked_example_gives_the_hand_computed_figures(economist):
    # docs/business-case.md, undiscounted (flat-0): costs 1500 + 500, gains 1000 + 500 + 250
    case = worked_example_case()
    result = services.request_computation(actor=economist, case=case)
    assert result.status == ResultStatus.DONE
    figures = result.result
    assert figures["pv_costs"] == pytest.approx(2000.0)
    assert figures["pv_gains"] == pytest.approx(1750.0)
    assert figures["npv"] == pytest.approx(-250.0)
    assert figures["by_payer"]["stat"]["npv"] == pytest.approx(0.4 * 1750.0)
    assert result.engine_version == ENGINE_VERSION and len(result.inputs_hash) == 64
    assert result.computed_by == economist and result.computed_at is not None


def test_a_stored_result_recomputes_identically(economist):
    case = worked_example_case(draws=2000, seed=7)
    stored = services.request_computation(actor=economist, case=case)
    stored = BusinessCaseResult.objects.get(pk=stored.pk)  # as read back from the database
    again = compute_case(parse_case(stored.document), draws=stored.draws, seed=stored.seed)
    assert again.to_dict() == stored.result
    assert again.inputs_hash == stored.inputs_hash
    assert recompute_matches(stored) is True
    assert stored.histogram["counts"] and sum(stored.histogram["counts"]) == 2000


def test_a_changed_seed_gives_other_draws_but_the_same_inputs_hash(economist):
    case = worked_example_case(draws=500, seed=1)
    first = services.request_computation(actor=economist, case=case)
    case.seed = 2
    case.save()
    second = services.request_computation(actor=economist, case=case)
    assert first.inputs_hash == second.inputs_hash
    assert first.result["npv_mean"] != second.result["npv_mean"]


def test_large_draw_counts_run_as_a_background_task(economist, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case = worked_example_case(draws=services.INLINE_DRAWS + 1000, seed=3)
    result = services.request_computation(actor=economist, case=case)
    result.refresh_from_db()
    assert result.status == ResultStatus.DONE
    assert result.progress == result.draws
    assert 0.0 <= result.result["p_positive"] <= 1.0


def test_an_engine_error_names_the_outcome_row_and_the_share_field(economist):
    case = worked_example_case()
    costs, outcomes = rows(case)
    outcomes.append({**outcomes[0], "name": "second", "share_stat": Decimal("0.3")})
    with pytest.raises(CaseInputError) as raised:
        services.save_business_case(actor=economist, case=case, fields={}, costs=costs, outcomes=outcomes)
    location = raised.value.location
    assert (location.section, location.row, location.field) == ("outcomes", 1, "share_kommune")
    assert "summerer til 0,9" in location.message
    assert case.outcomes.count() == 1  # nothing saved


def test_a_year_outside_the_horizon_names_the_cost_row_counted_over_base_alternatives(economist):
    case = worked_example_case()
    costs, outcomes = rows(case)
    costs.insert(0, {**costs[0], "is_base_alternative": True, "name": "usual support"})
    costs[2] = {**costs[2], "years": "0, 5"}
    with pytest.raises(CaseInputError) as raised:
        services.save_business_case(actor=economist, case=case, fields={}, costs=costs, outcomes=outcomes)
    location = raised.value.location
    assert (location.section, location.row, location.field) == ("costs", 2, "years")
    assert "år 5 ligger uden for tidshorisonten" in location.message


def test_a_missing_price_index_names_the_outcome_that_needs_it(economist):
    case = worked_example_case()
    costs, outcomes = rows(case)
    outcomes[0] = {**outcomes[0], "unit_price_year": 2019}
    with pytest.raises(CaseInputError) as raised:
        services.save_business_case(actor=economist, case=case, fields={}, costs=costs, outcomes=outcomes)
    assert (raised.value.location.section, raised.value.location.row) == ("outcomes", 0)
    assert "2019" in raised.value.location.message


def test_a_catalogue_price_brings_its_amount_year_and_payer_split(economist):
    price = UnitPriceFactory(
        amount=Decimal("2000"), price_year=2024, share_kommune=Decimal("0.5"), share_stat=Decimal("0.5")
    )
    case = worked_example_case()
    costs, outcomes = rows(case)
    outcomes[0] = {**outcomes[0], "unit_price": price, "unit_price_amount": None}
    services.save_business_case(actor=economist, case=case, fields={}, costs=costs, outcomes=outcomes)
    result = services.request_computation(actor=economist, case=case)
    outcome = result.document["outcomes"][0]
    assert outcome["unit_price"] == 2000 and outcome["payers"] == {"kommune": 0.5, "stat": 0.5}
    assert result.result["pv_gains"] == pytest.approx(3500.0)


def test_saving_writes_one_audit_entry_with_the_changed_rows(economist):
    case = worked_example_case()
    costs, outcomes = rows(case)
    costs[0] = {**costs[0], "value": Decimal("1200")}
    before = AuditEntry.objects.count()
    services.save_business_case(
        actor=economist, case=case, fields={"participants": 12}, costs=costs, outcomes=outcomes
    )
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.changes["participants"] == [10, 12]
    assert "costs" in entry.changes and "outcomes" not in entry.changes


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.STEERING_GROUP, Role.EVALUATOR])
def test_only_economists_and_the_agency_build_business_cases(role):
    person = person_with_role(role)
    case = worked_example_case()
    with pytest.raises(PermissionDenied):
        services.create_business_case(
            actor=person, intervention=InterventionFactory(), name="x", participants=1, price_year=2024
        )
    with pytest.raises(PermissionDenied):
        services.request_computation(actor=person, case=case)
    with pytest.raises(PermissionDenied):
        services.save_business_case(actor=person, case=case, fields={}, costs=[], outcomes=[])


def test_a_municipality_manager_builds_no_national_case_and_sees_none_outside_its_practice():
    """Its own local cases: tests/economy/test_local_business_cases.py."""
    person = person_with_role(Role.MUNICIPALITY_MANAGER)
    case = worked_example_case()
    with pytest.raises(PermissionDenied):
        services.create_business_case(
            actor=person, intervention=InterventionFactory(), name="x", participants=1, price_year=2024
        )
    with pytest.raises(BusinessCase.DoesNotExist):
        services.request_computation(actor=person, case=case)
    with pytest.raises(BusinessCase.DoesNotExist):
        services.save_business_case(actor=person, case=case, fields={}, costs=[], outcomes=[])


def test_a_new_case_takes_the_current_published_catalogue(economist, agency_staff):
    UnitPriceFactory(catalogue__is_published=True, catalogue__version=5)
    case = services.create_business_case(
        actor=economist, intervention=InterventionFactory(), name="Ny", participants=20, price_year=2024
    )
    assert case.catalogue.version == 5
