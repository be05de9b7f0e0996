"""Demo interventions: every phase and end state, with checklists, gate reviews (some waiting for the
steering group), practice assessments and knowledge declarations, and a history behind each.

Deterministic for a seed (`context.rng`), growing with `context.scale`. The same builder makes the
benchmark's national-scale portfolio (`build_portfolio(count=1000, ...)`), so it writes with
bulk_create and backdates the history instead of calling the services one step at a time; each
intervention still gets an audit entry.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from indsats.accounts.demo import DemoContext
from indsats.accounts.models import Organisation, OrganisationKind, User
from indsats.audit.models import AuditAction, AuditEntry
from indsats.interventions import portfolio_totals
from indsats.interventions.models import (
    ChecklistItem,
    Criterion,
    CriterionAssessment,
    DeclarationScore,
    DeliverableTemplate,
    Dimension,
    EventKind,
    GateDecision,
    GateReview,
    Intervention,
    InterventionEvent,
    JoinRequest,
    KnowledgeDeclaration,
    Origin,
    PartnerRole,
    Partnership,
    PhaseRecord,
    PracticeAssessment,
    PracticeElement,
    PracticeElementScore,
    ProblemArea,
    Rating,
    ReviewStatus,
)
from indsats.interventions.playbook import ensure_playbook
from indsats.interventions.workflow import PHASES, InterventionState, WorkflowAction

PROGRAMMES = [
    "BUIP 2019: Lovende praksis",
    "BUIP 2020: Bekymrende skolefravær",
    "BUIP 2020: Opmærksomhedsforstyrrelser",
    "BUIP 2021: Psykisk mistrivsel og rusmidler",
    "BUIP 2022: Anbragte børn og unge",
    "Fondsprogram: Børns trivsel",
]


@dataclass
class Spec:
    name: str
    short: str
    state: str
    areas: list[str]
    origin: str
    programme: str
    review: str = ""  # "", "draft" or "submitted": the open review of the current phase
    open_to_join: bool = False
    returned: bool = False  # went one phase on, then back again
    stopped_in: str = ""  # the phase a stopped intervention stopped in
    rejected: bool = False  # stopped by the steering group's rejection (else by the agency)
    partner_codes: list[str] = field(default_factory=list)


SHOWCASE = [
    Spec(
        "Tidlig opsporing af skolefravær",
        "Skole og socialrådgiver følger fraværet tæt og laver en fælles plan med familien.",
        "testing",
        ["Bekymrende skolefravær"],
        Origin.MUNICIPAL_PRACTICE,
        PROGRAMMES[1],
        review="submitted",
        partner_codes=["751", "461", "101"],
    ),
    Spec(
        "Mestringsforløb for unge med ADHD",
        "Gruppeforløb, der lærer unge og voksne at mestre hverdagen med opmærksomhedsforstyrrelser.",
        "dissemination",
        ["Opmærksomhedsforstyrrelser"],
        Origin.RESEARCH,
        PROGRAMMES[2],
        open_to_join=True,
        partner_codes=["751", "851", "561", "430"],
    ),
    Spec(
        "Familiebehandling ved rusmiddelbrug",
        "Helhedsorienteret familiebehandling, når en ung har psykiske vanskeligheder og bruger rusmidler.",
        "maturation",
        ["Psykisk mistrivsel og rusmiddelbrug"],
        Origin.MUNICIPAL_PRACTICE,
        PROGRAMMES[3],
        review="draft",
        partner_codes=["461", "173"],
    ),
    Spec(
        "Netværksanbringelse med støtte",
        "Støtte og efteruddannelse til netværksplejefamilier.",
        "operation",
        ["Anbringelse uden for hjemmet"],
        Origin.AGENCY,
        PROGRAMMES[4],
        open_to_join=True,
        partner_codes=["751", "101", "147", "157", "621"],
    ),
    Spec(
        "Trygge overgange for anbragte unge",
        "Fast voksenkontakt fra 17 år og ind i voksenlivet.",
        "screening",
        ["Anbringelse uden for hjemmet"],
        Origin.CIVIL_SOCIETY,
        PROGRAMMES[4],
        review="submitted",
        partner_codes=["751"],
    ),
    Spec(
        "Forældreprogram for familier med børn med handicap",
        "Gruppebaseret forældreprogram med fokus på hverdagens udfordringer.",
        "stopped",
        ["Handicap", "Udsatte familier"],
        Origin.FOUNDATION,
        PROGRAMMES[5],
        stopped_in="testing",
        rejected=True,
        partner_codes=["461", "330"],
    ),
    Spec(
        "Mentorordning mod kriminalitet",
        "Frivillige mentorer for unge i risiko for kriminalitet.",
        "screening",
        ["Kriminalitet"],
        Origin.CIVIL_SOCIETY,
        PROGRAMMES[0],
        partner_codes=["461"],
    ),
    Spec(
        "Gruppeforløb for børn udsat for vold",
        "Terapeutiske grupper for børn, der har oplevet vold i familien.",
        "maturation",
        ["Vold og overgreb"],
        Origin.RESEARCH,
        PROGRAMMES[0],
        review="submitted",
        partner_codes=["101", "751"],
    ),
    Spec(
        "Læsestøtte i fritiden",
        "Læsemakkere og lektiestøtte for anbragte børn.",
        "testing",
        ["Anbringelse uden for hjemmet"],
        Origin.FOUNDATION,
        PROGRAMMES[5],
        returned=True,
        partner_codes=["851", "751"],
    ),
    Spec(
        "Fleksibel skolegang",
        "Individuelt tilrettelagt skoledag for elever med højt fravær.",
        "dissemination",
        ["Bekymrende skolefravær"],
        Origin.MUNICIPAL_PRACTICE,
        PROGRAMMES[1],
        open_to_join=True,
        partner_codes=["461", "607", "615"],
    ),
    Spec(
        "Ungekontakt i almen praksis",
        "Samtaler med unge om trivsel hos egen læge.",
        "operation",
        ["Psykisk mistrivsel og rusmiddelbrug"],
        Origin.RESEARCH,
        PROGRAMMES[3],
        partner_codes=["101", "147"],
    ),
    Spec(
        "Weekendaflastning",
        "Aflastning i weekender for familier med børn med handicap.",
        "stopped",
        ["Handicap"],
        Origin.MUNICIPAL_PRACTICE,
        PROGRAMMES[0],
        stopped_in="maturation",
        partner_codes=["751"],
    ),
]

FIRST_WORDS = [
    "Styrket",
    "Tidlig",
    "Fælles",
    "Helhedsorienteret",
    "Familiebaseret",
    "Digital",
    "Tværfaglig",
    "Intensiv",
    "Målrettet",
    "Fleksibel",
    "Relationsbaseret",
    "Lokal",
]
SECOND_WORDS = [
    "indsats",
    "støtte",
    "forløb",
    "rådgivning",
    "familiebehandling",
    "mentorstøtte",
    "opsporing",
    "gruppeindsats",
    "skolestøtte",
    "netværksindsats",
]
ACTIVITIES = [
    "Individuelle samtaler",
    "Gruppeforløb",
    "Forældresamarbejde",
    "Netværksmøder",
    "Supervision af medarbejdere",
    "Fælles handleplan",
]
SHORT_TERM = ["Bedre trivsel", "Mere stabilt fremmøde", "Styrkede forældrekompetencer", "Færre konflikter"]
LONG_TERM = [
    "Gennemført uddannelse",
    "Færre anbringelser",
    "Tilknytning til arbejdsmarkedet",
    "Mindre kriminalitet",
]
CORE = ["Fast kontaktperson", "Systematisk opfølgning", "Inddragelse af familien", "Brug af data i praksis"]

AMOUNTS = {  # DKK committed per phase: (low, high)
    "screening": (150_000, 800_000),
    "maturation": (1_000_000, 4_000_000),
    "testing": (3_000_000, 12_000_000),
    "dissemination": (2_000_000, 8_000_000),
}

RATIONALES = {  # rationale, source, typed-in fact
    Criterion.EFFECT: (
        "Effektstudiet viser en klar forbedring i trivsel.",
        "Effektstudie",
        "d = 0,31 (95 % KI 0,12-0,50)",
    ),
    Criterion.ECONOMY: (
        "Business casen viser tilbagebetaling inden for fem år.",
        "Business case",
        "Tilbagebetalingstid 4,5 år",
    ),
    Criterion.IMPLEMENTATION: (
        "Fidelitetsmålingerne viser høj implementeringsgrad.",
        "Fidelitetsdata",
        "82 % af forløbene leveret efter manualen",
    ),
    Criterion.DEMAND: (
        "Mange kommuner har søgt om at deltage.",
        "Ansøgninger til puljen",
        "14 kommuner har søgt puljen",
    ),
    Criterion.REALISTIC_OPERATION: (
        "Driftsprisen pr. barn ligger inden for det, kommunerne kan bære.",
        "Omkostningsanalyse",
        "38.000 kr. pr. barn mod 45.000 kr. i dag",
    ),
}


@dataclass
class Visit:
    state: str
    start: datetime.date
    end: datetime.date | None
    via: str  # the action that led here ("" for the first)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def generated_specs(count: int, rng: random.Random, area_names: list[str], start: int = 0) -> list[Spec]:
    """`count` generated interventions spread over every phase and end state."""
    states = [*PHASES, *PHASES, *PHASES, InterventionState.OPERATION, InterventionState.STOPPED]
    specs = []
    for index in range(start, start + count):
        state = states[index % len(states)]
        first = FIRST_WORDS[index % len(FIRST_WORDS)]
        second = SECOND_WORDS[(index // len(FIRST_WORDS)) % len(SECOND_WORDS)]
        area = rng.choice(area_names)
        specs.append(
            Spec(
                name=f"{first} {second} {index + 1}",
                short=f"{first} {second} for børn og unge: {area.lower()}.",
                state=state,
                areas=[area],
                origin=rng.choice(Origin.values),
                programme=rng.choice(PROGRAMMES),
                review=rng.choice(["", "", "draft", "submitted"]) if state in PHASES else "",
                open_to_join=rng.random() < 0.25,
                stopped_in=rng.choice(PHASES) if state == InterventionState.STOPPED else "",
                rejected=rng.random() < 0.5,
            )
        )
    return specs


def _visits(spec: Spec, rng: random.Random, today: datetime.date) -> list[Visit]:
    path: list[str]
    if spec.state == InterventionState.STOPPED:
        path = [*PHASES[: PHASES.index(spec.stopped_in) + 1], InterventionState.STOPPED]  # type: ignore[arg-type]
    elif spec.state == InterventionState.OPERATION:
        path = [*PHASES, InterventionState.OPERATION]
    else:
        path = list(PHASES[: PHASES.index(spec.state) + 1])  # type: ignore[arg-type]
        if spec.returned and spec.state != PHASES[-1]:
            path += [PHASES[PHASES.index(spec.state) + 1], spec.state]  # type: ignore[arg-type]
    durations = [rng.randint(90, 330) for _ in path]
    durations[-1] = rng.randint(20, 300)  # time so far in the current state
    day = today - datetime.timedelta(days=sum(durations))
    visits = []
    for index, (state, days) in enumerate(zip(path, durations, strict=True)):
        end = day + datetime.timedelta(days=days) if index < len(path) - 1 else None
        if index == 0:
            via = ""
        elif state == InterventionState.STOPPED:
            via = WorkflowAction.REJECT if spec.rejected else WorkflowAction.STOP
        elif index > 0 and state in PHASES and PHASES.index(state) < PHASES.index(path[index - 1]):  # type: ignore[arg-type]
            via = WorkflowAction.RETURN_TO_PHASE
        else:
            via = rng.choice(
                [WorkflowAction.APPROVE, WorkflowAction.APPROVE, WorkflowAction.APPROVE_WITH_CONDITIONS]
            )
        visits.append(Visit(state, day, end, via))
        day = day + datetime.timedelta(days=days)
    return visits


@dataclass
class Portfolio:
    interventions: list[Intervention]
    reviews: list[GateReview]


def build_portfolio(
    *,
    specs: list[Spec],
    rng: random.Random,
    agency_actor: User | None,
    steering_actor: User | None,
    municipalities: list[Organisation],
    owners: list[Organisation],
    today: datetime.date | None = None,
    with_practice: bool = True,
) -> Portfolio:
    """Create the interventions of `specs` with their whole history, in a handful of bulk inserts."""
    today = today or timezone.localdate()
    areas = {a.name: a for a in ProblemArea.objects.all()}
    templates: dict[str, list[DeliverableTemplate]] = {p: [] for p in PHASES}
    for template in DeliverableTemplate.objects.filter(is_active=True):
        templates[template.phase].append(template)
    by_code = {m.municipality_code: m for m in municipalities}
    agency_name = agency_actor.get_full_name() if agency_actor else "system"
    steering_name = steering_actor.get_full_name() if steering_actor else "system"

    plans = [(spec, _visits(spec, rng, today)) for spec in specs]
    interventions = []
    for spec, visits in plans:
        last = visits[-1]
        interventions.append(
            Intervention(
                name=spec.name,
                short_description=spec.short,
                description=spec.short
                + " Indsatsen er udviklet sammen med kommunerne og bygger på erfaringer "
                "fra praksis og forskning.",
                age_from=rng.choice([0, 6, 10, 13, 15]),
                age_to=rng.choice([17, 18, 23]),
                target_group=f"Børn og unge med {spec.areas[0].lower()} og deres familier.",
                activities="\n".join(rng.sample(ACTIVITIES, 3)),
                short_term_outcomes="\n".join(rng.sample(SHORT_TERM, 2)),
                long_term_outcomes="\n".join(rng.sample(LONG_TERM, 2)),
                core_elements="\n".join(rng.sample(CORE, 3)),
                origin=spec.origin,
                owner=rng.choice(owners),
                programme=spec.programme,
                is_open_to_join=spec.open_to_join,
                state=last.state,
                state_entered_at=_at(last.start),
                stop_reason=(
                    "Afprøvningen viste ingen virkning på børnenes trivsel."
                    if last.state == InterventionState.STOPPED
                    else ""
                ),
                created_by=agency_actor,
            )
        )
    Intervention.objects.bulk_create(interventions)
    through = Intervention.problem_areas.through
    through.objects.bulk_create(
        through(intervention_id=i.pk, problemarea_id=areas[name].pk)
        for i, (spec, _v) in zip(interventions, plans, strict=True)
        for name in spec.areas
        if name in areas
    )

    records: list[PhaseRecord] = []
    events: list[InterventionEvent] = []
    reviews: list[GateReview] = []
    review_plans: list[
        tuple[GateReview, str, list[Any], Visit | None]
    ] = []  # review, kind, ratings, decided-by visit
    partnerships: list[Partnership] = []
    for intervention, (spec, visits) in zip(interventions, plans, strict=True):
        seen: dict[str, PhaseRecord] = {}
        events.append(
            InterventionEvent(
                intervention=intervention,
                at=_at(visits[0].start, 9),
                kind=EventKind.CREATED,
                to_state=visits[0].state,
                actor=agency_actor,
                actor_name=agency_name,
            )
        )
        for index, visit in enumerate(visits):
            if visit.state in PHASES:
                record = seen.get(visit.state)
                if record is None:
                    low, high = AMOUNTS[visit.state]
                    planned_days = rng.randint(120, 360)
                    record = PhaseRecord(
                        intervention=intervention,
                        phase=visit.state,
                        planned_start=visit.start,
                        planned_end=visit.start + datetime.timedelta(days=planned_days),
                        actual_start=visit.start,
                        committed_amount=Decimal(rng.randrange(low, high, 50_000)),
                    )
                    seen[visit.state] = record
                    records.append(record)
                record.actual_end = visit.end
            if index == 0:
                continue
            previous = visits[index - 1]
            if visit.via == WorkflowAction.RETURN_TO_PHASE:
                events.append(
                    InterventionEvent(
                        intervention=intervention,
                        at=_at(visit.start),
                        kind=EventKind.RETURNED,
                        from_state=previous.state,
                        to_state=visit.state,
                        actor=agency_actor,
                        actor_name=agency_name,
                        text="Manualen skal justeres, før afprøvningen kan fortsætte.",
                    )
                )
            elif visit.via == WorkflowAction.STOP:
                events.append(
                    InterventionEvent(
                        intervention=intervention,
                        at=_at(visit.start),
                        kind=EventKind.STOPPED,
                        from_state=previous.state,
                        to_state=visit.state,
                        actor=agency_actor,
                        actor_name=agency_name,
                        text=intervention.stop_reason,
                    )
                )
            else:  # a gate decision by the steering group
                review = GateReview(
                    intervention=intervention,
                    phase=previous.state,
                    status=ReviewStatus.DECIDED,
                    decision=visit.via,
                    created_by=agency_actor,
                    created_at=_at(visit.start - datetime.timedelta(days=40)),
                    submitted_at=_at(visit.start - datetime.timedelta(days=21)),
                    submitted_by=agency_actor,
                    summary="Styrelsen indstiller, at indsatsen går videre.",
                    version=3,
                )
                ratings = (
                    [Rating.NOT_MET, Rating.PARTLY_MET, Rating.MET, Rating.PARTLY_MET, Rating.NOT_MET]
                    if visit.via == WorkflowAction.REJECT
                    else [rng.choice([Rating.MET, Rating.MET, Rating.PARTLY_MET]) for _ in Criterion.values]
                )
                reviews.append(review)
                review_plans.append((review, "decided", ratings, visit))
        if spec.review and visits[-1].state in PHASES:
            current = visits[-1]
            submitted = spec.review == "submitted"
            review = GateReview(
                intervention=intervention,
                phase=current.state,
                status=ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT,
                created_by=agency_actor,
                created_at=_at(min(today, current.start + datetime.timedelta(days=10))),
                submitted_at=_at(min(today, current.start + datetime.timedelta(days=15)))
                if submitted
                else None,
                submitted_by=agency_actor if submitted else None,
                summary="Styrelsen indstiller, at indsatsen går videre til næste fase." if submitted else "",
                version=2 if submitted else 1,
            )
            ratings = (
                [rng.choice([Rating.MET, Rating.MET, Rating.PARTLY_MET]) for _ in Criterion.values]
                if submitted
                else [
                    Rating.MET,
                    Rating.PARTLY_MET,
                    Rating.NOT_ASSESSED,
                    Rating.NOT_ASSESSED,
                    Rating.NOT_ASSESSED,
                ]
            )
            reviews.append(review)
            review_plans.append((review, spec.review, ratings, None))
        codes = spec.partner_codes or [
            m.municipality_code for m in rng.sample(municipalities, rng.randint(1, 6))
        ]
        role = {
            "screening": PartnerRole.DEVELOPMENT,
            "maturation": PartnerRole.PILOT,
            "testing": PartnerRole.TRIAL,
            "dissemination": PartnerRole.DISSEMINATION,
            "operation": PartnerRole.OPERATION,
        }.get(spec.stopped_in or spec.state, PartnerRole.DEVELOPMENT)
        for code in dict.fromkeys(codes):
            if code in by_code:
                partnerships.append(
                    Partnership(
                        intervention=intervention,
                        municipality=by_code[code],
                        role=role,
                        joined_on=visits[0].start + datetime.timedelta(days=rng.randint(0, 60)),
                    )
                )
    PhaseRecord.objects.bulk_create(records)
    Partnership.objects.bulk_create(partnerships)

    # Checklists: past phases done; the current phase partly, wholly when its review waits.
    waiting = {r.intervention_id for r, kind, _ratings, _v in review_plans if kind == "submitted"}
    items = []
    for record in records:
        intervention = record.intervention
        is_current = intervention.state == record.phase
        for template in templates[record.phase]:
            # a past phase, or one whose review waits, is complete; the current one is half done
            done = True if not is_current or intervention.pk in waiting else rng.random() < 0.5
            items.append(
                ChecklistItem(
                    phase_record=record,
                    template=template,
                    title=template.title,
                    is_required=template.is_required,
                    order=template.order,
                    is_done=done,
                    done_on=(record.actual_end or today) - datetime.timedelta(days=rng.randint(1, 30))
                    if done
                    else None,
                )
            )
    ChecklistItem.objects.bulk_create(items)

    GateReview.objects.bulk_create(reviews)
    assessments, decisions = [], []
    for planned, kind, planned_ratings, decided_visit in review_plans:
        for criterion, rating in zip(Criterion.values, planned_ratings, strict=True):
            rationale, source, fact = RATIONALES[Criterion(criterion)]
            assessments.append(
                CriterionAssessment(
                    review=planned,
                    criterion=criterion,
                    rating=rating,
                    rationale=rationale if rating != Rating.NOT_ASSESSED else "",
                    fact="" if rating == Rating.NOT_ASSESSED else fact,
                    fact_source="" if rating == Rating.NOT_ASSESSED else source,
                )
            )
        intervention = planned.intervention
        if kind == "submitted":
            events.append(
                InterventionEvent(
                    intervention=intervention,
                    at=planned.submitted_at or _at(today),
                    kind=EventKind.REVIEW_SUBMITTED,
                    actor=agency_actor,
                    actor_name=agency_name,
                    review=planned,
                    text=planned.summary,
                )
            )
        if kind == "decided" and decided_visit is not None:
            reason = (
                "Kriterierne for virkning og realistisk drift er ikke opfyldt."
                if decided_visit.via == WorkflowAction.REJECT
                else "De fem kriterier er opfyldt i tilstrækkelig grad."
            )
            conditions = (
                "Implementeringsstudiet skal afrapporteres inden et år."
                if decided_visit.via == WorkflowAction.APPROVE_WITH_CONDITIONS
                else ""
            )
            decisions.append(
                GateDecision(
                    review=planned,
                    decision=decided_visit.via,
                    reason=reason,
                    conditions=conditions,
                    decided_by=steering_actor,
                    decided_by_name=steering_name,
                    decided_at=_at(decided_visit.start, 14),
                )
            )
            events.append(
                InterventionEvent(
                    intervention=intervention,
                    at=planned.submitted_at or _at(today),
                    kind=EventKind.REVIEW_SUBMITTED,
                    actor=agency_actor,
                    actor_name=agency_name,
                    review=planned,
                    text=planned.summary,
                )
            )
            events.append(
                InterventionEvent(
                    intervention=intervention,
                    at=_at(decided_visit.start, 14),
                    kind=EventKind.DECIDED,
                    from_state=planned.phase,
                    to_state=decided_visit.state,
                    actor=steering_actor,
                    actor_name=steering_name,
                    review=planned,
                    text=reason + (f"\nBetingelser: {conditions}" if conditions else ""),
                )
            )
    CriterionAssessment.objects.bulk_create(assessments)
    GateDecision.objects.bulk_create(decisions)
    InterventionEvent.objects.bulk_create(events)

    content_type = ContentType.objects.get_for_model(Intervention)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=agency_actor,
            actor_name=agency_name,
            action=AuditAction.CREATE,
            content_type=content_type,
            object_id=str(i.pk),
            object_repr=i.name[:300],
            changes={"name": i.name, "state": i.state},
            message="demo",
        )
        for i in interventions
    )
    if with_practice:
        _practice_and_declarations(interventions, rng, municipalities, by_code, agency_actor, today)
    portfolio_totals.recount()  # the board's figures, as the services keep them
    return Portfolio(interventions, reviews)


def _practice_and_declarations(
    interventions: list[Intervention],
    rng: random.Random,
    municipalities: list[Organisation],
    by_code: dict[str, Organisation],
    actor: User | None,
    today: datetime.date,
) -> None:
    favourites = [by_code[c] for c in ("751", "461") if c in by_code]
    assessments, scores, declarations, grades, requests = [], [], [], [], []
    for intervention in interventions:
        if intervention.state in (InterventionState.SCREENING, InterventionState.MATURATION):
            assessors = list(
                dict.fromkeys(
                    [*rng.sample(favourites, min(1, len(favourites))), *rng.sample(municipalities, 2)]
                )
            )
            for municipality in assessors:
                rounds = rng.choice([1, 1, 2])
                base = rng.randint(0, 1)
                for round_ in range(rounds):
                    assessment = PracticeAssessment(
                        intervention=intervention,
                        municipality=municipality,
                        assessed_by=actor,
                        assessed_on=today
                        - datetime.timedelta(days=400 * (rounds - round_) - rng.randint(0, 120)),
                        note="Vurderet på et møde mellem ledelse og medarbejdere.",
                    )
                    assessments.append(assessment)
                    for element in PracticeElement.values:
                        scores.append(
                            PracticeElementScore(
                                assessment=assessment,
                                element=element,
                                score=min(2, base + round_ + rng.choice([0, 0, 1])),
                            )
                        )
        if intervention.state in (
            InterventionState.TESTING,
            InterventionState.DISSEMINATION,
            InterventionState.OPERATION,
            InterventionState.STOPPED,
        ):
            for round_ in range(rng.choice([1, 2, 2])):
                declaration = KnowledgeDeclaration(
                    intervention=intervention,
                    declared_by=actor,
                    declared_on=today - datetime.timedelta(days=500 - 365 * round_ + rng.randint(0, 60)),
                )
                declarations.append(declaration)
                for dimension in Dimension.values:
                    grade = "ABCD"[max(0, min(3, rng.randint(1, 3) - round_))]
                    grades.append(
                        DeclarationScore(
                            declaration=declaration,
                            dimension=dimension,
                            grade=grade,
                            reason=f"Vurderet ud fra den foreliggende dokumentation ({grade}).",
                        )
                    )
        if intervention.is_open_to_join and rng.random() < 0.6:
            municipality = rng.choice(municipalities)
            requests.append(
                JoinRequest(
                    intervention=intervention,
                    municipality=municipality,
                    message="Vi vil gerne være med i næste runde.",
                )
            )
    PracticeAssessment.objects.bulk_create(assessments)
    PracticeElementScore.objects.bulk_create(scores)
    KnowledgeDeclaration.objects.bulk_create(declarations)
    DeclarationScore.objects.bulk_create(grades)
    existing = set(Partnership.objects.values_list("intervention_id", "municipality_id"))
    JoinRequest.objects.bulk_create(
        [r for r in requests if (r.intervention.pk, r.municipality.pk) not in existing], ignore_conflicts=True
    )


def owners_for_demo(context_objects: dict[str, Any]) -> list[Organisation]:
    owners = [context_objects["agency"], context_objects["foundation"]]
    owners += list(Organisation.objects.filter(kind=OrganisationKind.RESEARCH))
    owners += [m for m in context_objects["municipalities"] if m.municipality_code in ("751", "461", "101")]
    return owners


def load(context: DemoContext) -> None:
    ensure_playbook()
    users = context.objects["users"]
    municipalities = context.objects["municipalities"]
    area_names = list(ProblemArea.objects.filter(is_active=True).values_list("name", flat=True))
    generated = max(0, context.interventions - len(SHOWCASE)) if context.interventions else 12 * context.scale
    specs = SHOWCASE + generated_specs(generated, context.rng, area_names)
    portfolio = build_portfolio(
        specs=specs,
        rng=context.rng,
        agency_actor=users.get("styrelse"),
        steering_actor=users.get("styregruppe"),
        municipalities=municipalities,
        owners=owners_for_demo(context.objects),
    )
    context.objects["interventions"] = portfolio.interventions
    waiting = sum(1 for r in portfolio.reviews if r.status == ReviewStatus.SUBMITTED)
    context.log(f"    {len(portfolio.interventions)} interventions, {waiting} gate reviews waiting")
