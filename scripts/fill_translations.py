"""Fill English translations into the catalogue from a Python dict file: fill_translations.py DICT.py.

The dict file defines T = {danish_msgid: english} and optionally PLURALS = {msgid: (singular, plural)}.
Existing translations are kept unless the dict names them; untranslated entries are listed at the end.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import polib

CATALOGUE = (
    Path(__file__).resolve().parents[1] / "src" / "indsats" / "locale" / "en" / "LC_MESSAGES" / "django.po"
)


def main(dict_path: str) -> int:
    namespace = runpy.run_path(dict_path)
    translations: dict[str, str] = namespace.get("T", {})
    plurals: dict[str, tuple[str, str]] = namespace.get("PLURALS", {})
    po = polib.pofile(str(CATALOGUE))
    for entry in po:
        if entry.msgid_plural and entry.msgid in plurals:
            singular, plural = plurals[entry.msgid]
            entry.msgstr_plural = {0: singular, 1: plural}
        elif entry.msgid in translations:
            entry.msgstr = translations[entry.msgid]
        else:
            continue  # a fuzzy guess stays fuzzy (and fails the translation test) until the dict names it
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    po.metadata["Language"] = "en"
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
