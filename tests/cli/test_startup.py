"""The command line answers --help without loading the heavy libraries (scipy, statsmodels, pandas, and
numpy: a tenth of a second of its own).

A measured time would be flaky on a shared machine; which modules are loaded is what decides the time.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("scipy", "statsmodels", "pandas", "numpy")

CHECK = """
import sys
from indsats.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("loaded:" + ",".join(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["score", "--help"],
        ["business-case", "--help"],
        ["meta", "--help"],
        ["causal", "--help"],
        ["prepost", "--help"],
        ["allocate", "--help"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", CHECK.format(argv=argv, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = completed.stdout.strip().splitlines()[-1]
    assert loaded == "loaded:", f"indsats {' '.join(argv)} {loaded}"


def test_importing_the_command_modules_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "import indsats.cli, indsats.cli.score, indsats.cli.business_case, indsats.cli.statistics, "
        "indsats.cli.allocate\n"
        f"print(','.join(name for name in {HEAVY!r} if name in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == ""
