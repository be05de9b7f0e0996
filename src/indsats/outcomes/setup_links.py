"""Links on an intervention's set-up page that other apps offer: a small registry they fill.

The outcomes app sits below evaluation and economy, so it does not know their pages. An app above it that
has a page about an intervention's children (the evaluation app: dose and fidelity) registers a provider
in its AppConfig.ready(); the provider decides whether the person may use its page:

    register_setup_link(lambda user, intervention: SetupLink(text, url) if allowed else None)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.functional import Promise

from indsats.accounts.models import User
from indsats.interventions.models import Intervention


@dataclass(frozen=True)
class SetupLink:
    text: str | Promise
    url: str


SetupLinkProvider = Callable[[User | AnonymousUser, Intervention], SetupLink | None]
_PROVIDERS: list[SetupLinkProvider] = []


def register_setup_link(provider: SetupLinkProvider) -> SetupLinkProvider:
    """Add a provider of a link (registering the same function twice has no effect)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def setup_links(user: User | AnonymousUser, intervention: Intervention) -> list[SetupLink]:
    """The links the person may follow from the intervention's set-up page, in the order registered."""
    return [link for provider in _PROVIDERS if (link := provider(user, intervention)) is not None]
