"""Demo organisations and people, and what every app's demo loader shares.

The foundation's part of `indsats demo`: the agency, all 98 municipalities, an evaluator, a foundation,
the steering group, and one log-in per role (DEMO_USERS). `DemoContext` is what `dashboard.demo.load_demo`
hands each app's `demo.load(context)`: the scale, the seed, one random generator, and the objects that
earlier loaders made. Every loader must be deterministic for a given seed and grow with `context.scale`
(1 = a small realistic installation). Demo writes go through the services where practical, so the audit
trail is populated as in real use.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from indsats.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from indsats.accounts.two_factor import requires_two_factor
from indsats.audit.services import record_create

DEMO_PASSWORD = "indsats-demo-2026"  # noqa: S105 - printed for demo log-ins; refused in production mode
# The demo administrators' authenticator key (base32 "GAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQ", printed by
# `indsats demo`), so that a developer's authenticator app, or a test, can give the two-factor code.
DEMO_TOTP_KEY = "3030303030303030303030303030303030303030"  # noqa: S105 - demo data only

AGENCY_NAME = "Social- og Boligstyrelsen"
STEERING_GROUP_NAME = "Den faglige styregruppe for udviklings- og investeringsprogrammet"
EVALUATOR_NAME = "Evalueringshuset (demo)"
FOUNDATION_NAME = "Fonden for Børns Trivsel (demo)"
REGION_NAME = "Region Midtjylland"
PROVIDER_NAME = "Opholdsstedet Solsikken (demo)"

# username, first name, last name, role, organisation
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("admin", "Anne", "Administrator", "agency_admin", AGENCY_NAME),
    ("styrelse", "Søren", "Styrelsesen", "agency_staff", AGENCY_NAME),
    ("kommune-aarhus", "Karen", "Kommunesen", "municipality_manager", "Aarhus Kommune"),
    ("sagsbehandler-aarhus", "Sara", "Sagsbehandler", "caseworker", "Aarhus Kommune"),
    ("sagsbehandler-odense", "Ole", "Odensen", "caseworker", "Odense Kommune"),
    ("evaluator", "Eva", "Evaluator", "evaluator", EVALUATOR_NAME),
    ("okonom", "Øjvind", "Økonom", "economist", EVALUATOR_NAME),
    ("styregruppe", "Stine", "Styregruppe", "steering_group", STEERING_GROUP_NAME),
    ("fond", "Frida", "Fondsen", "foundation", FOUNDATION_NAME),
    ("region", "Rikke", "Regionsen", "region_manager", REGION_NAME),
    ("tilbud", "Tobias", "Tilbudsen", "provider_manager", PROVIDER_NAME),
    ("admin2", "Asger", "Andengodkender", "agency_admin", AGENCY_NAME),
]


ProgressCallback = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class DemoContext:
    scale: int
    seed: int
    log: Callable[[str], None]
    rng: random.Random = field(init=False)
    objects: dict[str, Any] = field(default_factory=dict)  # shared between loaders: "agency", "users", ...
    # National scale (`indsats demo --scale national`) asks for exact totals; 0 means "as the scale grows"
    interventions: int = 0  # interventions in all, the showcase included
    measurements: int = 0  # SDQ measurements in all (the bulk part written as an import writes them)
    progress: ProgressCallback = field(default=lambda _what, _done, _total: None)  # the long steps' bar

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - demo data, not security


def municipality_rows() -> list[dict[str, str]]:
    """The 98 Danish municipalities with their official codes and region codes."""
    path = Path(__file__).parent / "data" / "municipalities.csv"
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def municipality_name(short_name: str) -> str:
    """The official name: 'Aarhus Kommune', but 'Københavns Kommune'."""
    return "Københavns Kommune" if short_name == "København" else f"{short_name} Kommune"


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
        Organisation.objects.create(name=REGION_NAME, kind=OrganisationKind.REGION, region="1082"),
        Organisation.objects.create(
            name=PROVIDER_NAME, kind=OrganisationKind.SERVICE_PROVIDER, region="1082"
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
        if requires_two_factor(user):
            TOTPDevice.objects.create(user=user, name="Demo", key=DEMO_TOTP_KEY, confirmed=True)
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
