"""The demo publishes a realistic catalogue: eight or more descriptions with different ratings, phases and
economics, one in two versions, one withdrawn."""

from __future__ import annotations

import pytest
from django.test import Client

from indsats.catalogue.models import Publication
from indsats.dashboard.demo import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_a_varied_catalogue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    load_demo(scale=1, log=lambda _message: None)
    publications = list(Publication.objects.all())
    assert len(publications) >= 8
    assert sum(p.is_withdrawn for p in publications) == 1
    assert any(p.current_version == 2 for p in publications)
    listed = [p for p in publications if not p.is_withdrawn]
    assert len({p.evidence_grade for p in listed}) >= 2
    assert len({p.phase for p in listed}) >= 2
    assert len({p.cost_band for p in listed}) >= 2
    assert any(p.versions.get(number=p.current_version).snapshot["documents"] for p in listed)
    body = Client().get("/katalog/").content.decode()
    assert f"{len(listed)} indsatser" in body
