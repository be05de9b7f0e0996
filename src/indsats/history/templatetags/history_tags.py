"""{% history_url obj %}: the address of a record's history page, for every detail page."""

from __future__ import annotations

from django import template
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

register = template.Library()


@register.simple_tag
def history_url(instance: models.Model) -> str:
    content_type = ContentType.objects.get_for_model(type(instance))
    return reverse("history:object_history", args=[content_type.pk, instance.pk])
