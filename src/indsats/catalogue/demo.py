"""The catalogue's demo data: a realistic set of published descriptions, published through the service
as the demo agency person (so the audit trail is as in real use). At least eight interventions with
different ratings, phases and economics; one published twice (two versions); one withdrawn; a manual as
a PDF with a few of them."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.base import ContentFile

from indsats.accounts.demo import DemoContext
from indsats.audit.services import record_create, record_update, snapshot
from indsats.catalogue.services import publish_intervention, withdraw_publication
from indsats.interventions.models import DeliveryFormat, Intervention, Material, MaterialKind

IMPLEMENTATION = [
    {
        "staff_qualifications": (
            "Socialrådgivere eller pædagoger med mindst to års erfaring med familiearbejde."
        ),
        "training_days": Decimal("5"),
        "supervision": "Gruppesupervision hver fjortende dag det første år",
        "sessions": 12,
        "weeks": 16,
        "setting": "Familiens hjem",
        "delivery_format": DeliveryFormat.INDIVIDUAL,
        "delivery_model": "Kommunens familiebehandlere, to ad gangen",
    },
    {
        "staff_qualifications": "Lærere og skolepsykologer.",
        "training_days": Decimal("3"),
        "supervision": "Månedlig sparring med en konsulent",
        "sessions": 10,
        "weeks": 10,
        "setting": "Skolen",
        "delivery_format": DeliveryFormat.GROUP,
        "delivery_model": "Skolens team med støtte fra PPR",
    },
    {
        "staff_qualifications": "Psykologer eller terapeuter med certificering i metoden.",
        "training_days": Decimal("8.5"),
        "supervision": "Individuel supervision ugentligt",
        "sessions": 20,
        "weeks": 24,
        "setting": "Familiens hjem og kommunens rådgivning",
        "delivery_format": DeliveryFormat.BOTH,
        "delivery_model": "Specialiseret team på tværs af flere kommuner",
    },
]


def minimal_pdf(title: str) -> bytes:
    """A one-page PDF with a title line (valid: header, objects, cross-reference table, trailer)."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\nstartxref\n"
    out += str(xref).encode() + b"\n%%EOF\n"
    return bytes(out)


def _describe_implementation(intervention: Intervention, number: int) -> None:
    before = snapshot(intervention)
    for name, value in IMPLEMENTATION[number % len(IMPLEMENTATION)].items():
        setattr(intervention, name, value)
    intervention.save(update_fields=list(IMPLEMENTATION[0]))
    record_update(actor=None, instance=intervention, before=before, message="demo")


def _manual(intervention: Intervention) -> Material:
    material = Material(
        intervention=intervention, title=f"Manual: {intervention.name}", kind=MaterialKind.MANUAL
    )
    material.file.save("manual.pdf", ContentFile(minimal_pdf(f"Manual: {intervention.name}")), save=False)
    material.save()
    record_create(actor=None, instance=material, message="demo")
    return material


def load(context: DemoContext) -> None:
    agency_person = context.objects.get("users", {}).get("styrelse")
    if agency_person is None:
        context.log("    no agency person: catalogue skipped")
        return
    # interventions with the most to show first: an effect study, a business case, a declaration
    interventions = sorted(
        Intervention.objects.all(),
        key=lambda i: (
            -i.effect_studies.count(),  # type: ignore[attr-defined]
            -i.business_cases.count(),  # type: ignore[attr-defined]
            -i.knowledge_declarations.count(),
            i.pk,
        ),
    )[: 8 + 2 * context.scale]
    for number, intervention in enumerate(interventions):
        _describe_implementation(intervention, number)
        materials = [_manual(intervention).pk] if number < 3 else []
        publish_intervention(
            actor=agency_person,
            intervention_id=intervention.pk,
            change_note="Første offentliggjorte beskrivelse.",
            material_ids=materials,
            notify_subscribers=False,
        )
    if len(interventions) > 1:
        second = interventions[1]
        before = snapshot(second)
        second.short_description = (second.short_description + " Opdateret efter midtvejsevalueringen.")[:300]
        second.save(update_fields=["short_description"])
        record_update(actor=None, instance=second, before=before, message="demo")
        publish_intervention(
            actor=agency_person,
            intervention_id=second.pk,
            change_note="Resuméet er opdateret efter midtvejsevalueringen.",
            notify_subscribers=False,
        )
    if len(interventions) > 2:
        withdrawn = interventions[-1]
        withdraw_publication(
            actor=agency_person,
            publication_id=withdrawn.publication.pk,  # type: ignore[attr-defined]
            reason="Indsatsen er stoppet efter afprøvningen; beskrivelsen er ikke længere dækkende.",
        )
    context.log(f"    {len(interventions)} descriptions published, one in two versions, one withdrawn")
