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


def as_datetime(value: object) -> dt.datetime | None:
    """A naive wall-clock datetime from a datetime (offset dropped), date (midnight) or ISO text.

    Photo times are compared as the camera's wall clock: mixing aware and naive values would
    raise, and converting to UTC would move a late-evening photo to the next day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    try:
        return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        day = as_date(value)
        return dt.datetime.combine(day, dt.time()) if day else None
