"""`indsats serve`: the development web server, with the demo log-ins printed."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from indsats.accounts.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = (
        "Start Indsats' development web server (production: gunicorn -c python:indsats.config.gunicorn ...)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["addrport"]
        self.stdout.write(self.style.SUCCESS(f"\nIndsats kører på http://{address}/\n"))
        self.stdout.write(f"Demo-log-ind (adgangskode for alle: {DEMO_PASSWORD}):")
        for username, _first, _last, role_label, organisation in DEMO_USERS:
            self.stdout.write(f"  {username:<22} {role_label}, {organisation}")
        self.stdout.write("")
        call_command("runserver", address, use_reloader=not options["noreload"])
