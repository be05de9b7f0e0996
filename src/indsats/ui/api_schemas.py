"""Schemas every API router shares: the body of an error answer (403, 404, 409, ...)."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    detail: str


FORBIDDEN = {403: ErrorOut}
FORBIDDEN_OR_NOT_FOUND = {403: ErrorOut, 404: ErrorOut}
