"""Genesys date formats: ISO-8601 UTC with milliseconds and ``Z``, and ``start/end`` intervals."""

from __future__ import annotations

import datetime as dt

__all__ = ["BadDate", "iso", "parse_interval", "parse_iso"]


class BadDate(ValueError):
    """A date or interval string Genesys would answer with 400 ``invalid.date``."""


def iso(ts: float) -> str:
    """Epoch seconds as ``yyyy-MM-ddTHH:mm:ss.SSSZ`` (the Platform API's datetime format)."""
    moment = dt.datetime.fromtimestamp(ts, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """Parse an ISO-8601 datetime (``Z`` or an offset; naive means UTC) to epoch seconds."""
    if not isinstance(text, str) or not text:
        raise BadDate(text)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadDate(text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def parse_interval(text: str) -> tuple[float, float]:
    """Parse ``start/end`` (analytics ``interval``) to epoch seconds; end must follow start."""
    if not isinstance(text, str) or text.count("/") != 1:
        raise BadDate(text)
    start_text, end_text = text.split("/")
    start, end = parse_iso(start_text), parse_iso(end_text)
    if end <= start:
        raise BadDate(text)
    return start, end
