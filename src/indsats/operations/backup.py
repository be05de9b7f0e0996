"""`indsats backup` and `indsats restore-check`: a consistent PostgreSQL dump with a manifest, and a drill
that restores it into a scratch database and checks it.

The dump is pg_dump's custom format, taken in the snapshot in which the manifest's row counts were
counted (pg_export_snapshot), so the two agree. The manifest holds the schema version (the migrations
applied), the row count of every table, the dump's SHA-256 and a key id (an HMAC of a fixed text, from
which the key cannot be found) – never a key. The restore check verifies the checksum, restores into a
new database, compares counts and migrations, and recomputes a known child's pseudonym from the CPR number
with the configured PSEUDONYM_KEY: only with the right key is any child recognised again.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from indsats.engine.cpr import pseudonym

MANIFEST_VERSION = 1


class BackupError(Exception):
    """The backup or the restore check could not be made (the message says why, never a CPR number)."""


def _require_postgresql() -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise BackupError(
            "indsats backup needs PostgreSQL; a SQLite database is backed up with "
            "`sqlite3 var/indsats.sqlite3 '.backup copy.sqlite3'`"
        )
    return connection.settings_dict


def _pg_environment(database: dict[str, Any], name: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(database.get("HOST") or "127.0.0.1"),
            "PGPORT": str(database.get("PORT") or 5432),
            "PGUSER": str(database.get("USER") or ""),
            "PGDATABASE": name or str(database["NAME"]),
        }
    )
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return env


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found: install PostgreSQL's client programs")
    return found


def key_id(key: str | bytes) -> str:
    """A short id of a key that reveals nothing of it: tells whether a dump was made with this key."""
    raw = key.encode() if isinstance(key, str) else bytes(key)
    return hmac.new(raw, b"indsats-key-id-v1", hashlib.sha256).hexdigest()[:16]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _row_counts(cursor: Any) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from pg_tables
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _applied_migrations(cursor: Any) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def code_migrations() -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.disk_migrations)


def backup(directory: Path, *, now: datetime.datetime | None = None) -> tuple[Path, Path]:
    """Write DIR/indsats-<time>.dump and its manifest DIR/indsats-<time>.json; returns both paths."""
    database = _require_postgresql()
    now = now or timezone.now()
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"indsats-{now.strftime('%Y%m%dT%H%M%SZ')}"
    dump_path = directory / f"{stem}.dump"
    with psycopg.connect(**_connect_arguments(database)) as snapshot_connection:
        snapshot_connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with snapshot_connection.transaction(), snapshot_connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            row = cursor.fetchone()
            if row is None:  # pragma: no cover - PostgreSQL always answers
                raise BackupError("PostgreSQL exported no snapshot")
            snapshot = row[0]
            counts = _row_counts(cursor)
            migrations = _applied_migrations(cursor)
            result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                [
                    _program("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    f"--file={dump_path}",
                ],
                env=_pg_environment(database),
                capture_output=True,
                text=True,
                check=False,
            )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    dump_path.chmod(0o600)  # pseudonymised special-category data: for the backup operator only
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "created_at": now.isoformat(),
        "dump_file": dump_path.name,
        "dump_sha256": sha256_of(dump_path),
        "dump_bytes": dump_path.stat().st_size,
        "migrations": migrations,
        "row_counts": counts,
        "pseudonym_key_id": key_id(settings.PSEUDONYM_KEY),
    }
    manifest_path = directory / f"{stem}.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    manifest_path.chmod(0o600)
    return dump_path, manifest_path


def _connect_arguments(database: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    arguments = {
        "host": database.get("HOST") or "127.0.0.1",
        "port": database.get("PORT") or 5432,
        "user": database.get("USER") or None,
        "dbname": name or database["NAME"],
    }
    if database.get("PASSWORD"):
        arguments["password"] = database["PASSWORD"]
    return arguments


@dataclass
class RestoreReport:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def add(self, name: str, passed: bool, detail: str = "") -> None:
        self.checks.append((name, passed, detail))

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(passed for _name, passed, _detail in self.checks)


def restore_check(
    dump_path: Path,
    *,
    manifest_path: Path | None = None,
    known_cpr: str | None = None,
    municipality_code: str | None = None,
    keep: bool = False,
) -> RestoreReport:
    """Restore the dump into a new scratch database and check it against its manifest and this code."""
    database = _require_postgresql()
    manifest_path = manifest_path or dump_path.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text())
    report = RestoreReport()
    report.add("checksum", sha256_of(dump_path) == manifest["dump_sha256"], manifest["dump_sha256"][:16])
    report.add(
        "pseudonym key",
        key_id(settings.PSEUDONYM_KEY) == manifest["pseudonym_key_id"],
        "the configured PSEUDONYM_KEY is the one the dump was made with",
    )
    scratch = f"indsats_restore_check_{secrets.token_hex(4)}"
    with psycopg.connect(**_connect_arguments(database), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [_program("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={scratch}", str(dump_path)],
            env=_pg_environment(database, scratch),
            capture_output=True,
            text=True,
            check=False,
        )
        report.add("pg_restore", result.returncode == 0, result.stderr.strip()[:300])
        with (
            psycopg.connect(**_connect_arguments(database, scratch)) as restored,
            restored.cursor() as cursor,
        ):
            counts = _row_counts(cursor)
            differing = sorted(
                table
                for table in set(counts) | set(manifest["row_counts"])
                if counts.get(table) != manifest["row_counts"].get(table)
            )
            report.add(
                "row counts",
                not differing,
                f"{len(counts)} tables, {sum(counts.values())} rows"
                + (f"; differ: {', '.join(differing[:10])}" if differing else ""),
            )
            applied = _applied_migrations(cursor)
            report.add("migrations as in the manifest", applied == manifest["migrations"], f"{len(applied)}")
            missing = sorted(set(code_migrations()) - set(applied))
            report.add(
                "migrations of this code",
                not missing,
                "all applied" if not missing else f"to apply after restore: {', '.join(missing[:10])}",
            )
            if known_cpr is not None and municipality_code is not None:
                report.add(
                    "known child recognised",
                    _pseudonym_found(cursor, known_cpr, municipality_code),
                    "the pseudonym recomputed from the CPR number with PSEUDONYM_KEY is in the restore",
                )
    finally:
        if not keep:
            with psycopg.connect(**_connect_arguments(database), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    return report


def _pseudonym_found(cursor: Any, cpr: str, municipality_code: str) -> bool:
    participant = apps.get_model("outcomes", "Participant")
    organisation = apps.get_model("accounts", "Organisation")
    code = pseudonym(cpr, key=_key_bytes(), municipality_code=municipality_code)
    cursor.execute(
        f'SELECT count(*) FROM "{participant._meta.db_table}" p '  # noqa: S608 - names from the models
        f'JOIN "{organisation._meta.db_table}" o ON o.id = p.municipality_id '
        "WHERE p.pseudonym = %s AND o.municipality_code = %s",
        [code, municipality_code],
    )
    return int(cursor.fetchone()[0]) == 1


def _key_bytes() -> bytes:
    key = settings.PSEUDONYM_KEY
    return key.encode() if isinstance(key, str) else bytes(key)
