"""Production defaults: checked in a fresh interpreter with a controlled environment."""

import json
import os
import subprocess
import sys

import pytest

SNIPPET = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "hasher": settings.PASSWORD_HASHERS[0],
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
}))
"""


def _run(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "PSEUDONYM_KEY", "DEBUG", "INDSATS_TESTING", "DATABASE_URL"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "indsats.config.settings", **extra_env})
    return subprocess.run(
        [sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _run({})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_mode_refuses_to_start_without_a_pseudonym_key():
    result = _run({"SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "PSEUDONYM_KEY is not set" in result.stderr


@pytest.mark.parametrize("debug", ["", "false"])
def test_production_defaults_are_safe(debug):
    result = _run(
        {
            "SECRET_KEY": "x" * 60,
            "PSEUDONYM_KEY": "y" * 60,
            "ALLOWED_HOSTS": "indsats.example",
            "DEBUG": debug,
        }
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {
        "debug": False,
        "session_secure": True,
        "csrf_secure": True,
        "hsts": 31536000,
        "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher",
        "ssl_redirect": True,
    }


def test_debug_is_on_only_when_asked_for():
    result = _run({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is True


@pytest.mark.parametrize("name", ["SECRET_KEY", "PSEUDONYM_KEY"])
def test_production_mode_refuses_a_key_shorter_than_32_characters(name):
    keys = {"SECRET_KEY": "x" * 60, "PSEUDONYM_KEY": "y" * 60, name: "z" * 31}
    result = _run({**keys, "ALLOWED_HOSTS": "indsats.example"})
    assert result.returncode != 0
    assert f"{name} is only 31 characters long" in result.stderr
    assert "z" * 31 not in result.stderr  # the key itself is never echoed
    assert _run({**keys, name: "z" * 32, "ALLOWED_HOSTS": "indsats.example"}).returncode == 0
