"""Demo data: BUIP's 2020 programme year (DKK 90 million to five initiatives on the steering group's
recommendation), a DKK 12 million pool for promising municipal practice with applications assessed and
7-8 awarded and run towards close-out (one closed with a repayment), a pool that a region and a social
service provider apply to and are awarded, an open pool, a coming pool, training and implementation
support. Written through the
services, so the audit trail and the budget checks apply; deterministic from context.rng."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from indsats.accounts.demo import DemoContext
from indsats.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from indsats.grants import services
from indsats.grants.models import Grant, Initiative, ReportKind, SupportKind
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


def _report_on_time(grant: Grant, *, staff: User) -> None:
    """A 2020 practice grant that ran its course: the grantee sent every report when due and the agency
    approved it, so the agency's front page shows a programme being followed up, not years of reports
    "for sent" (the close-out examples in `_run_to_close_out` keep their own story)."""
    grantee = grant.application.created_by
    services.finish_grant(actor=grantee, grant=grant, finished_on=grant.project_end)
    spent = (grant.amount * Decimal("0.95")).quantize(Decimal("1"))
    for duty in grant.reporting_duties.order_by("due_on"):
        services.submit_report(
            actor=grantee,
            duty=duty,
            upload=SimpleUploadedFile("rapport.pdf", b"%PDF-1.4 demo report"),
            note="Rapporten er sendt som aftalt (demo).",
            spending={"staff": spent - 100_000, "evaluation": Decimal(100_000)}
            if duty.kind == ReportKind.ACCOUNTS
            else None,
            now=_at(duty.due_on.year, duty.due_on.month, duty.due_on.day),
        )
        services.approve_report(actor=staff, duty=duty)


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
    grants = []
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
            grants.append(grant)
        else:
            services.reject_application(
                actor=staff,
                application=application,
                now=_at(2020, 4, 20),
                reason="Ansøgningen scorede lavere end dem, der fik tilskud, og puljens midler er brugt.",
            )

    _run_to_close_out(grants, staff=staff, admin=manager, second_admin=users.get("admin2"))
    for grant in grants[3:]:
        _report_on_time(grant, staff=staff)
    _regions_and_providers(context, initiatives[4], staff=staff)

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


def _run_to_close_out(grants: list[Grant], *, staff: User, admin: User, second_admin: User | None) -> None:
    """The 2020 practice grants ended in May 2022: every instalment paid under four eyes (the agency's
    staff prepares, an administrator approves); the first grant is closed with a repayment of unspent
    money, the second has its accounts returned once, the third waits for its final reports."""
    for grant in grants:
        for instalment in grant.instalments.all():
            services.prepare_instalment(actor=staff, instalment=instalment)
            paid = services.approve_instalment(actor=admin, instalment=instalment)
            if paid.paid_on is None and second_admin is not None:  # above the limit: a second approver
                services.approve_instalment(actor=second_admin, instalment=instalment)
    for index, grant in enumerate(grants[:3]):
        grantee = grant.application.created_by
        services.finish_grant(actor=grantee, grant=grant, finished_on=datetime.date(2022, 5, 31))
        if index == 2:  # its status reports came when due; the final reports are still awaited
            for duty in grant.reporting_duties.filter(kind=ReportKind.STATUS_REPORT):
                services.submit_report(
                    actor=grantee, duty=duty, upload=SimpleUploadedFile("status.pdf", b"%PDF-1.4 demo")
                )
                services.approve_report(actor=staff, duty=duty)
            continue
        spent = (grant.amount * Decimal("0.9")).quantize(Decimal("1"))
        for duty in grant.reporting_duties.all():
            spending = {"staff": spent - 100_000, "evaluation": Decimal(100_000)}
            services.submit_report(
                actor=grantee,
                duty=duty,
                upload=SimpleUploadedFile("rapport.pdf", b"%PDF-1.4 demo report"),
                spending=spending if duty.kind == ReportKind.ACCOUNTS else None,
            )
            if index == 1 and duty.kind == ReportKind.ACCOUNTS:
                services.return_report(
                    actor=staff, duty=duty, reason="Regnskabet mangler revisors påtegning."
                )
                continue
            services.approve_report(actor=staff, duty=duty)
        if index == 0:
            grant.refresh_from_db()
            services.settle_accounts(actor=staff, grant=grant)
            claim = grant.repayment_claims.get()
            services.approve_repayment(actor=admin, claim=claim)
            services.register_repayment(actor=staff, claim=claim, paid_on=datetime.date(2022, 10, 3))
            services.close_grant(actor=staff, grant=grant)


def _regions_and_providers(context: DemoContext, initiative: Initiative, *, staff: User) -> None:
    """A 2021 pool open to municipalities, regions and social service providers: the demo region and
    provider apply, and both are awarded."""
    applicants = [
        organisation
        for organisation in Organisation.objects.filter(
            kind__in=[OrganisationKind.REGION, OrganisationKind.SERVICE_PROVIDER]
        )
        if organisation.memberships.exists()
    ]
    if not applicants:
        return
    pool = services.create_pool(
        actor=staff,
        initiative=initiative,
        title="Tidlig indsats: regioner og sociale tilbud",
        purpose="Afprøvning af tidlig indsats i familier med små børn i regionale og private tilbud.",
        target_group="Familier med børn 0-6 år.",
        eligible_applicants=["municipality", "region", "service_provider"],
        budget=4 * MIO,
        max_per_grant=Decimal("900000"),
        opens_at=_at(2021, 2, 1),
        deadline=_at(2021, 4, 1),
        required_attachments="Budget",
        questions="Hvordan inddrages familierne?",
    )
    services.publish_pool(actor=staff, pool=pool, now=_at(2021, 2, 1))
    for organisation in applicants:
        person = organisation.memberships.select_related("user").first().user  # type: ignore[union-attr]
        application = services.create_application(
            actor=person,
            pool=pool,
            applicant=organisation,
            now=_at(2021, 3, 1),
            title=f"Tidlig indsats hos {organisation.name}",
            purpose="At afprøve tidlig indsats i vores tilbud.",
            target_group="Familier med børn 0-6 år",
            activities="Uddannelse af personale, forløb med familierne, måling",
            timeline="2021-2023",
            organisation_text="Projektleder og to medarbejdere",
            amount_requested=Decimal("800000"),
            answers={"Hvordan inddrages familierne?": "Gennem hjemmebesøg og forældregrupper."},
        )
        services.set_budget_lines(
            actor=person,
            application=application,
            lines={
                "staff": (Decimal("500000"), Decimal("200000"), organisation.name),
                "training": (Decimal("200000"), Decimal("0"), ""),
                "evaluation": (Decimal("100000"), Decimal("0"), ""),
            },
        )
        services.add_attachment(
            actor=person,
            application=application,
            name="Budget",
            upload=SimpleUploadedFile("budget.pdf", b"%PDF-1.4 demo budget"),
        )
        services.submit_application(actor=person, application=application, now=_at(2021, 3, 20))
        grant = services.award_application(
            actor=staff,
            application=application,
            amount=Decimal("800000"),
            project_start=datetime.date(2021, 8, 1),
            project_end=datetime.date(2023, 7, 31),
            now=_at(2021, 5, 10),
        )
        services.start_grant(actor=person, grant=grant, started_on=datetime.date(2021, 8, 1))
        _report_on_time(grant, staff=staff)
    context.log(f"grants: a pool for regions and providers, {len(applicants)} awarded")


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
