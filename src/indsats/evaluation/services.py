"""Every write of the evaluation app: one transaction, one permission check, one audit entry."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation
from indsats.audit.services import record_create, record_update, snapshot
from indsats.engine import ENGINE_VERSION
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.cpr import CprError, pseudonym, validate_cpr
from indsats.evaluation import estimation, report, selectors
from indsats.evaluation.exposure import (
    CPR_COLUMN,
    PSEUDONYM_COLUMN,
    ExposureFileError,
    ParsedFile,
    RowError,
    export_code,
    parse_exposure_file,
    shown,
)
from indsats.evaluation.models import (
    Analysis,
    Design,
    Exposure,
    Grade,
    RenderedReport,
    RenderStatus,
    ReportKind,
    Study,
)
from indsats.evaluation.selectors import ExposureScope, can_manage_studies_of, can_see_study, exposure_scope
from indsats.outcomes.models import Enrolment, Participant
from indsats.outcomes.registry import engine_instrument
from indsats.outcomes.services import pseudonym_key
from indsats.ui.engine_messages import engine_message

DEFAULT_SEED = 20240101
SHORT_CODE_LENGTH = 10  # Participant.short_code


def require_study_manager(actor: Any, intervention: Any) -> None:
    if not can_manage_studies_of(actor, intervention):
        raise PermissionDenied("evaluation.manage_studies")


def _validate(
    *,
    intervention: Any,
    design: str,
    instrument: Any,
    score_key: str,
    baseline_round: Any,
    follow_up_round: Any,
    comparison_intervention: Any | None,
) -> None:
    errors: dict[str, str] = {}
    if score_key not in engine_instrument(instrument).score_keys:
        errors["score_key"] = _("Skalaen “%(key)s” findes ikke i %(instrument)s. Vælg en af: %(keys)s.") % {
            "key": score_key,
            "instrument": instrument,
            "keys": ", ".join(engine_instrument(instrument).score_keys),
        }
    for field, measurement_round in (
        ("baseline_round", baseline_round),
        ("follow_up_round", follow_up_round),
    ):
        if measurement_round.intervention_id != intervention.pk:
            errors[field] = _("Målerunden hører til en anden indsats. Vælg en af indsatsens egne målerunder.")
    if baseline_round.pk == follow_up_round.pk:
        errors["follow_up_round"] = _("Eftermålingen skal være en anden målerunde end førmålingen.")
    if design != Design.PRE_POST and comparison_intervention is None:
        errors["comparison_intervention"] = _(
            "Et design med to grupper kræver en sammenligningsgruppe. "
            "Vælg den indsats, hvis børn er kontrolgruppe."
        )
    if comparison_intervention is not None and comparison_intervention.pk == intervention.pk:
        errors["comparison_intervention"] = _(
            "Sammenligningsgruppen skal være en anden indsats end den, der evalueres."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_study(
    *,
    actor: Any,
    intervention: Any,
    name: str,
    design: str,
    instrument: Any,
    score_key: str,
    baseline_round: Any,
    follow_up_round: Any,
    comparison_intervention: Any | None = None,
    adjust_for_age: bool = True,
    adjust_for_sex: bool = True,
) -> Study:
    require_study_manager(actor, intervention)
    _validate(
        intervention=intervention,
        design=design,
        instrument=instrument,
        score_key=score_key,
        baseline_round=baseline_round,
        follow_up_round=follow_up_round,
        comparison_intervention=comparison_intervention,
    )
    study = Study.objects.create(
        intervention=intervention,
        name=name,
        design=design,
        instrument=instrument,
        score_key=score_key,
        baseline_round=baseline_round,
        follow_up_round=follow_up_round,
        comparison_intervention=comparison_intervention,
        adjust_for_age=adjust_for_age,
        adjust_for_sex=adjust_for_sex,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_create(actor=actor, instance=study)
    return study


@transaction.atomic
def run_analysis(*, actor: Any, study: Study, seed: int = DEFAULT_SEED) -> Analysis:
    """Run the engine on the scores of the study and store the result with its provenance.

    Raises ValidationError (Danish, naming the problem) when the data cannot be analysed.
    """
    require_study_manager(actor, study.intervention)
    try:
        found = estimation.estimate(study, seed=seed)
    except StatisticsInputError as error:
        raise ValidationError(
            _(
                "Analysen kunne ikke beregnes ud fra målingerne (%(detail)s). Tjek at børnene er målt i både "
                "før- og eftermålingen med %(instrument)s."
            )
            % {"detail": engine_message(error), "instrument": study.instrument}
        ) from error
    higher_is_better = engine_instrument(study.instrument).direction(study.score_key) == "higher_is_better"
    proposed = estimation.propose_grade(
        level=study.evidence_level, result=found.result, higher_is_better=higher_is_better
    )
    analysis = Analysis.objects.create(
        study=study,
        method=found.method,
        result=found.result,
        n=found.n,
        warnings=found.warnings,
        inputs_hash=found.inputs_hash,
        engine_version=ENGINE_VERSION,
        seed=seed,
        evidence_level=study.evidence_level,
        proposed_grade=proposed,
        grade=proposed,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_create(actor=actor, instance=analysis)
    return analysis


@transaction.atomic
def override_grade(*, actor: Any, analysis: Analysis, grade: str, reason: str) -> Analysis:
    """The evaluator's own judgement of the effect dimension, with a reason (audited)."""
    require_study_manager(actor, analysis.study.intervention)
    if grade not in Grade.values:
        raise ValidationError({"grade": _("Vælg en vurdering mellem A og D.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv en begrundelse for at ændre den foreslåede vurdering.")})
    before = snapshot(analysis)
    analysis.grade = grade
    analysis.grade_reason = reason.strip()
    analysis.save(update_fields=["grade", "grade_reason"])
    record_update(actor=actor, instance=analysis, before=before, message=reason.strip())
    return analysis


# --- dose and fidelity (Exposure) ------------------------------------------------------------------------


def require_exposure_scope(actor: Any, intervention: Any) -> ExposureScope:
    """The actor's scope for dose and fidelity in the intervention, or PermissionDenied."""
    scope = exposure_scope(actor, intervention)
    if scope is None:
        raise PermissionDenied("evaluation.exposure")
    return scope


def _check_exposure_values(sessions: int | None, fidelity: float | None) -> None:
    errors: dict[str, str] = {}
    if sessions is not None and (isinstance(sessions, bool) or int(sessions) != sessions or sessions < 0):
        errors["sessions"] = _("Antallet af sessioner skal være et helt tal på 0 eller mere.")
    if fidelity is not None and not (isinstance(fidelity, int | float) and 0 <= fidelity <= 1):
        errors["fidelity"] = _("Troskab skal være en andel mellem 0 og 1 (fx 0,8 for 80 %).")
    if errors:
        raise ValidationError(errors)


def _save_exposure(
    *,
    actor: Any,
    intervention: Any,
    participant_id: int,
    sessions: int | None,
    fidelity: float | None,
    existing: Exposure | None,
    message: str,
) -> str:
    """Create or change one child's values with an audit entry; "created", "updated" or "unchanged"."""
    if existing is not None and existing.sessions == sessions and existing.fidelity == fidelity:
        return "unchanged"
    before = snapshot(existing) if existing is not None else None
    exposure, created = Exposure.objects.update_or_create(
        intervention=intervention,
        participant_id=participant_id,
        defaults={
            "sessions": sessions,
            "fidelity": fidelity,
            "recorded_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    if created or before is None:
        record_create(actor=actor, instance=exposure, message=message)
        return "created"
    record_update(actor=actor, instance=exposure, before=before, message=message)
    return "updated"


@transaction.atomic
def record_exposure(
    *,
    actor: Any,
    intervention: Any,
    participant: Participant,
    sessions: int | None,
    fidelity: float | None,
) -> Exposure:
    """Set one child's dose (sessions received) and fidelity (0-1) in an intervention; None: not known.

    Municipality staff only for their own municipality's children; the agency and assigned evaluators for
    every child in the intervention.
    """
    scope = require_exposure_scope(actor, intervention)
    if scope.municipality_ids is not None and participant.municipality_id not in scope.municipality_ids:
        raise PermissionDenied("municipality")
    if not Enrolment.objects.filter(participant=participant, intervention=intervention).exists():
        raise ValidationError({"participant": _("Barnet deltager ikke i denne indsats.")})
    _check_exposure_values(sessions, fidelity)
    existing = (
        Exposure.objects.select_for_update()
        .filter(intervention=intervention, participant=participant)
        .first()
    )
    _save_exposure(
        actor=actor,
        intervention=intervention,
        participant_id=participant.pk,
        sessions=sessions,
        fidelity=fidelity,
        existing=existing,
        message=_("Indtastet for ét barn"),
    )
    return Exposure.objects.get(intervention=intervention, participant=participant)


@dataclasses.dataclass
class ExposureImport:
    """The outcome of an import of dose and fidelity: the errors (nothing written) or the counts."""

    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)
    error_count: int = 0

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0


def _resolve_by_cpr(
    parsed: ParsedFile, scope: ExposureScope, enrolled: set[int]
) -> tuple[dict[int, int], ParsedFile]:
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
            parsed.add(
                row.row, CPR_COLUMN, f"{engine_message(error)} " + _("Ret nummeret, eller slet rækken.")
            )
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
    return resolved, parsed


def _resolve_by_code(
    parsed: ParsedFile, scope: ExposureScope, enrolled: dict[int, tuple[int, str]]
) -> tuple[dict[int, int], ParsedFile]:
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
    return resolved, parsed


@transaction.atomic
def import_exposures(*, actor: Any, intervention: Any, content: bytes, file_name: str) -> ExposureImport:
    """Check every row of a file of dose and fidelity, then write all rows or none (evaluation/exposure.py
    describes the columns). Each created or changed value gets its own audit entry naming the file and row.

    A file with errors writes nothing: the result lists every error by row and column.
    """
    scope = require_exposure_scope(actor, intervention)
    result = ExposureImport(file_name=file_name[:255])
    try:
        parsed = parse_exposure_file(content, file_name, allow_cpr=scope.uses_cpr)
    except ExposureFileError as error:
        result.errors, result.error_count = [RowError(0, "", error.message)], 1
        return result
    if parsed.error_count and not parsed.rows:
        result.errors, result.error_count = parsed.errors, parsed.error_count
        return result
    enrolled = {
        pk: (municipality_id, code)
        for pk, municipality_id, code in Participant.objects.filter(
            enrolments__intervention=intervention
        ).values_list("pk", "municipality_id", "pseudonym")
    }
    if parsed.identifier_column == CPR_COLUMN:
        resolved, parsed = _resolve_by_cpr(parsed, scope, set(enrolled))
    else:
        resolved, parsed = _resolve_by_code(parsed, scope, enrolled)
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
    result.rows = len(parsed.rows)
    if parsed.error_count:
        result.errors = sorted(parsed.errors, key=lambda e: (e.row, e.column))
        result.error_count = parsed.error_count
        return result
    existing = {
        e.participant_id: e
        for e in Exposure.objects.select_for_update().filter(
            intervention=intervention, participant_id__in=list(first_row)
        )
    }
    for row in parsed.rows:
        participant_id = resolved[row.row]
        stored = existing.get(participant_id)
        outcome = _save_exposure(
            actor=actor,
            intervention=intervention,
            participant_id=participant_id,
            sessions=row.sessions if parsed.has_sessions else (stored.sessions if stored else None),
            fidelity=row.fidelity if parsed.has_fidelity else (stored.fidelity if stored else None),
            existing=stored,
            message=_("Import fra %(file)s, række %(row)s") % {"file": result.file_name, "row": row.row},
        )
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


# --- report PDFs, rendered by a background worker ------------------------------------------------------


@transaction.atomic
def request_report_pdf(*, actor: Any, analysis: Analysis, kind: str, language: str) -> RenderedReport:
    """Order the PDF of an analysis's report in one kind and language from the background worker.

    A PDF already ordered (queued, being rendered or done) is returned as it is: an analysis's numbers
    never change, so one rendering serves everyone who may see the study. A failed rendering is ordered
    again. The task is enqueued when the transaction commits."""
    if not can_see_study(actor, analysis.study):
        raise PermissionDenied("evaluation")
    if kind not in ReportKind.values or language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("Ukendt rapporttype eller sprog."))
    Analysis.objects.select_for_update().filter(pk=analysis.pk).first()  # one order at a time
    rendered = (
        RenderedReport.objects.defer("pdf").filter(analysis=analysis, kind=kind, language=language).first()
    )
    if rendered is None:
        rendered = RenderedReport.objects.create(
            analysis=analysis,
            kind=kind,
            language=language,
            requested_by=actor if getattr(actor, "pk", None) else None,
        )
        record_create(actor=actor, instance=rendered)
    elif rendered.status == RenderStatus.FAILED:
        before = snapshot(rendered)
        rendered.status = RenderStatus.QUEUED
        rendered.error = ""
        rendered.finished_at = None
        rendered.save(update_fields=["status", "error", "finished_at"])
        record_update(actor=actor, instance=rendered, before=before, message=_("Ny dannelse af rapporten."))
    else:
        return rendered
    from indsats.evaluation.tasks import render_report_pdf

    rendered_id = rendered.pk
    transaction.on_commit(lambda: render_report_pdf.enqueue(rendered_id=rendered_id))
    return rendered


def render_report(*, rendered_id: int) -> None:
    """Render an ordered report PDF with its language active and store it (called by the worker; the
    permission was checked when it was ordered). Any error ends the rendering as failed, with its text."""
    rendered = RenderedReport.objects.defer("pdf").get(pk=rendered_id)
    if rendered.status == RenderStatus.DONE:
        return
    RenderedReport.objects.filter(pk=rendered_id).update(status=RenderStatus.RUNNING)
    try:
        analysis = selectors.analyses_with_study().get(pk=rendered.analysis_id)
        with translation.override(rendered.language):
            pdf = report.report_pdf(analysis, rendered.kind)
    except Exception as error:  # whatever breaks the rendering is shown to the person
        RenderedReport.objects.filter(pk=rendered_id).update(
            status=RenderStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        return
    RenderedReport.objects.filter(pk=rendered_id).update(
        status=RenderStatus.DONE, pdf=pdf, error="", finished_at=timezone.now()
    )
