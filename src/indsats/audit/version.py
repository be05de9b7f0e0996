"""The version of the domain data that cached pages are keyed by (the front pages' panels, the portfolio
board and table).

Every write to domain data adds an audit entry (docs/ARCHITECTURE.md), so the newest entry's id changes
with every write. The id alone is not enough on PostgreSQL: a transaction A that wrote entry 100 can commit
after a transaction B that wrote 101, and a page built between the two commits (B's change in it, A's not)
would be kept under "101" until the next write. So the version also names the transactions still writing
when it is read (``pg_snapshot_xip``): that page is kept under "101, A in flight", and once A has committed
the version reads "101" again and the page is built afresh. Transactions that only read get no
transaction id and never appear. On SQLite writers take turns, so entries commit in the order of their ids.
"""

from __future__ import annotations

from django.db import connection

from indsats.audit.models import AuditEntry


def data_version() -> str:
    """The newest audit entry's id, and on PostgreSQL the ids of the transactions writing at this moment."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT max(id) FROM audit_auditentry), "
                "array(SELECT x FROM pg_snapshot_xip(pg_current_snapshot()) AS x ORDER BY 1)::text"
            )
            newest, in_flight = cursor.fetchone()
        return f"{newest or 0}:{in_flight}"
    newest = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    return str(newest or 0)
