"""Calendar days from the values the app meets: datetimes, dates and ISO text (JSON, stored
settings). One rule, so the compare view, the sheet and the CLI put a photo on the same day."""

from __future__ import annotations

import datetime as dt


def as_date(value: object) -> dt.date | None:
    """The calendar day of `value`: a datetime's own date (in its own time zone, as the
    camera recorded it), a date as is, the first ten characters of ISO text ("2026-01-10" or
    "2026-01-10T09:12:00"); None for None or text that is not a date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
