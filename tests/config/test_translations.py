"""The English catalogue covers every Danish message, so choosing English never shows a mix."""

from pathlib import Path

import polib

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "src" / "indsats" / "locale" / "en" / "LC_MESSAGES" / "django.po"
)


def test_every_message_has_an_english_translation():
    po = polib.pofile(str(CATALOGUE))
    missing = [entry.msgid for entry in po if not entry.translated() and not entry.obsolete]
    assert missing == []


def test_placeholders_survive_translation():
    po = polib.pofile(str(CATALOGUE))
    import re

    pattern = re.compile(r"%\(\w+\)s")
    for entry in po:
        if entry.msgstr:
            assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), entry.msgid
