"""`indsats import-outcomes FILE ...`: check a CSV or .xlsx of questionnaires, then import it all or nothing.

    indsats import-outcomes sdq.xlsx --user sagsbehandler-aarhus --municipality 751 \
        --intervention "Skolefravær" --round baseline --instrument sdq-parent-4-17 [--source-system dubu]
        [--max-rows 2000000 --max-cells 60000000 --max-bytes 1073741824]

Every error is printed with its row and column, and nothing is imported; a valid file is written in one
transaction with a progress bar and the time of each phase. Killing the command leaves the database as it
was. The command reads larger files than a web upload (settings CLI_IMPORT_MAX_ROWS, CLI_IMPORT_MAX_CELLS,
CLI_IMPORT_MAX_BYTES, or the options; docs/operations.md): a million questionnaires in one file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from indsats.accounts.models import Organisation, User
from indsats.errors import DomainError
from indsats.outcomes import selectors, tabular
from indsats.outcomes.models import ImportStatus, Instrument, MeasurementRound, RoundKind, SourceSystem
from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.imports import check_import_in_memory


class Command(BaseCommand):
    help = "Importér spørgeskemaer fra en CSV- eller Excel-fil (alt eller intet)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="brugernavnet på den, der importerer")
        parser.add_argument("--municipality", required=True, help="kommunekoden, fx 751")
        parser.add_argument("--intervention", required=True, help="indsatsens navn eller id")
        parser.add_argument("--round", required=True, choices=RoundKind.values)
        parser.add_argument("--instrument", required=True, help="fx sdq-parent-4-17")
        parser.add_argument("--instrument-version", type=int, default=None)
        parser.add_argument("--source-system", choices=SourceSystem.values, default=None)
        parser.add_argument(
            "--reason", default="", help="hvorfor I bruger et redskab, der ikke er på styrelsens kortliste"
        )
        parser.add_argument("--check-only", action="store_true", help="tjek filen uden at importere")
        parser.add_argument(
            "--max-rows", type=int, default=None, help="flest rækker (standard: CLI_IMPORT_MAX_ROWS)"
        )
        parser.add_argument(
            "--max-cells", type=int, default=None, help="flest celler (standard: CLI_IMPORT_MAX_CELLS)"
        )
        parser.add_argument(
            "--max-bytes", type=int, default=None, help="største fil i bytes (standard: CLI_IMPORT_MAX_BYTES)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with _command_line_limits(
            rows=options["max_rows"] or settings.CLI_IMPORT_MAX_ROWS,
            cells=options["max_cells"] or settings.CLI_IMPORT_MAX_CELLS,
            size=options["max_bytes"] or settings.CLI_IMPORT_MAX_BYTES,
        ):
            self._import(**options)

    def _import(self, **options: Any) -> None:
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"Brugeren {options['user']} findes ikke.")
        municipality = Organisation.objects.filter(municipality_code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Ingen kommune har koden {options['municipality']}.")
        intervention_filter = (
            {"intervention_id": int(options["intervention"])}
            if options["intervention"].isdigit()
            else {"intervention__name": options["intervention"]}
        )
        measurement_round = MeasurementRound.objects.filter(
            kind=options["round"], **intervention_filter
        ).first()
        if measurement_round is None:
            raise CommandError("Indsatsen har ingen sådan målerunde.")
        selectors.instruments()
        instruments = Instrument.objects.filter(key=options["instrument"]).order_by("-version")
        if options["instrument_version"]:
            instruments = instruments.filter(version=options["instrument_version"])
        instrument = instruments.first()
        if instrument is None:
            raise CommandError(f"Måleredskabet {options['instrument']} findes ikke.")
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"Filen {path} findes ikke.")
        try:
            tabular.check_size(path.stat().st_size)
        except DomainError as refused:
            raise CommandError(refused.text) from None
        mapping: dict[str, str] = {}
        if options["source_system"]:
            saved = selectors.column_mapping(
                user=actor,
                municipality=municipality,
                source_system=options["source_system"],
                instrument_key=instrument.key,
            )
            mapping = saved.mapping if saved else {}

        try:
            # checked and written in this process: the rows stay in memory (not kept on the job)
            job, rows = check_import_in_memory(
                actor=actor,
                municipality=municipality,
                measurement_round=measurement_round,
                instrument=instrument,
                content=path.read_bytes(),
                file_name=path.name,
                mapping=mapping,
                reason=options["reason"],
            )
        except DomainError as refused:
            raise CommandError(refused.text) from None
        if job.status != ImportStatus.VALIDATED:
            for error in job.errors:
                where = f"række {error['row']}, kolonne {error['column']}" if error["row"] else "filen"
                self.stderr.write(f"{where}: {error['message']}")
            if job.error_count > len(job.errors):
                self.stderr.write(f"... og {job.error_count - len(job.errors)} fejl mere.")
            raise CommandError(f"{job.error_count} fejl: intet er importeret.", returncode=2)
        self.stdout.write(f"{job.total_rows} rækker er gyldige.")
        if options["check_only"]:
            return
        with tqdm(total=job.total_rows, unit="rækker", desc="Sender", disable=None) as bar:

            def progress(done: int, total: int) -> None:
                bar.update(done - bar.n)

            def phase(name: str, seconds: float) -> None:
                bar.write(f"{name}: {seconds:.2f} s")

            job = commit_import(actor=actor, job=job, rows=rows, progress=progress, on_phase=phase)
        self.stdout.write(job.message)


@contextmanager
def _command_line_limits(*, rows: int, cells: int, size: int) -> Iterator[None]:
    """The command's own limits on the file (tabular.Limits reads the settings), for this call only."""
    names = {"TABLE_MAX_ROWS": rows, "TABLE_MAX_CELLS": cells, "UPLOAD_MAX_BYTES": size}
    before = {name: getattr(settings, name) for name in names}
    for name, value in names.items():
        setattr(settings, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(settings, name, value)
