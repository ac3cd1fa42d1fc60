"""The CalDAV backend without a server: an unreachable one is a calendar error, retried with backoff."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import CalendarError
from core.settings import CalendarSettings, Settings
from tests.fixtures import free_port
from tools.calendar.caldav_backend import CalDAVCalendar


def test_unreachable_server_is_a_calendar_error(tmp_path: Path):
    settings = Settings(calendar=CalendarSettings(backend="caldav", caldav_url=f"http://127.0.0.1:{free_port()}/x/",
                                                  retries=2, retry_backoff_s=0.5))
    slept: list[float] = []
    with pytest.raises(CalendarError):
        CalDAVCalendar.from_settings(settings, sleep=slept.append)
    assert len(slept) == 2 and 0.5 <= slept[0] < slept[1]  # bounded: calendar.retries, exponential backoff
