"""Who may see a record of the steering group's record (and so its audit history): the agency and the
steering group, as access.py decides. Registered with accounts.permissions from the app's ready()."""

from __future__ import annotations

from indsats.accounts.permissions import register_visibility_rule
from indsats.governance.access import sees_meetings
from indsats.governance.models import AgendaItem, ItemDecision, Meeting, Recusal, Vote

for model in (Meeting, AgendaItem, ItemDecision, Recusal, Vote):
    register_visibility_rule(model, lambda user, _record: sees_meetings(user))
