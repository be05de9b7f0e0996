"""The catalogue's domain errors."""

from __future__ import annotations

from django.utils.translation import gettext as _

from indsats.errors import DomainError


class AlreadyWithdrawn(DomainError):
    def __init__(self) -> None:
        super().__init__(_("Beskrivelsen er allerede trukket tilbage."))


class ReasonRequired(DomainError):
    def __init__(self, field: str) -> None:
        super().__init__(_("Skriv en begrundelse; den vises offentligt."), field=field)


class UnknownDocument(DomainError):
    def __init__(self) -> None:
        super().__init__(_("Et valgt dokument hører ikke til indsatsen."), field="documents")
