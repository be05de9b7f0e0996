"""`indsats restore-check DUMP`: restore a dump into a scratch database and check it (operations.backup).

With --known-child CODE, one CPR number is read from standard input (never from the command line, where
it would be seen in the process list and the shell's history) and its pseudonym in municipality CODE,
computed with the configured PSEUDONYM_KEY, must be found in the restored database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indsats.operations.backup import BackupError, restore_check


class Command(BaseCommand):
    help = "Restore a dump into a scratch database and verify checksum, row counts, migrations and the key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dump", type=Path)
        parser.add_argument("--manifest", type=Path, default=None, help="default: the dump's .json beside it")
        parser.add_argument(
            "--known-child", metavar="MUNICIPALITY_CODE", default=None, help="read one CPR number from stdin"
        )
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")

    def handle(self, *args: Any, **options: Any) -> None:
        known_cpr = sys.stdin.readline().strip() if options["known_child"] else None
        try:
            report = restore_check(
                options["dump"],
                manifest_path=options["manifest"],
                known_cpr=known_cpr,
                municipality_code=options["known_child"],
                keep=options["keep"],
            )
        except (BackupError, OSError, ValueError) as error:
            raise CommandError(
                type(error).__name__ if isinstance(error, ValueError) else str(error)
            ) from error
        for name, passed, detail in report.checks:
            self.stdout.write(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}")
        if not report.passed:
            raise CommandError("the restore check failed")
        self.stdout.write("restore check passed")
