"""Demo data: BUIP's 2020 programme year (DKK 90 million to five initiatives on the steering group's
recommendation), a DKK 12 million pool for promising municipal practice with applications assessed and
7-8 awarded, an open pool, a coming pool, training and implementation support. Written through the
services, so the audit trail and the budget checks apply; deterministic from context.rng."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from indsats.accounts.demo import DemoContext
from indsats.accounts.models import Membership, Organisation, Role, User
from indsats.grants import services
from indsats.grants.models import Grant, SupportKind
from indsats.interventions.models import Intervention

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
MIO = Decimal("1000000")
INITIATIVES = [
    ("Børn og unge med bekymrende skolefravær", 24),
    ("Unge og voksne med opmærksomhedsforstyrrelser (mestringsforløb)", 18),
    ("Mennesker med psykiske vanskeligheder og rusmiddelproblemer", 20),
    ("Dokumentation af lovende kommunal praksis", 16),
    ("Tidlig indsats i familier med små børn", 12),
]


def _at(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=CPH)


def _report_on_time(grant: Grant, person: User) -> None:
    """The 2020 grantees sent their reports when due, so the agency's front page shows a programme that
    is being followed up, not years of reports "for sent"; every fourth grantee is late with its last one."""
    duties = list(grant.reporting_duties.order_by("due_on"))
    late = duties[-1:] if grant.pk % 4 == 0 else []
    for duty in duties:
        if duty in late or duty.due_on >= datetime.date.today():
            continue
        services.submit_report(
            actor=person,
            duty=duty,
            note="Rapporten er sendt som aftalt (demo).",
            now=_at(duty.due_on.year, duty.due_on.month, duty.due_on.day),
        )


def load(context: DemoContext) -> None:
    users = context.objects["users"]
    staff, manager = users["styrelse"], users["admin"]
    municipalities = context.objects["municipalities"]
    interventions: list[Intervention] = list(context.objects.get("interventions", []))
    rng = context.rng
    programme = services.create_programme(
        actor=staff,
        name="Udviklings- og investeringsprogrammet (BUIP)",
        description="Aftalt i november 2018: udvikling af sociale indsatser for udsatte børn og unge.",
    )
    year = services.save_programme_year(
        actor=staff,
        programme=programme,
        year=2020,
        frame=90 * MIO,
        recommendation="Styregruppen indstiller fem initiativer ud fra kommunernes største udfordringer.",
        recommended_on=datetime.date(2019, 10, 2),
        decision="Partierne bag programmet har tilsluttet sig indstillingen.",
        decided_on=datetime.date(2019, 11, 20),
    )
    initiatives = []
    for index, (name, millions) in enumerate(INITIATIVES):
        intervention = interventions[index] if index < len(interventions) else None
        initiatives.append(
            services.create_initiative(
                actor=staff, programme_year=year, name=name, budget=millions * MIO, intervention=intervention
            )
        )

    # The decided pool: DKK 12 million, 7-8 municipal practices chosen.
    practice = initiatives[3]
    decided = services.create_pool(
        actor=staff,
        initiative=practice,
        title="Dokumentation af lovende praksis for børn i udsatte positioner",
        purpose="At kvalificere, beskrive, dokumentere og evaluere lovende kommunal praksis.",
        target_group="Børn og unge 0-18 år i udsatte positioner og deres familier.",
        eligible_applicants=["municipality"],
        budget=12 * MIO,
        max_per_grant=Decimal("1600000"),
        opens_at=_at(2020, 1, 6),
        deadline=_at(2020, 3, 2),
        required_attachments="Budget",
        expected_decision_on=datetime.date(2020, 5, 1),
    )
    services.publish_pool(actor=staff, pool=decided, now=_at(2020, 1, 6))
    applicant_count = 10 + 4 * (context.scale - 1)
    chosen = rng.sample(municipalities, k=min(applicant_count, len(municipalities)))
    applications = []
    for municipality in chosen:
        person = _applicant(municipality)
        amount = Decimal(rng.randrange(8, 17)) * Decimal("100000")
        application = services.create_application(
            actor=person,
            pool=decided,
            applicant=municipality,
            now=_at(2020, 2, 1),
            title=f"Lovende praksis i {municipality.name}",
            purpose="At dokumentere vores praksis.",
            target_group="Børn 0-18 år",
            activities="Beskrivelse, måling, evaluering",
            timeline="2020-2022",
            organisation_text="Projektleder i familieafdelingen",
            amount_requested=amount,
        )
        services.add_attachment(
            actor=person,
            application=application,
            name="Budget",
            upload=SimpleUploadedFile("budget.pdf", b"%PDF-1.4 demo budget"),
        )
        services.submit_application(actor=person, application=application, now=_at(2020, 2, 20))
        applications.append(application)
    for application in applications:
        for assessor in (staff, manager):
            scores = {c.pk: rng.randint(2, 5) for c in decided.criteria.all()}
            services.record_assessment(actor=assessor, application=application, scores=scores)
    ranked = sorted(applications, key=lambda a: -sum(x.weighted_score or 0 for x in a.assessments.all()))
    for application in ranked:
        decided.refresh_from_db()
        if decided.remaining >= application.amount_requested and decided.committed_amount < 11 * MIO:
            grant = services.award_application(
                actor=staff,
                application=application,
                amount=application.amount_requested,
                project_start=datetime.date(2020, 6, 1),
                project_end=datetime.date(2022, 5, 31),
                now=_at(2020, 4, 20),
            )
            services.start_grant(
                actor=application.created_by, grant=grant, started_on=datetime.date(2020, 6, 1)
            )
            _report_on_time(grant, application.created_by)
        else:
            services.reject_application(
                actor=staff,
                application=application,
                now=_at(2020, 4, 20),
                reason="Ansøgningen scorede lavere end dem, der fik tilskud, og puljens midler er brugt.",
            )

    # An open pool and a coming one (relative to today, so the calendar always has something).
    today = datetime.date.today()
    open_pool = services.create_pool(
        actor=staff,
        initiative=initiatives[0],
        title="Skolefravær: afprøvning i kommuner",
        purpose="Afprøvning af en indsats mod bekymrende skolefravær.",
        target_group="Skolebørn 6-16 år.",
        eligible_applicants=["municipality"],
        budget=8 * MIO,
        max_per_grant=2 * MIO,
        opens_at=_at(today.year, today.month, 1) - datetime.timedelta(days=20),
        deadline=_at(today.year, today.month, 1) + datetime.timedelta(days=60),
        required_attachments="Budget\nTidsplan",
    )
    services.publish_pool(actor=staff, pool=open_pool)
    partners = services.create_pool(
        actor=staff,
        initiative=initiatives[0],
        title="Skolefravær: partnerskaber med fonde og civilsamfund",
        purpose="Fonde og foreninger, der vil afprøve indsatsen sammen med en kommune.",
        target_group="Skolebørn 6-16 år.",
        eligible_applicants=["foundation", "civil_society"],
        budget=2 * MIO,
        max_per_grant=Decimal("500000"),
        opens_at=_at(today.year, today.month, 1) - datetime.timedelta(days=10),
        deadline=_at(today.year, today.month, 1) + datetime.timedelta(days=75),
        required_attachments="Budget",
    )
    services.publish_pool(actor=staff, pool=partners)
    coming = services.create_pool(
        actor=staff,
        initiative=initiatives[1],
        title="Mestringsforløb: udbredelse",
        purpose="Udbredelse af et mestringsforløb gennem uddannelse af medarbejdere.",
        target_group="Unge 15-25 år.",
        eligible_applicants=["municipality", "civil_society"],
        budget=6 * MIO,
        max_per_grant=Decimal("750000"),
        opens_at=_at(today.year, today.month, 1) + datetime.timedelta(days=95),
        deadline=_at(today.year, today.month, 1) + datetime.timedelta(days=150),
    )
    services.publish_pool(actor=staff, pool=coming)

    # Training and implementation support for the interventions behind the initiatives.
    for intervention in interventions[:3]:
        for municipality in rng.sample(municipalities, k=3):
            for number in range(rng.randint(2, 5)):
                services.record_training(
                    actor=staff,
                    intervention=intervention,
                    municipality=municipality,
                    staff_name=f"Medarbejder {number + 1}",
                    staff_role="Socialrådgiver",
                    course="Grundforløb",
                    trained_on=datetime.date(2021, rng.randint(1, 12), rng.randint(1, 28)),
                )
            services.record_support(
                actor=staff,
                intervention=intervention,
                municipality=municipality,
                kind=SupportKind.IMPLEMENTATION,
                given_on=datetime.date(2021, rng.randint(1, 12), rng.randint(1, 28)),
                hours=Decimal(rng.randint(2, 12)),
                note="Opfølgning på implementeringsplanen.",
            )
    context.log(
        f"grants: 1 programme year, {len(initiatives)} initiatives, 3 pools, {len(applications)} applications"
    )


def _applicant(municipality: Organisation) -> User:
    """The demo caseworker for Aarhus and Odense; a new caseworker elsewhere."""
    member = (
        Membership.objects.filter(organisation=municipality, role=Role.CASEWORKER)
        .select_related("user")
        .first()
    )
    if member:
        return member.user
    user = User.objects.create(
        username=f"ansoger-{municipality.municipality_code}",
        first_name="Ansøger",
        last_name=municipality.name,
        email=f"ansoger-{municipality.municipality_code}@indsats.example",
    )
    Membership.objects.create(user=user, organisation=municipality, role=Role.CASEWORKER)
    return user
