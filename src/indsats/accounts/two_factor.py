"""Two-factor authentication (TOTP, RFC 6238, with django-otp) for the people who hold the keys: agency
administrators (ASVS V2.7/V2.8 level 2).

After the password, an agency administrator must give the six-digit code of an authenticator app before
any page opens (TwoFactorRequiredMiddleware). The first time, the page shows a QR code and the key to add
to the app, and the first correct code confirms the device. Which roles need it: settings.TWO_FACTOR_ROLES.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from indsats.accounts.models import User, Visitor
from indsats.accounts.permissions import roles_of

DEVICE_NAME = "Authenticator"


def requires_two_factor(user: Visitor) -> bool:
    return bool(user.is_authenticated and roles_of(user) & set(settings.TWO_FACTOR_ROLES))


def is_verified(request: HttpRequest) -> bool:
    """Verified with a device in this session (django-otp's OTPMiddleware sets `user.is_verified`)."""
    return bool(getattr(request.user, "is_verified", lambda: False)())


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one per person, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def base32_key(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (base32, grouped in fours)."""
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an SVG QR code (no script, no image request: the CSP holds)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]


EXEMPT_URL_NAMES = ("accounts:two_factor", "accounts:logout", "set_language")


class TwoFactorRequiredMiddleware:
    """An agency administrator who has not given a code in this session reaches only the two-factor
    page (and log-out); every other request is sent there. Place after django_otp's OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            requires_two_factor(request.user)
            and not is_verified(request)
            and not request.path.startswith(settings.STATIC_URL)
            and request.path not in {reverse(name) for name in EXEMPT_URL_NAMES}
        ):
            if request.path.startswith("/api/"):
                return HttpResponse(status=403)
            return redirect_to_login(request.get_full_path(), reverse("accounts:two_factor"))
        return self.get_response(request)


def redirect_after_verification(next_url: str) -> HttpResponse:
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)
