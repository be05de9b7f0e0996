"""Every write of the evaluation app: one transaction, the permission check first (evaluation.access),
one audit entry."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.audit.services import record_create, record_update, snapshot
from indsats.engine import ENGINE_VERSION
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.statistics.randomisation import INTERVENTION_ARM, AllocationSequence, allocation_sequence
from indsats.errors import DomainError
from indsats.evaluation import access, estimation, exposure_matching, tasks
from indsats.evaluation.allocation_lists import parse_allocation_list
from indsats.evaluation.exposure import (
    ExposureFileError,
    ExposureImport,
    RowError,
    parse_exposure_file,
)
from indsats.evaluation.models import (
    Allocation,
    AllocationMethod,
    Analysis,
    Arm,
    Design,
    Exposure,
    Grade,
    Randomisation,
    RatingDecision,
    RatingLevel,
    RenderedReport,
    RenderStatus,
    ReportKind,
    Study,
)
from indsats.evaluation.rating import proposed_rating
from indsats.evaluation.selectors import paired_children
from indsats.interventions.models import Intervention
from indsats.outcomes.models import Enrolment, Instrument, MeasurementRound, Participant
from indsats.outcomes.registry import engine_instrument
from indsats.outcomes.services.insight_summary import enrolments_changed
from indsats.ui.engine_messages import engine_message
from indsats.uploads import safe_file_name

DEFAULT_SEED = 20240101
MIN_PAIRED_CHILDREN = 3
"""The engine's least number of children with both a pre and a post score."""
RESUBMIT_WINDOW = datetime.timedelta(seconds=10)
"""A second identical request within this time is the same click twice."""


def _validate(
    *,
    intervention: Intervention,
    design: str,
    instrument: Instrument,
    score_key: str,
    baseline_round: MeasurementRound,
    follow_up_round: MeasurementRound,
    comparison_intervention: Intervention | None,
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
    if not errors:
        paired = paired_children(instrument=instrument, rounds=(baseline_round, follow_up_round))
        if paired < MIN_PAIRED_CHILDREN:
            errors["outcome"] = _(
                "Kun %(n)s børn er målt med %(instrument)s i både førmålingen og eftermålingen; der skal "
                "være mindst %(minimum)s. Vælg det måleredskab og de målerunder, indsatsen har data for."
            ) % {"n": paired, "instrument": instrument, "minimum": MIN_PAIRED_CHILDREN}
    if errors:
        raise DomainError(errors)


@transaction.atomic
def create_study(
    *,
    actor: User,
    intervention: Intervention,
    name: str,
    design: str,
    instrument: Instrument,
    score_key: str,
    baseline_round: MeasurementRound,
    follow_up_round: MeasurementRound,
    comparison_intervention: Intervention | None = None,
    adjust_for_age: bool = True,
    adjust_for_sex: bool = True,
    is_independent: bool = False,
    cluster_by_municipality: bool = True,
    no_clustering_reason: str = "",
) -> Study:
    access.require_study_manager(actor, intervention)
    if not cluster_by_municipality and not no_clustering_reason.strip():
        raise DomainError(
            _("Skriv, hvorfor standardfejlen ikke skal være klyngerobust efter kommune."),
            field="no_clustering_reason",
        )
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
        is_independent=is_independent,
        cluster_by_municipality=cluster_by_municipality,
        no_clustering_reason=no_clustering_reason.strip() if not cluster_by_municipality else "",
        created_by=actor,
    )
    record_create(actor=actor, instance=study)
    return study


@transaction.atomic
def run_analysis(*, actor: User, study: Study, seed: int = DEFAULT_SEED) -> Analysis:
    """Run the engine on the scores of the study and store the result with its provenance.

    Raises a DomainError (Danish, naming the problem) when the data cannot be analysed.
    """
    access.require_study_manager(actor, study.intervention)
    study = Study.objects.select_for_update().get(pk=study.pk)  # two clicks at once run one after the other
    try:
        found = estimation.estimate(study, seed=seed)
    except StatisticsInputError as error:
        raise DomainError(
            _(
                "Analysen kunne ikke beregnes ud fra målingerne (%(detail)s). Tjek at børnene er målt i både "
                "før- og eftermålingen med %(instrument)s."
            )
            % {"detail": engine_message(error), "instrument": study.instrument}
        ) from error
    # A double-click on "Beregn analysen": the same person, data, seed and engine within a few seconds
    # get the analysis just stored instead of a copy (a deliberate recompute later is stored anew).
    same = (
        Analysis.objects.filter(
            created_by=actor,
            created_at__gte=timezone.now() - RESUBMIT_WINDOW,
            study=study,
            inputs_hash=found.inputs_hash,
            seed=seed,
            engine_version=ENGINE_VERSION,
            evidence_level=study.evidence_level,
        )
        .order_by("-pk")
        .first()
    )
    if same is not None:
        return same
    higher_is_better = engine_instrument(study.instrument).direction(study.score_key) == "higher_is_better"
    design_notes = study.randomisation_problems()
    level = study.evidence_level
    proposed = estimation.propose_grade(level=level, result=found.result, higher_is_better=higher_is_better)
    analysis = Analysis.objects.create(
        study=study,
        method=found.method,
        result=found.result,
        n=found.n,
        warnings=found.warnings,
        inputs_hash=found.inputs_hash,
        engine_version=ENGINE_VERSION,
        seed=seed,
        evidence_level=level,
        proposed_grade=proposed,
        grade=proposed,
        design_notes=design_notes,
        clustered=bool(found.result.get("clustering", {}).get("clustered")),
        created_by=actor,
    )
    record_create(actor=actor, instance=analysis)
    return analysis


@transaction.atomic
def override_grade(*, actor: User, analysis: Analysis, grade: str, reason: str) -> Analysis:
    """The evaluator's own judgement of the effect dimension, with a reason (audited)."""
    access.require_study_manager(actor, analysis.study.intervention)
    if grade not in Grade.values:
        raise DomainError(_("Vælg en vurdering mellem A og D."), field="grade")
    if not reason.strip():
        raise DomainError(_("Skriv en begrundelse for at ændre den foreslåede vurdering."), field="reason")
    before = snapshot(analysis)
    analysis.grade = grade
    analysis.grade_reason = reason.strip()
    analysis.save(update_fields=["grade", "grade_reason"])
    record_update(actor=actor, instance=analysis, before=before, message=reason.strip())
    return analysis


# --- dose and fidelity (Exposure) ------------------------------------------------------------------------


def _check_exposure_values(sessions: int | None, fidelity: float | None) -> None:
    errors: dict[str, str] = {}
    if sessions is not None and (isinstance(sessions, bool) or int(sessions) != sessions or sessions < 0):
        errors["sessions"] = _("Antallet af sessioner skal være et helt tal på 0 eller mere.")
    if fidelity is not None and not (isinstance(fidelity, int | float) and 0 <= fidelity <= 1):
        errors["fidelity"] = _("Troskab skal være en andel mellem 0 og 1 (fx 0,8 for 80 %).")
    if errors:
        raise DomainError(errors)


def _save_exposure(
    *,
    actor: User,
    intervention: Intervention,
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
            "recorded_by": actor,
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
    actor: User,
    intervention: Intervention,
    participant: Participant,
    sessions: int | None,
    fidelity: float | None,
) -> Exposure:
    """Set one child's dose (sessions received) and fidelity (0-1) in an intervention; None: not known.

    Municipality staff only for their own municipality's children; the agency and assigned evaluators for
    every child in the intervention.
    """
    scope = access.require_exposure_scope(actor, intervention)
    access.require_child_in_scope(scope, participant)
    if not Enrolment.objects.filter(participant=participant, intervention=intervention).exists():
        raise DomainError(_("Barnet deltager ikke i denne indsats."), field="participant")
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


@transaction.atomic
def import_exposures(
    *, actor: User, intervention: Intervention, content: bytes, file_name: str
) -> ExposureImport:
    """Check every row of a file of dose and fidelity, then write all rows or none (evaluation/exposure.py
    describes the columns). Each created or changed value gets its own audit entry naming the file and row.

    A file with errors writes nothing: the result lists every error by row and column.
    """
    scope = access.require_exposure_scope(actor, intervention)
    result = ExposureImport(file_name=safe_file_name(file_name)[:255])
    try:
        parsed = parse_exposure_file(content, file_name, allow_cpr=scope.uses_cpr)
    except ExposureFileError as error:
        result.errors, result.error_count = [RowError(0, "", error.text)], 1
        return result
    if parsed.error_count and not parsed.rows:
        result.errors, result.error_count = parsed.errors, parsed.error_count
        return result
    resolved = exposure_matching.match_children(parsed, scope)
    result.rows = len(parsed.rows)
    if parsed.error_count:
        result.errors = sorted(parsed.errors, key=lambda e: (e.row, e.column))
        result.error_count = parsed.error_count
        return result
    existing = {
        e.participant_id: e
        for e in Exposure.objects.select_for_update().filter(
            intervention=intervention, participant_id__in=list(resolved.values())
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
def request_report_pdf(*, actor: User, analysis: Analysis, kind: str, language: str) -> RenderedReport:
    """Order the PDF of an analysis's report in one kind and language from the background worker.

    A PDF already ordered (queued, being rendered or done) is returned as it is: an analysis's numbers
    never change, so one rendering serves everyone who may see the study. A failed rendering is ordered
    again. The task is enqueued when the transaction commits."""
    access.require_study_reader(actor, analysis.study)
    if kind not in ReportKind.values or language not in {code for code, _name in settings.LANGUAGES}:
        raise DomainError(_("Ukendt rapporttype eller sprog."))
    Analysis.objects.select_for_update().filter(pk=analysis.pk).first()  # one order at a time
    rendered = (
        RenderedReport.objects.defer("pdf").filter(analysis=analysis, kind=kind, language=language).first()
    )
    if rendered is None:
        rendered = RenderedReport.objects.create(
            analysis=analysis,
            kind=kind,
            language=language,
            requested_by=actor,
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
    rendered_id = rendered.pk
    transaction.on_commit(lambda: tasks.render_report_pdf.enqueue(rendered_id=rendered_id))
    return rendered


# --- randomisation ----------------------------------------------------------------------------------------


def _require_randomised_study_without_list(study: Study) -> None:
    if study.design != Design.RANDOMISED:
        raise DomainError(_("Kun et lodtrukket studie (RCT) har en lodtrækning."), field="method")
    if Randomisation.objects.filter(study=study).exists():
        raise DomainError(
            _("Studiet har allerede en lodtrækning; den ændres ikke, når den først er lavet."), field="method"
        )
    if study.comparison_intervention_id is None:
        raise DomainError(_("Et lodtrukket studie kræver en sammenligningsgruppe."), field="method")


def _store_sequence(
    *, actor: User, study: Study, sequence: AllocationSequence, method: str, made_by: str, made_at: Any
) -> Randomisation:
    randomisation = Randomisation.objects.create(
        study=study,
        method=method,
        seed=sequence.seed if method != AllocationMethod.UPLOADED else None,
        block_size=sequence.block_size,
        made_by=made_by,
        made_at=made_at,
        sequence_sha256=sequence.sha256(),
        recorded_by=actor,
    )
    Allocation.objects.bulk_create(
        Allocation(
            randomisation=randomisation,
            stratum=stratum,
            position=position,
            arm=Arm.INTERVENTION if arm == INTERVENTION_ARM else Arm.COMPARISON,
        )
        for stratum, arms in sequence.lists.items()
        for position, arm in enumerate(arms, start=1)
    )
    record_create(
        actor=actor,
        instance=randomisation,
        message=_("%(n)s pladser, sha256 %(hash)s")
        % {"n": sequence.n, "hash": randomisation.sequence_sha256},
    )
    return randomisation


@transaction.atomic
def randomise_study(
    *,
    actor: User,
    study: Study,
    method: str,
    seed: int,
    sizes: Mapping[str, int],
    block_size: int = 4,
) -> Randomisation:
    """Make the study's concealed allocation list in Indsats (engine.statistics.randomisation) and store it.

    ``sizes``: positions per stratum, a municipality code per stratum for ``stratified``, the one stratum
    ``""`` otherwise. The list is made once; each position is revealed only when a child is enrolled.
    """
    access.require_study_manager(actor, study.intervention)
    _require_randomised_study_without_list(study)
    if method not in {AllocationMethod.SIMPLE, AllocationMethod.BLOCK, AllocationMethod.STRATIFIED}:
        raise DomainError(_("Vælg simpel, blok- eller stratificeret lodtrækning."), field="method")
    try:
        sequence = allocation_sequence(sizes, method=method, seed=seed, block_size=block_size)  # type: ignore[arg-type]
    except StatisticsInputError as error:
        raise DomainError(engine_message(error), field="sizes") from error
    return _store_sequence(
        actor=actor,
        study=study,
        sequence=sequence,
        method=method,
        made_by=actor.get_full_name() or actor.get_username(),
        made_at=timezone.now(),
    )


@transaction.atomic
def upload_allocation_list(
    *, actor: User, study: Study, content: str, made_by: str, made_at: Any
) -> Randomisation:
    """Store an allocation list made outside Indsats, with who made it and when (see allocation_lists)."""
    access.require_study_manager(actor, study.intervention)
    _require_randomised_study_without_list(study)
    if not made_by.strip():
        raise DomainError(_("Skriv, hvem der har lavet allokeringslisten."), field="made_by")
    if made_at is None or made_at > timezone.now():
        raise DomainError(
            _("Angiv, hvornår allokeringslisten blev lavet (ikke en fremtidig dato)."), field="made_at"
        )
    lists = parse_allocation_list(content)
    sequence = AllocationSequence(method=AllocationMethod.UPLOADED, seed=0, block_size=None, lists=lists)
    return _store_sequence(
        actor=actor,
        study=study,
        sequence=sequence,
        method=AllocationMethod.UPLOADED,
        made_by=made_by.strip(),
        made_at=made_at,
    )


@transaction.atomic
def enrol_randomised_child(*, actor: User, study: Study, participant: Participant) -> Allocation:
    """Enrol a child in a randomised study: the next concealed position of the child's stratum is revealed
    and the child is enrolled in the intervention or the comparison group it names (audited)."""
    access.require_enrol_randomised(actor, study, participant)
    randomisation = Randomisation.objects.filter(study=study).first()
    if randomisation is None:
        raise DomainError(_("Studiet har ingen lodtrækning endnu."), field="participant")
    if randomisation.allocations.filter(participant=participant).exists():
        raise DomainError(_("Barnet er allerede tildelt en gruppe i studiet."), field="participant")
    assert study.comparison_intervention_id is not None  # a randomisation exists only with one
    arms = [study.intervention_id, study.comparison_intervention_id]
    if Enrolment.objects.filter(participant=participant, intervention_id__in=arms).exists():
        raise DomainError(
            _("Barnet deltager allerede i indsatsen eller sammenligningsgruppen og kan ikke lodtrækkes."),
            field="participant",
        )
    stratified = randomisation.allocations.exclude(stratum="").exists()
    stratum = participant.municipality.municipality_code if stratified else ""
    allocation = (
        randomisation.allocations.select_for_update()
        .filter(stratum=stratum, participant__isnull=True)
        .order_by("position")
        .first()
    )
    if allocation is None:
        raise DomainError(
            _("Der er ikke flere pladser på allokeringslisten for %(stratum)s.")
            % {"stratum": participant.municipality if stratified else _("studiet")},
            field="participant",
        )
    before = snapshot(allocation)
    allocation.participant = participant
    allocation.allocated_at = timezone.now()
    allocation.allocated_by = actor
    allocation.save(update_fields=["participant", "allocated_at", "allocated_by"])
    record_update(actor=actor, instance=allocation, before=before, message=allocation.get_arm_display())
    enrolment = Enrolment.objects.create(
        participant=participant,
        intervention_id=arms[0] if allocation.arm == Arm.INTERVENTION else arms[1],
        enrolled_on=timezone.localdate(),
    )
    record_create(actor=actor, instance=enrolment)
    enrolments_changed([enrolment.intervention_id])
    return allocation


# --- the evidence rating --------------------------------------------------------------------------------


@transaction.atomic
def decide_rating(
    *, actor: User, intervention: Intervention, level: str, lasting: bool, reason: str
) -> RatingDecision:
    """The agency's rating of the intervention where it departs from Indsats' proposal, with a reason."""
    access.require_rating_decider(actor)
    if level not in RatingLevel.values:
        raise DomainError(_("Vælg en evidensvurdering fra listen."), field="level")
    if not reason.strip():
        raise DomainError(_("Skriv en begrundelse for evidensvurderingen."), field="reason")
    proposal = proposed_rating(intervention)
    decision = RatingDecision.objects.create(
        intervention=intervention,
        level=level,
        lasting=lasting,
        proposed_level=proposal.level,
        reason=reason.strip(),
        decided_by=actor,
    )
    record_create(actor=actor, instance=decision, message=reason.strip())
    return decision
