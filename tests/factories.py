"""factory_boy factories for the foundation's models. Other apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

import factory

from indsats.accounts.models import Membership, Organisation, OrganisationKind, Region, Role, User

PASSWORD = "korrekt-hest-batteri-42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.EVALUATOR


class AgencyFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Styrelse {n}")
    kind = OrganisationKind.AGENCY


class MunicipalityFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Testby {n} Kommune")
    kind = OrganisationKind.MUNICIPALITY
    municipality_code = factory.Sequence(lambda n: f"{900 + n % 100:03d}")
    region = Region.MIDTJYLLAND


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(AgencyFactory)
    role = Role.AGENCY_STAFF


def person_with_role(role: str, organisation: Organisation | None = None, **user_fields: object) -> User:
    """A person holding `role` in `organisation` (a fitting new one when not given)."""
    if organisation is None:
        if role in {Role.AGENCY_ADMIN, Role.AGENCY_STAFF}:
            organisation = AgencyFactory()
        elif role in {Role.MUNICIPALITY_MANAGER, Role.CASEWORKER}:
            organisation = MunicipalityFactory()
        elif role == Role.FOUNDATION:
            organisation = OrganisationFactory(kind=OrganisationKind.FOUNDATION)
        elif role == Role.STEERING_GROUP:
            organisation = OrganisationFactory(kind=OrganisationKind.STEERING_GROUP)
        else:
            organisation = OrganisationFactory(kind=OrganisationKind.EVALUATOR)
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user
