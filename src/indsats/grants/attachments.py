"""What an uploaded file (an application's attachment, a grant's report) must be: an accepted type whose
first bytes match its name, not empty, at most 10 MB. Refused with a message that says how to fix it."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from indsats.grants.errors import InvalidAttachment
from indsats.uploads import safe_file_name

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Accepted attachment types: extension -> the file's first bytes (None: plain text, checked as UTF-8).
ATTACHMENT_SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".csv": None,
    ".txt": None,
}


def check_attachment(upload: UploadedFile) -> None:
    """Refuse files that are too large or not of an accepted type, with a message that says how to fix it."""
    name = upload.name or ""
    suffix = Path(name).suffix.lower()
    accepted = ", ".join(sorted(ATTACHMENT_SIGNATURES))
    if suffix not in ATTACHMENT_SIGNATURES:
        raise InvalidAttachment(
            _("Filen “%(name)s” har en type, vi ikke modtager. Brug en af: %(types)s.")
            % {"name": name, "types": accepted},
            field="file",
        )
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise InvalidAttachment(
            _(
                "Filen “%(name)s” fylder %(size).1f MB; højst %(max)s MB er tilladt. "
                "Gem den mindre eller del den op."
            )
            % {
                "name": name,
                "size": upload.size / 1024 / 1024,
                "max": MAX_ATTACHMENT_BYTES // 1024 // 1024,
            },
            field="file",
        )
    if not upload.size:
        raise InvalidAttachment(_("Filen “%(name)s” er tom.") % {"name": name}, field="file")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    signatures = ATTACHMENT_SIGNATURES[suffix]
    if signatures is None:
        ok = b"\x00" not in head
    else:
        ok = any(head.startswith(signature) for signature in signatures)
    if not ok:
        raise InvalidAttachment(
            _("Filen “%(name)s” er ikke en rigtig %(type)s-fil. Gem den igen i det rigtige format.")
            % {"name": name, "type": suffix[1:].upper()},
            field="file",
        )


def stored_name(upload: UploadedFile, default: str) -> str:
    """The uploaded file's own name without any folder the browser sent (CPR-shaped numbers masked), or
    `default`."""
    return safe_file_name(upload.name, default)
