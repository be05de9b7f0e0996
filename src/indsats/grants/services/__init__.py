"""Every write of the grants app, one module per part of the work:

- `programmes`: programmes, programme years and initiatives
- `pools`: application pools (draft, edit, publish)
- `applications`: applications, co-editors, attachments, submission
- `decisions`: assessment, award and rejection
- `grant_management`: start or lapse, payments, reports, change requests
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
    submit_application,
    update_application,
)
from indsats.grants.services.decisions import award_application, record_assessment, reject_application
from indsats.grants.services.grant_management import (
    decide_change,
    lapse_unstarted_grants,
    record_payment,
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
from indsats.grants.services.pools import create_pool, publish_pool, update_pool
from indsats.grants.services.programmes import create_initiative, create_programme, save_programme_year
from indsats.grants.services.reminders import send_reminders

__all__ = [
    "add_attachment",
    "add_co_editor",
    "award_application",
    "create_application",
    "create_initiative",
    "create_pool",
    "create_programme",
    "decide_change",
    "lapse_unstarted_grants",
    "publish_pool",
    "record_assessment",
    "record_payment",
    "record_support",
    "record_training",
    "reject_application",
    "request_change",
    "save_programme_year",
    "send_reminders",
    "start_grant",
    "submit_application",
    "submit_report",
    "confirm_subscription",
    "send_to_subscribers",
    "subscribe",
    "unsubscribe",
    "update_application",
    "update_pool",
]
