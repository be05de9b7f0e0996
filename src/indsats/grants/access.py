"""What may this person do with this grants record now: the one home of the app's access rules.

Three questions, always asked in this order, so a person who may not see a record learns nothing of
its state:
1. May the person see the record? (`can_view_*`; a service refuses with PermissionDenied, a page
   with 404.)
2. May the person take the action on such a record at all? The action's permission in the workflow
   table (`grants/workflow.py`), and for an applicant's actions that the person acts for the
   applicant: an application is edited only by its editors, a grant is run by its grantee.
3. Does the record's state allow the action now? A row of the workflow table, or `WrongState` with a
   Danish message.

Views ask `allowed_actions(user, obj)` to decide which buttons to show; services call
`require_action(actor, obj, action)`, which asks all three and returns the row to follow.

Four eyes on money (instalments, repayment claims): between 2 and 3, the person who approves must not be
the one who prepared it nor the one who approved it first (`FourEyesRequired`), and `approval_target`
says whether this approval pays (or claims) or awaits a second approver (above
`settings.GRANTS_SECOND_APPROVAL_ABOVE`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation, User
from indsats.accounts.permissions import (
    APPLY_FOR_GRANTS,
    ASSESS_APPLICATIONS,
    MANAGE_POOLS,
    RECOMMEND_ALLOCATIONS,
    has_permission,
    organisation_ids_of,
)
from indsats.grants.errors import FourEyesRequired
from indsats.grants.models import (
    Application,
    ChangeRequest,
    FourEyesMoney,
    Grant,
    Instalment,
    Pool,
    PoolStatus,
    RepaymentClaim,
    RepaymentStatus,
    ReportingDuty,
)
from indsats.grants.workflow import (
    APPLICATIONS,
    CHANGES,
    DUTIES,
    GRANTS,
    INSTALMENTS,
    POOLS,
    REPAYMENTS,
    ApplicationAction,
    DutyAction,
    GrantAction,
    InstalmentAction,
    InstalmentState,
    PoolAction,
    RepaymentAction,
    duty_state,
    instalment_state,
    permission_for,
)
from indsats.state_machine import Transition, TransitionTable

Person = User | AnonymousUser
# A record with a workflow: what `allowed_actions` and `require_action` take.
WorkflowRecord = Pool | Application | Grant | Instalment | ReportingDuty | RepaymentClaim | ChangeRequest


# --- who the person is to the grants app -------------------------------------------------------------


def is_grants_staff(user: Person) -> bool:
    """The agency's people who manage pools or assess applications."""
    return has_permission(user, MANAGE_POOLS) or has_permission(user, ASSESS_APPLICATIONS)


def can_view_programmes(user: Person) -> bool:
    """Programmes, years and initiatives: the agency and the steering group."""
    return has_permission(user, MANAGE_POOLS) or has_permission(user, RECOMMEND_ALLOCATIONS)


def is_editor(user: Person, application: Application) -> bool:
    """The person who created the application or a co-editor they added, still in its organisation."""
    if user.pk is None or application.applicant_id not in organisation_ids_of(user):
        return False
    # Through .all(), so the application page's prefetched co-editors are used.
    return application.created_by_id == user.pk or any(
        editor.pk == user.pk for editor in application.co_editors.all()
    )


def is_grantee(user: Person, grant: Grant) -> bool:
    """An applicant who acts for the organisation that holds the grant."""
    return has_permission(user, APPLY_FOR_GRANTS) and grant.application.applicant_id in organisation_ids_of(
        user
    )


def applicant_organisations(user: Person, pool: Pool) -> QuerySet[Organisation]:
    """The organisations the person acts for that may apply to the pool (a foundation's person is not
    offered a pool only municipalities may apply to)."""
    return Organisation.objects.filter(
        pk__in=organisation_ids_of(user), kind__in=pool.eligible_applicants
    ).order_by("name")


# --- 1. may the person see the record ----------------------------------------------------------------


def can_view_pool(user: Person, pool: Pool) -> bool:
    """A published pool is public; a draft only for the agency's grants staff."""
    return pool.status != PoolStatus.DRAFT or is_grants_staff(user)


def can_view_application(user: Person, application: Application) -> bool:
    """The applicant organisation's people always; the agency's grants staff once it is submitted."""
    if application.applicant_id in organisation_ids_of(user):
        return True
    return is_grants_staff(user) and not application.is_draft


def can_view_grant(user: Person, grant: Grant) -> bool:
    return can_view_application(user, grant.application)


def can_view(user: Person, obj: WorkflowRecord) -> bool:
    if isinstance(obj, Pool):
        return can_view_pool(user, obj)
    if isinstance(obj, Application):
        return can_view_application(user, obj)
    if isinstance(obj, Grant):
        return can_view_grant(user, obj)
    return can_view_grant(user, obj.grant)


# --- 2. may the person take the action on such a record ----------------------------------------------


def _table_and_state(obj: WorkflowRecord) -> tuple[TransitionTable, str]:
    if isinstance(obj, Pool):
        return POOLS, obj.status
    if isinstance(obj, Application):
        return APPLICATIONS, obj.status
    if isinstance(obj, Grant):
        return GRANTS, obj.status
    if isinstance(obj, Instalment):
        return INSTALMENTS, instalment_state(obj)
    if isinstance(obj, ReportingDuty):
        return DUTIES, duty_state(obj)
    if isinstance(obj, RepaymentClaim):
        return REPAYMENTS, obj.status
    return CHANGES, obj.status


def is_assigned_or_unassigned(user: Person, application: Application) -> bool:
    """Once assessors are assigned to an application, only they assess it; before, any assessor may.
    Through .all(), so a page's prefetched assignments are used."""
    assigned = {assignment.assessor_id for assignment in application.assignments.all()}
    return not assigned or user.pk in assigned


def _acts_for_applicant(user: Person, obj: WorkflowRecord, action: str) -> bool:
    """An applicant's actions are taken for the applicant: by the application's editors, the grantee.
    Assessing is for the assigned assessors."""
    if isinstance(obj, Application) and action in {ApplicationAction.EDIT, ApplicationAction.SUBMIT}:
        return is_editor(user, obj)
    if isinstance(obj, Application) and action == ApplicationAction.ASSESS:
        return is_assigned_or_unassigned(user, obj)
    if isinstance(obj, Grant) and action in {
        GrantAction.START,
        GrantAction.FINISH,
        GrantAction.REQUEST_CHANGE,
    }:
        return is_grantee(user, obj)
    if isinstance(obj, ReportingDuty) and action == DutyAction.SUBMIT:
        return is_grantee(user, obj.grant)
    if isinstance(obj, Pool) and action == PoolAction.APPLY:
        return applicant_organisations(user, obj).exists()
    return True


# --- four eyes on money ------------------------------------------------------------------------------

_APPROVALS = {(Instalment, InstalmentAction.APPROVE), (RepaymentClaim, RepaymentAction.APPROVE)}


def is_approval(obj: WorkflowRecord, action: str) -> bool:
    return any(isinstance(obj, kind) and action == approve for kind, approve in _APPROVALS)


def is_fresh_pair_of_eyes(user: Person, money: FourEyesMoney) -> bool:
    """Whether the person has taken no earlier step with this money (prepared or approved it)."""
    return user.pk is not None and user.pk not in money.approvers()


def needs_second_approval(amount: Decimal) -> bool:
    return amount > Decimal(settings.GRANTS_SECOND_APPROVAL_ABOVE)


def approval_target(money: Instalment | RepaymentClaim) -> str:
    """The state this approval leads to: paid (or claimed), or waiting for a second approver."""
    first = money.approved_by_id is None
    done: str
    waiting: str
    if isinstance(money, Instalment):
        done, waiting = InstalmentState.PAID, InstalmentState.APPROVED_ONCE
    else:
        done, waiting = RepaymentStatus.CLAIMED, RepaymentStatus.APPROVED_ONCE
    return waiting if first and needs_second_approval(money.amount) else done


def _money_grant_allows(obj: WorkflowRecord, action: str) -> bool:
    """An instalment is paid only while the grant allows payments."""
    if isinstance(obj, Instalment):
        return GRANTS.allows(obj.grant.status, GrantAction.PAY_INSTALMENT)
    return True


def may(user: Person, obj: WorkflowRecord, action: str) -> bool:
    """Whether the person may see `obj` and take `action` on it, whatever its state now."""
    table, _state = _table_and_state(obj)
    return (
        can_view(user, obj)
        and has_permission(user, permission_for(table, action))
        and _acts_for_applicant(user, obj, action)
    )


def require_may(user: Person, obj: WorkflowRecord, action: str) -> None:
    """PermissionDenied unless the person may see `obj` and take `action` on it (state not yet asked)."""
    if not may(user, obj, action):
        raise PermissionDenied(action)


# --- 3. does the state allow it now ------------------------------------------------------------------


def _state_allows(obj: WorkflowRecord, action: str) -> bool:
    table, state = _table_and_state(obj)
    return table.allows(state, action) and _money_grant_allows(obj, action)


def allowed_actions(user: Person, obj: WorkflowRecord) -> frozenset[str]:
    """The actions the person may take on `obj` now (for the buttons a page shows)."""
    table, state = _table_and_state(obj)
    if not can_view(user, obj):
        return frozenset()
    return frozenset(
        row.action
        for row in table.from_state(state)
        if may(user, obj, row.action)
        and _state_allows(obj, row.action)
        and not (
            is_approval(obj, row.action)
            and isinstance(obj, FourEyesMoney)
            and not is_fresh_pair_of_eyes(user, obj)
        )
    )


def require_action(user: Person, obj: WorkflowRecord, action: str, to_state: str | None = None) -> Transition:
    """The workflow row for the person's `action` on `obj`: PermissionDenied first if they may not take
    it, then the table's WrongState (a Danish message) if the state does not allow it now."""
    require_may(user, obj, action)
    table, state = _table_and_state(obj)
    if is_approval(obj, action) and isinstance(obj, Instalment | RepaymentClaim):
        to_state = approval_target(obj)
    row = table.find(state, action, to_state)
    if isinstance(obj, Instalment):
        GRANTS.find(obj.grant.status, GrantAction.PAY_INSTALMENT)
    if is_approval(obj, action) and isinstance(obj, FourEyesMoney) and not is_fresh_pair_of_eyes(user, obj):
        raise FourEyesRequired(
            _("En anden person skal godkende: du har selv forberedt eller godkendt beløbet.")
        )
    return row
