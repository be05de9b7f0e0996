"""Demo organisations and people: the agency, all 98 municipalities, an evaluator, a foundation, the
steering group, and one log-in per role (see indsats.demodata.DEMO_USERS)."""

from __future__ import annotations

from indsats.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from indsats.audit.services import record_create
from indsats.demodata import (
    AGENCY_NAME,
    DEMO_PASSWORD,
    DEMO_USERS,
    EVALUATOR_NAME,
    FOUNDATION_NAME,
    STEERING_GROUP_NAME,
    DemoContext,
    municipality_name,
    municipality_rows,
)

FIRST_NAMES = ["Mette", "Lars", "Hanne", "Jens", "Camilla", "Mads", "Louise", "Peter", "Sofie", "Anders"]
LAST_NAMES = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen"]


def load(context: DemoContext) -> None:
    created: list[Organisation] = []
    agency = Organisation.objects.create(name=AGENCY_NAME, kind=OrganisationKind.AGENCY, cvr="26144861")
    created.append(agency)
    municipalities = []
    for row in municipality_rows():
        municipality = Organisation.objects.create(
            name=municipality_name(row["name"]),
            kind=OrganisationKind.MUNICIPALITY,
            municipality_code=row["code"],
            region=row["region"],
        )
        municipalities.append(municipality)
    created.extend(municipalities)
    others = [
        Organisation.objects.create(name=EVALUATOR_NAME, kind=OrganisationKind.EVALUATOR),
        Organisation.objects.create(name=FOUNDATION_NAME, kind=OrganisationKind.FOUNDATION),
        Organisation.objects.create(name=STEERING_GROUP_NAME, kind=OrganisationKind.STEERING_GROUP),
        Organisation.objects.create(
            name="Forskningscentret for Børns Udvikling (demo)", kind=OrganisationKind.RESEARCH
        ),
    ]
    created.extend(others)
    for organisation in created:
        record_create(actor=None, instance=organisation, message="demo")

    by_name = {organisation.name: organisation for organisation in created}
    users: dict[str, User] = {}
    for username, first, last, role, organisation_name in DEMO_USERS:
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@indsats.example")
        user.set_password(DEMO_PASSWORD)
        user.save()
        membership = Membership.objects.create(user=user, organisation=by_name[organisation_name], role=role)
        record_create(actor=None, instance=user, message="demo")
        record_create(actor=None, instance=membership, message="demo")
        users[username] = user

    # More caseworkers and managers, spread over municipalities, with no usable password.
    rng = context.rng
    extra = 20 * context.scale
    for index in range(extra):
        municipality = rng.choice(municipalities)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        user = User(
            username=f"demo{index + 1:04d}",
            first_name=first,
            last_name=last,
            email=f"demo{index + 1:04d}@indsats.example",
        )
        user.set_unusable_password()
        user.save()
        role = Role.MUNICIPALITY_MANAGER if index % 4 == 0 else Role.CASEWORKER
        Membership.objects.create(user=user, organisation=municipality, role=role)

    context.objects.update(
        {
            "agency": agency,
            "municipalities": municipalities,
            "municipality_by_code": {m.municipality_code: m for m in municipalities},
            "evaluator": by_name[EVALUATOR_NAME],
            "foundation": by_name[FOUNDATION_NAME],
            "steering_group": by_name[STEERING_GROUP_NAME],
            "users": users,
        }
    )
    context.log(f"    {len(created)} organisations, {len(users) + extra} people")
