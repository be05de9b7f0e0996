"""Settings for the test suite: the normal settings with the test flag set before they load."""

import os

os.environ.setdefault("INDSATS_TESTING", "true")

from indsats.config.settings import *  # noqa: E402, F403
