import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from indsats.accounts import services
from indsats.accounts.models import Membership, Organisation, OrganisationKind, Role
from indsats.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def test_creating_an_organisation_is_audited(agency_admin):
    organisation = services.create_organisation(
        actor=agency_admin,
        name="Vejle Kommune",
        kind=OrganisationKind.MUNICIPALITY,
        municipality_code="630",
        region="1083",
    )
    entry = AuditEntry.objects.get(object_id=str(organisation.pk), content_type__model="organisation")
    assert entry.action == AuditAction.CREATE
    assert entry.actor == agency_admin
    assert entry.changes["municipality_code"] == "630"


def test_updating_records_before_and_after(agency_admin, aarhus):
    services.update_organisation(actor=agency_admin, organisation=aarhus, email="socialforvaltning@aarhus.dk")
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE).get()
    assert entry.changes == {"email": ["", "socialforvaltning@aarhus.dk"]}


def test_an_update_that_changes_nothing_writes_no_entry(agency_admin, aarhus):
    services.update_organisation(actor=agency_admin, organisation=aarhus, name=aarhus.name)
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_a_municipality_without_code_is_refused_and_nothing_is_saved(agency_admin):
    with pytest.raises(ValidationError) as error:
        services.create_organisation(
            actor=agency_admin, name="Ukendt Kommune", kind=OrganisationKind.MUNICIPALITY
        )
    assert not Organisation.objects.filter(name="Ukendt Kommune").exists()
    assert not AuditEntry.objects.exists()
    assert error.value.messages


def test_only_the_agency_administrator_may_create_organisations(agency_staff, aarhus_caseworker):
    for person in (agency_staff, aarhus_caseworker):
        with pytest.raises(PermissionDenied):
            services.create_organisation(actor=person, name="X", kind=OrganisationKind.EVALUATOR)


def test_a_caseworker_role_cannot_be_given_in_an_evaluator_organisation(agency_admin, evaluator):
    organisation = Organisation.objects.create(name="Evaluator A/S", kind=OrganisationKind.EVALUATOR)
    with pytest.raises(ValidationError) as error:
        services.grant_role(
            actor=agency_admin, person=evaluator, organisation=organisation, role=Role.CASEWORKER
        )
    assert "role" in error.value.message_dict


def test_granting_and_revoking_a_role_is_audited(agency_admin, aarhus, evaluator):
    membership = services.grant_role(
        actor=agency_admin, person=evaluator, organisation=aarhus, role=Role.MUNICIPALITY_MANAGER
    )
    membership_id = membership.pk
    services.revoke_role(actor=agency_admin, membership=membership)
    assert not Membership.objects.filter(pk=membership_id).exists()
    actions = list(
        AuditEntry.objects.filter(content_type__model="membership", object_id=str(membership_id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.CREATE, AuditAction.DELETE]


def test_a_created_person_gets_a_hashed_password_that_is_never_audited(agency_admin):
    person = services.create_person(
        actor=agency_admin, username="ny", first_name="Ny", password="en-lang-adgangskode-1"
    )
    assert person.check_password("en-lang-adgangskode-1")
    entry = AuditEntry.objects.get(content_type__model="user", object_id=str(person.pk))
    assert "password" not in entry.changes
    assert "en-lang-adgangskode-1" not in str(entry.changes)
