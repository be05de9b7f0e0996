"""`indsats demo`: load deterministic demo data (every app's part) into an empty database."""

from __future__ import annotations

import argparse
import base64
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from indsats.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_KEY, DEMO_USERS
from indsats.accounts.models import Organisation
from indsats.dashboard.demo import DemoSize, ProgressBar, demo_size, duration, load_demo


def _size(text: str) -> DemoSize:
    try:
        return demo_size(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a whole number of at least 1, or 'national'"
        ) from None


class Command(BaseCommand):
    help = "Load realistic, deterministic demo data. Refused in production mode unless --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=_size,
            default=DemoSize(scale=1),
            help="size: 1 is a small installation (default 1), N grows every part; 'national' is the "
            "national scale (1,008 interventions, 98 municipalities, 1,000,000 SDQ measurements: minutes)",
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--force", action="store_true", help="allow in production mode (DEBUG off)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (and succeed) when data already exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or options["force"] or getattr(settings, "TESTING", False)):
            raise CommandError(
                "Demo data creates log-ins with a published password. Run it with DEBUG=true, "
                "or add --force if you really mean to load it into this database."
            )
        size = options["scale"]
        if not isinstance(size, DemoSize):  # call_command("demo", scale=2) passes the value as it is
            try:
                size = demo_size(str(size))
            except ValueError as error:
                raise CommandError(f"--scale {size}: {error}") from None
        if Organisation.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data is already loaded (the database is not empty).")
                return
            raise CommandError(
                "The database already holds organisations. Demo data is loaded into an empty database "
                "only: use a new database, or `indsats flush` first."
            )
        shown = "national" if size.measurements else str(size.scale)
        self.stdout.write(f"Loading demo data (scale {shown}, seed {options['seed']}):")
        # Demo e-mails (receipts, newsletters) are kept in memory, not printed or sent.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            context = load_demo(
                size=size,
                seed=options["seed"],
                log=self.stdout.write,
                progress=ProgressBar(
                    write=lambda text: self.stdout.write(text, ending=""), is_terminal=self.stdout.isatty()
                ),
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {duration(context.objects['seconds'])}. "
                f"Log-ins (password {DEMO_PASSWORD}):"
            )
        )
        for username, _first, _last, role, organisation in DEMO_USERS:
            self.stdout.write(f"  {username:<22} {role:<22} {organisation}")
        self.stdout.write(
            "Administrators also give a two-factor code: add the key "
            f"{base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()} to an authenticator app "
            "(or run `oathtool --totp -b` with it)."
        )
