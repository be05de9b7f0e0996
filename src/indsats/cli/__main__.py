"""`python -m indsats.cli ...` runs the console script."""

from indsats.cli import main

raise SystemExit(main())
