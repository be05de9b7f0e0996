"""A file name typed by a person is stored without any CPR number in it (issue 11, point 3)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indsats.grants.attachments import stored_name
from indsats.uploads import safe_file_name


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("1107139103.csv", "cpr-skjult.csv"),
        ("C:\\Users\\sb\\291116-7074 måling.xlsx", "cpr-skjult måling.xlsx"),
        ("../../etc/070761 4285.pdf", "cpr-skjult.pdf"),
        ("budget 2025.pdf", "budget 2025.pdf"),
        ("sag 12345678901.csv", "sag 12345678901.csv"),  # eleven digits: not a CPR number
        ("", "fil"),
    ],
)
def test_cpr_shaped_numbers_in_file_names_are_masked(name: str, stored: str) -> None:
    assert safe_file_name(name) == stored


def test_grant_attachments_are_stored_under_the_masked_name() -> None:
    assert stored_name(SimpleUploadedFile("0101151234.pdf", b"%PDF"), "fil") == "cpr-skjult.pdf"
