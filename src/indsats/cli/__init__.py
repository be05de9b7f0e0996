"""The one console script, ``indsats``.

Two kinds of sub-command live behind it:

* engine commands (``business-case``, ``score``, ``meta``, ``causal``, ``prepost``, ``allocate``)
  compute from files with the pure engine and need no database, no settings and no secret: they never
  import Django;
* every other sub-command is one of Django's management commands (``serve``, ``demo``, ``migrate``,
  ``import-outcomes``, ...), run with Indsats' settings. A hyphen in the name is read as an underscore.
"""

from __future__ import annotations

import importlib
import os
import sys

# sub-command -> "module:function"; the function takes argv (without the sub-command) and returns an exit code
ENGINE_COMMANDS: dict[str, str] = {
    "business-case": "indsats.cli.business_case:main",
    "score": "indsats.cli.score:main",
    "meta": "indsats.cli.statistics:meta_main",
    "causal": "indsats.cli.statistics:causal_main",
    "prepost": "indsats.cli.statistics:prepost_main",
    "allocate": "indsats.cli.allocate:main",
}

# Short names for Django management commands.
COMMAND_ALIASES: dict[str, str] = {}

USAGE = """\
indsats: the system for developing social interventions that work

Usage: indsats COMMAND [ARGS...]

Commands that need no database:
  business-case CASE.json   compute a business case (investment model)
  score INSTRUMENT IN.csv   score questionnaires (e.g. SDQ) in a CSV file
  meta STUDIES.csv          meta-analysis of effect sizes
  causal DATA.csv           treatment effect (PSM, IPW, ANCOVA)
  prepost DATA.csv          pre-post change
  allocate FILE.csv --budget N   which candidates to fund within a budget (allocation helper)

Commands that use the database (Django management commands):
  serve                     start the web server (development server)
  worker                    run background tasks and the daily jobs (leases, heartbeat, schedule)
  backup DIR                PostgreSQL dump and manifest (never the keys)
  restore-check DUMP        restore a dump into a scratch database and check it
  demo [--scale N|national] load deterministic demo data (national: 1,000,000 measurements)
  import-outcomes FILE ...  import questionnaire answers from CSV/Excel (all or nothing)
  purge-expired-outcomes    delete outcome data past its retention period
  refresh-insight-summaries rebuild the insight page's summary tables
  recount-portfolio         count the portfolio board's figures again (after writes outside the services)
  check-outcome-references [--repair-totals]
                            check outcome data's references and each municipality's totals (the
                            daily job); recount the totals that differ from a live count
  grants-daily              lapse grants not started in 6 months; send reminders
  governance-daily          ask partners about operation after funding; remind; mark conditions overdue
  migrate                   create or update the database schema
  makemessages, ...         any other Django management command
  help                      list every management command
"""


def _run_engine_command(name: str, argv: list[str]) -> int:
    module_name, function_name = ENGINE_COMMANDS[name].split(":")
    module = importlib.import_module(module_name)
    result: int = getattr(module, function_name)(argv)
    return result


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE)
        return 0
    command = args[0]
    if command in ENGINE_COMMANDS:
        return _run_engine_command(command, args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indsats.config.settings")
    # Django is needed only by the management commands, never by the engine commands
    from django.core.management import execute_from_command_line

    django_command = COMMAND_ALIASES.get(command, command.replace("-", "_"))
    execute_from_command_line(["indsats", django_command, *args[1:]])
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
