"""The decision basis frozen: the facts of the five criteria as the steering group saw them.

When a gate review is sent and again when it is decided, every evidence provider's facts are taken in
Danish (the language of the record), written as canonical JSON (keys sorted, no spaces, UTF-8) and hashed
with sha256. A decided review shows the frozen facts and, beside them, what has changed since; anyone can
recompute the hash from the stored facts to see that nobody altered them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from django.utils import translation

from indsats.accounts.models import User
from indsats.interventions.evidence import EvidenceFact, live_facts
from indsats.interventions.models import Criterion, FactsSnapshot, GateReview, Intervention

FactsDocument = dict[str, list[dict[str, str]]]


def facts_document(facts: dict[str, list[EvidenceFact]]) -> FactsDocument:
    """Every criterion (in the fixed order of Criterion), each with its facts as plain dicts."""
    return {criterion: [asdict(fact) for fact in facts.get(criterion, [])] for criterion in Criterion.values}


def current_facts_document(intervention: Intervention) -> FactsDocument:
    """Today's facts, in Danish whatever the reader's language, so they compare with a frozen basis."""
    with translation.override("da"):
        return facts_document(live_facts(intervention))


def canonical_json(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def facts_sha256(document: Any) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def freeze_facts(*, review: GateReview, moment: str, actor: User | None) -> FactsSnapshot:
    """Store today's facts for the review. Part of a service's transaction (submit or decide)."""
    document = current_facts_document(review.intervention)
    return FactsSnapshot.objects.create(
        review=review, moment=moment, facts=document, sha256=facts_sha256(document), taken_by=actor
    )


def is_intact(snapshot: FactsSnapshot) -> bool:
    """Does the stored hash still match the stored facts?"""
    return facts_sha256(snapshot.facts) == snapshot.sha256


def latest_snapshot(review: GateReview) -> FactsSnapshot | None:
    return review.fact_snapshots.order_by("-taken_at", "-id").first()


@dataclass(frozen=True)
class FactChange:
    """One fact that differs between the frozen basis and today (None on a side where it is absent)."""

    label: str
    frozen: str | None
    today: str | None


def changes_since(frozen: FactsDocument, today: FactsDocument) -> dict[str, list[FactChange]]:
    """Per criterion, the facts whose value changed, appeared or disappeared since the basis was frozen."""
    changes: dict[str, list[FactChange]] = {}
    for criterion in Criterion.values:
        before = {fact["label"]: fact["value"] for fact in frozen.get(criterion, [])}
        after = {fact["label"]: fact["value"] for fact in today.get(criterion, [])}
        labels = list(before) + [label for label in after if label not in before]
        found = [
            FactChange(label, before.get(label), after.get(label))
            for label in labels
            if before.get(label) != after.get(label)
        ]
        if found:
            changes[criterion] = found
    return changes


def frozen_facts(snapshot: FactsSnapshot) -> dict[str, list[EvidenceFact]]:
    """The stored facts back as EvidenceFact, for the page that shows them."""
    return {
        criterion: [EvidenceFact(**fact) for fact in facts]
        for criterion, facts in snapshot.facts.items()
        if isinstance(facts, list)
    }
