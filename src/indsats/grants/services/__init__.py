"""Every write of the grants app, one module per part of the work:

- `programmes`: programmes, programme years and initiatives
- `pools`: application pools (draft, edit, publish)
- `applications`: applications, co-editors, attachments, submission
- `decisions`: assessment, award and rejection
- `grant_management`: start or lapse, reports, change requests (an extension moves the plan)
- `payments`: instalments and repayments under four eyes (prepare, approve, second approval)
- `close_out`: reports approved or returned, finish, final report, settling the accounts, close, withdraw
- `reminders`, `newsletter`: the daily reminders and the pool newsletter
- `implementation`: training and implementation support in municipalities

A service takes keyword-only arguments, runs in one transaction, asks `grants.access` (the permission,
then the workflow table's row for the state) before it changes anything, and writes an audit entry.
Deadlines are aware datetimes; the pool's deadline is compared with the current instant, and shown in
Europe/Copenhagen. Callers import this package (`from indsats.grants import services`).
"""

from indsats.grants.services.applications import (
    add_attachment,
    add_co_editor,
    create_application,
    set_budget_lines,
    submit_application,
    update_application,
)
from indsats.grants.services.close_out import (
    approve_report,
    close_grant,
    finish_grant,
    return_report,
    settle_accounts,
    withdraw_grant,
)
from indsats.grants.services.decisions import (
    assign_assessor,
    award_application,
    record_assessment,
    reject_application,
)
from indsats.grants.services.grant_management import (
    decide_change,
    lapse_unstarted_grants,
    request_change,
    start_grant,
    submit_report,
)
from indsats.grants.services.implementation import record_support, record_training
from indsats.grants.services.newsletter import (
    confirm_subscription,
    send_to_subscribers,
    subscribe,
    unsubscribe,
)
from indsats.grants.services.payments import (
    approve_instalment,
    approve_repayment,
    prepare_instalment,
    register_repayment,
)
from indsats.grants.services.pools import create_pool, publish_pool, update_pool
from indsats.grants.services.programmes import create_initiative, create_programme, save_programme_year
from indsats.grants.services.reminders import send_reminders

__all__ = [
    "add_attachment",
    "add_co_editor",
    "approve_instalment",
    "approve_repayment",
    "approve_report",
    "assign_assessor",
    "award_application",
    "close_grant",
    "create_application",
    "create_initiative",
    "create_pool",
    "create_programme",
    "decide_change",
    "finish_grant",
    "lapse_unstarted_grants",
    "prepare_instalment",
    "publish_pool",
    "record_assessment",
    "record_support",
    "record_training",
    "register_repayment",
    "reject_application",
    "request_change",
    "return_report",
    "save_programme_year",
    "send_reminders",
    "set_budget_lines",
    "settle_accounts",
    "start_grant",
    "submit_application",
    "submit_report",
    "confirm_subscription",
    "send_to_subscribers",
    "subscribe",
    "unsubscribe",
    "update_application",
    "update_pool",
    "withdraw_grant",
]
