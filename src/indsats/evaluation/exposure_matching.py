"""Matching the rows of a file of dose and fidelity to the children in an intervention, within what the
person may see (access.ExposureScope).

Municipality staff identify a child by CPR number (turned into its pseudonym in each of their own
municipalities; the number goes no further) or by the short pseudonym shown on the page; evaluators and
the agency by the ``deltager`` code of their exports. A row that names no child in the scope, a child
outside the intervention or a child already named in another row is an error on that row and column.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation
from indsats.engine.cpr import CprError, pseudonym, validate_cpr
from indsats.evaluation.access import ExposureScope
from indsats.evaluation.exposure import CPR_COLUMN, PSEUDONYM_COLUMN, ParsedFile, shown
from indsats.outcomes.models import Participant
from indsats.outcomes.pseudonyms import export_code, pseudonym_key
from indsats.ui.engine_messages import engine_message

SHORT_CODE_LENGTH = 10  # Participant.short_code


def match_children(parsed: ParsedFile, scope: ExposureScope) -> dict[int, int]:
    """Row -> participant id for every row that names a child of the scope in the intervention, once; the
    other rows get their error in ``parsed``."""
    enrolled = {
        pk: (municipality_id, code)
        for pk, municipality_id, code in Participant.objects.filter(
            enrolments__intervention=scope.intervention
        ).values_list("pk", "municipality_id", "pseudonym")
    }
    if parsed.identifier_column == CPR_COLUMN:
        resolved = _resolve_by_cpr(parsed, scope, set(enrolled))
    else:
        resolved = _resolve_by_code(parsed, scope, enrolled)
    first_row: dict[int, int] = {}
    for row in parsed.rows:
        participant_id = resolved.get(row.row)
        if participant_id is None:
            continue
        if participant_id in first_row:
            parsed.add(
                row.row,
                parsed.identifier_column,
                _(
                    "Samme barn står også i række %(first)s. Et barn må kun stå én gang i filen: slet den "
                    "ene række."
                )
                % {"first": first_row[participant_id]},
            )
        else:
            first_row[participant_id] = row.row
    return resolved


def _resolve_by_cpr(parsed: ParsedFile, scope: ExposureScope, enrolled: set[int]) -> dict[int, int]:
    """Row -> participant id for a file with CPR numbers. Each number is checked and turned into its
    pseudonym in each of the person's own municipalities; the number itself goes no further."""
    municipalities = list(
        Organisation.objects.filter(pk__in=scope.municipality_ids or ()).exclude(municipality_code="")
    )
    names = " / ".join(m.name for m in municipalities)
    key = pseudonym_key()
    candidates: dict[int, list[tuple[int, str]]] = {}  # row -> [(municipality id, pseudonym)]
    for row in parsed.rows:
        try:
            validate_cpr(row.identifier)
        except CprError as error:
            correction = _("Ret nummeret, eller slet rækken.")
            parsed.add(row.row, CPR_COLUMN, f"{engine_message(error)} {correction}")
            continue
        candidates[row.row] = [
            (m.pk, pseudonym(row.identifier, key=key, municipality_code=m.municipality_code))
            for m in municipalities
        ]
    codes = {code for found in candidates.values() for _m, code in found}
    known = {
        (municipality_id, code): pk
        for pk, municipality_id, code in Participant.objects.filter(
            municipality_id__in=scope.municipality_ids or (), pseudonym__in=codes
        ).values_list("pk", "municipality_id", "pseudonym")
    }
    resolved: dict[int, int] = {}
    for row_number, found in candidates.items():
        ids = [known[pair] for pair in found if pair in known]
        in_intervention = [pk for pk in ids if pk in enrolled]
        if in_intervention:
            resolved[row_number] = in_intervention[0]
        elif ids:
            parsed.add(
                row_number,
                CPR_COLUMN,
                _(
                    "Barnet er registreret i %(municipality)s, men deltager ikke i indsatsen "
                    "%(intervention)s. Tilmeld barnet indsatsen under Deltagere, eller slet rækken."
                )
                % {"municipality": names, "intervention": scope.intervention},
            )
        else:
            parsed.add(
                row_number,
                CPR_COLUMN,
                _(
                    "Der er intet barn med dette CPR-nummer blandt børnene i %(municipality)s. I kan kun "
                    "indberette for jeres egne børn: registrér barnet under Deltagere, eller slet rækken."
                )
                % {"municipality": names},
            )
    return resolved


def _resolve_by_code(
    parsed: ParsedFile, scope: ExposureScope, enrolled: dict[int, tuple[int, str]]
) -> dict[int, int]:
    """Row -> participant id for a file with the codes shown on the page (short pseudonym for municipality
    staff, the export's ``deltager`` code for evaluators and the agency)."""
    resolved: dict[int, int] = {}
    by_short: dict[str, list[tuple[int, int, str]]] = {}
    own_not_enrolled: set[str] = set()
    by_export: dict[str, int] = {}
    if scope.mode == "municipality":
        for pk, (municipality_id, code) in enrolled.items():
            by_short.setdefault(code[:SHORT_CODE_LENGTH], []).append((pk, municipality_id, code))
        own_not_enrolled = {
            code[:SHORT_CODE_LENGTH]
            for code in Participant.objects.filter(municipality_id__in=scope.municipality_ids or ())
            .exclude(pk__in=list(enrolled))
            .values_list("pseudonym", flat=True)
        }
    else:
        key = pseudonym_key()
        by_export = {export_code(code, scope.intervention.pk, key): pk for pk, (_m, code) in enrolled.items()}
    for row in parsed.rows:
        text = row.identifier.strip().lower()
        if scope.mode != "municipality":
            if text in by_export:
                resolved[row.row] = by_export[text]
            else:
                parsed.add(
                    row.row,
                    PSEUDONYM_COLUMN,
                    _(
                        "Koden %(code)s findes ikke blandt børnene i indsatsen %(intervention)s. Brug "
                        "deltagerkoden (16 tegn) fra en eksport af netop denne indsats, eller slet rækken."
                    )
                    % {"code": shown(row.identifier), "intervention": scope.intervention},
                )
            continue
        if len(text) < SHORT_CODE_LENGTH:
            parsed.add(
                row.row,
                PSEUDONYM_COLUMN,
                _("Koden %(code)s er for kort. Skriv de %(n)s tegn, der står i tabellen på siden.")
                % {"code": shown(row.identifier), "n": SHORT_CODE_LENGTH},
            )
            continue
        matches = [m for m in by_short.get(text[:SHORT_CODE_LENGTH], []) if m[2].startswith(text)]
        own = [pk for pk, municipality_id, _c in matches if municipality_id in (scope.municipality_ids or ())]
        if own:
            resolved[row.row] = own[0]
        elif matches:
            parsed.add(
                row.row,
                PSEUDONYM_COLUMN,
                _(
                    "Barnet hører ikke til jeres kommune. I kan kun indberette for jeres egne børn; "
                    "slet rækken."
                ),
            )
        elif text[:SHORT_CODE_LENGTH] in own_not_enrolled:
            parsed.add(
                row.row,
                PSEUDONYM_COLUMN,
                _(
                    "Barnet deltager ikke i indsatsen %(intervention)s. Tilmeld barnet indsatsen under "
                    "Deltagere, eller slet rækken."
                )
                % {"intervention": scope.intervention},
            )
        else:
            parsed.add(
                row.row,
                PSEUDONYM_COLUMN,
                _(
                    "Koden %(code)s findes ikke blandt jeres børn. Brug koden fra tabellen på siden, "
                    "eller slet rækken."
                )
                % {"code": shown(row.identifier)},
            )
    return resolved
