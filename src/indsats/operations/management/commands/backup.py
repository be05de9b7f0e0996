"""`indsats backup DIR`: a consistent PostgreSQL dump (custom format) and its manifest; never a key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indsats.operations.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write a PostgreSQL dump (pg_dump custom format) and a manifest (migrations, row counts, SHA-256)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="the folder the dump and manifest are written to")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            dump, manifest = backup(options["directory"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{dump}\n{manifest}")
