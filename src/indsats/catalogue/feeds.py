"""Atom feeds: new and changed publications in the catalogue, and open application pools."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from indsats.catalogue import selectors
from indsats.catalogue.models import PublishedVersion
from indsats.grants.models import Pool
from indsats.grants.selectors import open_pools


class PublicationFeed(Feed[PublishedVersion, None]):
    feed_type = Atom1Feed
    title = _("Indsatskataloget: nye og ændrede beskrivelser")
    subtitle = _("Offentliggjorte versioner af beskrivelser af sociale indsatser.")

    def link(self) -> str:
        return reverse("catalogue:index")

    def items(self) -> QuerySet[PublishedVersion]:
        return selectors.feed_versions()

    def item_title(self, item: PublishedVersion) -> str:
        return f"{item.publication.name} (version {item.number})"

    def item_description(self, item: PublishedVersion) -> str:
        return f"{item.snapshot.get('summary', '')} – {item.change_note}"

    def item_link(self, item: PublishedVersion) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: PublishedVersion) -> datetime.datetime:
        return item.published_at

    def item_updateddate(self, item: PublishedVersion) -> datetime.datetime:
        return item.published_at


class PoolFeed(Feed[Pool, None]):
    feed_type = Atom1Feed
    title = _("Åbne ansøgningspuljer")
    subtitle = _("Puljer, der er åbne for ansøgninger nu.")

    def link(self) -> str:
        return reverse("grants:index")

    def items(self) -> Any:
        return open_pools().order_by("deadline")

    def item_title(self, item: Pool) -> str:
        return item.title

    def item_description(self, item: Pool) -> str:
        return item.purpose

    def item_link(self, item: Pool) -> str:
        return reverse("grants:pool_detail", args=[item.pk])

    def item_pubdate(self, item: Pool) -> datetime.datetime | None:
        return item.published_at or item.opens_at
