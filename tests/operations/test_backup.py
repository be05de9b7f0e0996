"""The restore drill: `indsats backup` then `indsats restore-check` on PostgreSQL (skipped on SQLite)."""

from __future__ import annotations

import io
import json
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from indsats.operations.backup import key_id
from indsats.outcomes.models import Participant
from indsats.outcomes.services.participants import register_participant

pytestmark = pytest.mark.django_db(transaction=True)

KNOWN_CPR = "0101151234"


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL; the drill runs in CI's PostgreSQL pass")


def run_restore_check(monkeypatch, *args: str, stdin: str = "") -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("restore_check", *args, stdout=out)
    return out.getvalue()


def test_a_backup_restores_with_its_counts_migrations_and_a_known_child(
    postgresql, tmp_path, monkeypatch, settings, aarhus, aarhus_caseworker, intervention
):
    register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=KNOWN_CPR
    )
    out = io.StringIO()
    call_command("backup", str(tmp_path), stdout=out)
    dump = next(tmp_path.glob("*.dump"))
    manifest = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert manifest["row_counts"]["outcomes_participant"] == Participant.objects.count() == 1
    assert manifest["pseudonym_key_id"] == key_id(settings.PSEUDONYM_KEY)
    text = dump.with_suffix(".json").read_text()
    assert settings.PSEUDONYM_KEY not in text and settings.SECRET_KEY not in text and KNOWN_CPR not in text

    report = run_restore_check(monkeypatch, str(dump), "--known-child", "751", stdin=KNOWN_CPR + "\n")
    assert "restore check passed" in report and "ok   known child recognised" in report
    assert KNOWN_CPR not in report

    # another child is not found; a changed key is told at once
    with pytest.raises(CommandError):
        run_restore_check(monkeypatch, str(dump), "--known-child", "751", stdin="0202151234\n")
    settings.PSEUDONYM_KEY = "another-key-of-at-least-thirty-two-chars"
    with pytest.raises(CommandError):
        run_restore_check(monkeypatch, str(dump), "--known-child", "751", stdin=KNOWN_CPR + "\n")


def test_a_damaged_dump_fails_the_check(postgresql, tmp_path, monkeypatch):
    call_command("backup", str(tmp_path), stdout=io.StringIO())
    dump = next(tmp_path.glob("*.dump"))
    dump.write_bytes(dump.read_bytes()[:-100])
    with pytest.raises(CommandError):
        run_restore_check(monkeypatch, str(dump))


def test_backup_on_sqlite_says_how_instead(db, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("backup", str(tmp_path))
