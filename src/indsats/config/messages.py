"""Compile the translation catalogues (.po -> .mo) with polib, so no GNU gettext is needed to install.

Run as `python -m indsats.config.messages`; `make install` does it. The .mo files are build output and
are not committed.
"""

from __future__ import annotations

from pathlib import Path

import polib

SOURCE = Path(__file__).resolve().parents[1]


def compile_catalogues(root: Path = SOURCE) -> list[Path]:
    compiled = []
    for po_path in sorted(root.rglob("locale/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled.append(mo_path)
    return compiled


if __name__ == "__main__":
    for path in compile_catalogues():
        print(f"compiled {path.relative_to(SOURCE.parent.parent)}")
