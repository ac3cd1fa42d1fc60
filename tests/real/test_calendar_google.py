"""The Google backend through the real google-api-python-client against a fake Calendar v3 server on
127.0.0.1, and a token write killed mid-way in a subprocess."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from google.oauth2.credentials import Credentials

from core.errors import CalendarError
from core.settings import CalendarSettings, Settings
from tests.fake_google_calendar import FakeGoogleCalendar
from tests.fixtures import ROOT
from tools.calendar import Busy, Calendar, Event, UnknownCalendarsError, event_id_for
from tools.calendar.google import GoogleCalendar, load_credentials, save_token, token_path
from tools.slots import find_slots

UTC = UTC
SEOUL = ZoneInfo("Asia/Seoul")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def fake():
    with FakeGoogleCalendar() as server:
        yield server


def settings_for(tmp_path: Path, fake: FakeGoogleCalendar, **calendar: object) -> Settings:
    return Settings(data_dir=tmp_path, timezone="Asia/Seoul",
                    calendar=CalendarSettings(backend="google", google_api_endpoint=fake.url, retries=3,
                                              retry_backoff_s=0.01, **calendar))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def cal(tmp_path: Path, fake: FakeGoogleCalendar, sleeps: list[float]) -> GoogleCalendar:
    calendar = GoogleCalendar.from_settings(settings_for(tmp_path, fake, google_send_updates="all"),
                                            credentials=Credentials(token="test"), sleep=sleeps.append)
    assert isinstance(calendar, Calendar)
    return calendar


def meeting(event_id: str, start: datetime, attendees: list[str]) -> Event:
    return Event(id=event_id, title="Budget follow-up", start=start, end=start + timedelta(minutes=30),
                 attendees=attendees, description="From the 1 March meeting")


def test_free_busy_across_attendees(cal: GoogleCalendar, fake: FakeGoogleCalendar):
    fake.add_person("kim@example.com", [(utc(2026, 3, 2, 1), utc(2026, 3, 2, 2)), (utc(2026, 3, 2, 1, 30), utc(2026, 3, 2, 3))])
    fake.add_person("ann@example.com", [(utc(2026, 3, 1, 23), utc(2026, 3, 2, 0, 30))])
    fb = cal.free_busy(["Kim@Example.com", "ann@example.com"], utc(2026, 3, 2), utc(2026, 3, 3))
    assert fb == {"kim@example.com": [Busy(utc(2026, 3, 2, 1), utc(2026, 3, 2, 3))],
                  "ann@example.com": [Busy(utc(2026, 3, 2), utc(2026, 3, 2, 0, 30))]}
    (request,) = fake.requests("POST", "freeBusy")
    assert request["body"]["items"] == [{"id": "kim@example.com"}, {"id": "ann@example.com"}]
    assert request["body"]["timeMin"] == "2026-03-02T00:00:00Z"
    slots = find_slots(fb, timedelta(hours=1), utc(2026, 3, 2), utc(2026, 3, 3),
                       attendee_zones={"kim@example.com": "Asia/Seoul", "ann@example.com": "Asia/Seoul"}, limit=1,
                       holiday_country="")  # 2026-03-02 is a Korean substitute holiday; this test is about busy times
    assert slots[0][0] == utc(2026, 3, 2, 3)  # 12:00 in Seoul: 09:30-10:00 is too short before Kim's 10:00


def test_calendar_google_cannot_read_is_unknown_not_free(cal: GoogleCalendar, fake: FakeGoogleCalendar):
    fake.add_person("kim@example.com", [])
    with pytest.raises(UnknownCalendarsError) as caught:
        cal.free_busy(["kim@example.com", "stranger@elsewhere.com"], utc(2026, 3, 2), utc(2026, 3, 3))
    assert caught.value.unknown == ["stranger@elsewhere.com"]
    assert caught.value.known == {"kim@example.com": []}


def test_insert_twice_returns_the_existing_event(cal: GoogleCalendar, fake: FakeGoogleCalendar):
    event_id = event_id_for("meeting-1", "follow-up")
    start = datetime(2026, 3, 3, 10, tzinfo=SEOUL)
    created = cal.create_event(meeting(event_id, start, ["kim@example.com", "ann@example.com"]))
    again = cal.create_event(meeting(event_id, start + timedelta(days=1), ["kim@example.com"]))
    assert again == created and created.start == start and created.id == event_id
    assert list(fake.events()) == [event_id]
    inserts = fake.requests("POST", "/events")
    assert len(inserts) == 2 and inserts[0]["query"]["sendUpdates"] == "all"
    body = inserts[0]["body"]
    assert body["id"] == event_id and body["description"] == "From the 1 March meeting"
    assert body["attendees"] == [{"email": "kim@example.com"}, {"email": "ann@example.com"}]
    assert body["start"] == {"dateTime": "2026-03-03T10:00:00+09:00", "timeZone": "Asia/Seoul"}
    assert "conferenceDataVersion" not in inserts[0]["query"]
    assert created.url and event_id in created.url
    assert cal.get_event(event_id) == created
    assert cal.get_event(event_id_for("meeting-1", "other")) is None


def test_meet_link_requests_conference_data(tmp_path: Path, fake: FakeGoogleCalendar):
    calendar = GoogleCalendar.from_settings(settings_for(tmp_path, fake, google_meet_link=True),
                                            credentials=Credentials(token="test"))
    event = calendar.create_event(meeting(event_id_for("m", "meet"), utc(2026, 3, 3, 1), ["kim@example.com"]))
    (insert,) = fake.requests("POST", "/events")
    assert insert["query"]["conferenceDataVersion"] == "1" and insert["query"]["sendUpdates"] == "none"
    assert insert["body"]["conferenceData"]["createRequest"]["conferenceSolutionKey"] == {"type": "hangoutsMeet"}
    assert event.url and event.url.startswith("https://meet.example.test/")


def test_list_pages_and_filters_by_attendee(cal: GoogleCalendar, fake: FakeGoogleCalendar):
    ids = [event_id_for("m", str(i)) for i in range(5)]
    for i, event_id in enumerate(ids):
        who = ["kim@example.com"] if i % 2 == 0 else ["ann@example.com"]
        cal.create_event(meeting(event_id, utc(2026, 3, 3, 1) + timedelta(hours=i), who))
    cal.create_event(meeting(event_id_for("m", "later"), utc(2026, 3, 10, 1), ["kim@example.com"]))
    events = cal.list_events(utc(2026, 3, 3), utc(2026, 3, 4))
    assert [e.id for e in events] == ids
    assert len(fake.requests("GET", "/events")) == 3  # pages of two
    query = fake.requests("GET", "/events")[0]["query"]
    assert query["singleEvents"] == "true" and query["timeMin"] == "2026-03-03T00:00:00Z"
    assert [e.id for e in cal.list_events(utc(2026, 3, 3), utc(2026, 3, 4), attendee="kim@example.com")] == ids[::2]
    assert events[0].start.tzinfo == ZoneInfo("Europe/London")  # the calendar's zone from the answer


def test_delete_then_rebook_restores_the_same_id(cal: GoogleCalendar, fake: FakeGoogleCalendar):
    event_id = event_id_for("meeting-2", "follow-up")
    cal.create_event(meeting(event_id, utc(2026, 3, 3, 1), ["kim@example.com"]))
    assert cal.cancel_event(event_id) is True
    assert cal.cancel_event(event_id) is False  # 410 Gone
    assert cal.cancel_event(event_id_for("never", "booked")) is False  # 404
    assert cal.get_event(event_id) is None
    assert cal.list_events(utc(2026, 3, 3), utc(2026, 3, 4)) == []
    restored = cal.create_event(meeting(event_id, utc(2026, 3, 4, 1), ["kim@example.com"]))
    assert restored.start == utc(2026, 3, 4, 1) and fake.events()[event_id]["status"] == "confirmed"
    assert len(fake.requests("PUT")) == 1


def test_server_errors_and_rate_limits_are_retried(cal: GoogleCalendar, fake: FakeGoogleCalendar, sleeps: list[float]):
    fake.add_person("kim@example.com", [])
    fake.fail_next(500, count=2, path_contains="freeBusy")
    assert cal.free_busy(["kim@example.com"], utc(2026, 3, 2), utc(2026, 3, 3)) == {"kim@example.com": []}
    assert len(fake.requests("POST", "freeBusy")) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential backoff
    fake.fail_next(429, method="POST", path_contains="/events", reason="rateLimitExceeded")
    fake.fail_next(403, method="POST", path_contains="/events", reason="userRateLimitExceeded")
    event_id = event_id_for("m", "retry")
    assert cal.create_event(meeting(event_id, utc(2026, 3, 3, 1), ["kim@example.com"])).id == event_id
    assert len(fake.requests("POST", "/events")) == 3 and list(fake.events()) == [event_id]


def test_persistent_failures_and_refusals_raise_calendar_error(cal: GoogleCalendar, fake: FakeGoogleCalendar,
                                                               sleeps: list[float]):
    fake.fail_next(503, count=10, path_contains="freeBusy")
    with pytest.raises(CalendarError, match="HTTP 503"):
        cal.free_busy(["kim@example.com"], utc(2026, 3, 2), utc(2026, 3, 3))
    assert len(fake.requests("POST", "freeBusy")) == 4  # first try + 3 retries
    fake.fail_next(403, method="POST", reason="forbidden")
    with pytest.raises(CalendarError, match="HTTP 403") as caught:
        cal.create_event(meeting(event_id_for("m", "x"), utc(2026, 3, 3, 1), ["kim@example.com"]))
    assert "\n" not in str(caught.value) and caught.value.hint
    assert len(fake.requests("POST", "/events")) == 1  # a refusal is not retried


def test_bad_token_is_a_calendar_error(tmp_path: Path, fake: FakeGoogleCalendar):
    calendar = GoogleCalendar.from_settings(settings_for(tmp_path, fake), credentials=Credentials(token="wrong"))
    with pytest.raises(CalendarError, match="expired or revoked"):  # google-auth refreshes on 401, and can't
        calendar.list_events(utc(2026, 3, 2), utc(2026, 3, 3))


def test_an_unreachable_server_is_retried_then_reported(tmp_path: Path, sleeps: list[float]):
    with FakeGoogleCalendar() as gone:
        url = gone.url
    settings = Settings(data_dir=tmp_path, calendar=CalendarSettings(backend="google", google_api_endpoint=url,
                                                                     retries=2, retry_backoff_s=0.01))
    calendar = GoogleCalendar.from_settings(settings, credentials=Credentials(token="test"), sleep=sleeps.append)
    with pytest.raises(CalendarError, match="failed"):
        calendar.list_events(utc(2026, 3, 2), utc(2026, 3, 3))
    assert len(sleeps) == 2


_CRASH_MID_WRITE = """
import os, sys
from pathlib import Path
from google.oauth2.credentials import Credentials
from tools.calendar.google import save_token

class Half:  # the process dies after the first bytes of the new token reach the file
    def __init__(self, inner): self.inner = inner
    def write(self, text):
        self.inner.write(text[:20]); self.inner.flush(); os._exit(9)
    def __enter__(self): return self
    def __exit__(self, *exc): self.inner.close()
    def __getattr__(self, name): return getattr(self.inner, name)
real_fdopen = os.fdopen
os.fdopen = lambda *a, **k: Half(real_fdopen(*a, **k))
save_token(Path(sys.argv[1]), Credentials(token="new-token", refresh_token="r2", client_id="id", client_secret="s",
                                           token_uri="https://oauth2.googleapis.com/token"))
"""


def test_crash_while_writing_a_token_leaves_the_old_one_readable(tmp_path: Path):
    import subprocess
    import sys

    settings = Settings(data_dir=tmp_path)
    path = token_path(settings)
    save_token(path, Credentials(token="old-token", refresh_token="refresh", client_id="id", client_secret="secret",
                                 token_uri="https://oauth2.googleapis.com/token", expiry=datetime(2100, 1, 1)))
    r = subprocess.run([sys.executable, "-c", _CRASH_MID_WRITE, str(path)], env={**os.environ, "PYTHONPATH": str(ROOT)},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 9, r.stderr  # it really died inside the write
    assert load_credentials(settings).token == "old-token"  # the old token, whole
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    save_token(path, Credentials(token="newer", refresh_token="r", client_id="id", client_secret="s",
                                 token_uri="https://oauth2.googleapis.com/token", expiry=datetime(2100, 1, 1)))
    assert load_credentials(settings).token == "newer"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_open_calendar_uses_the_stored_token(tmp_path: Path):
    from tools.calendar import open_calendar

    with FakeGoogleCalendar(token="stored-token") as server:
        settings = settings_for(tmp_path, server)
        with pytest.raises(CalendarError, match="not authorized"):
            open_calendar(settings)
        save_token(token_path(settings), Credentials(token="stored-token", refresh_token="r", client_id="id",
                                                     client_secret="s", token_uri="https://oauth2.googleapis.com/token",
                                                     expiry=datetime(2100, 1, 1)))
        calendar = open_calendar(settings)
        assert isinstance(calendar, GoogleCalendar) and calendar.calendar_id == "primary"
        assert calendar.list_events(utc(2026, 3, 2), utc(2026, 3, 3)) == []
        assert server.requests("GET", "/events")


def test_a_recurring_booking_sends_its_rrule(cal: GoogleCalendar, fake: FakeGoogleCalendar):
    event_id = event_id_for("meeting-weekly", "every tuesday")
    start = datetime(2026, 3, 3, 10, tzinfo=SEOUL)
    weekly = Event(id=event_id, title="Weekly", start=start, end=start + timedelta(hours=1), attendees=["kim@example.com"],
                   recurrence="FREQ=WEEKLY;INTERVAL=2")
    created = cal.create_event(weekly)
    body = fake.requests("POST", "/events")[-1]["body"]
    assert body["recurrence"] == ["RRULE:FREQ=WEEKLY;INTERVAL=2"]
    assert body["start"]["timeZone"] == "Asia/Seoul"  # Google needs the zone of a recurring event
    assert created.recurrence == "FREQ=WEEKLY;INTERVAL=2" and cal.get_event(event_id).recurrence == "FREQ=WEEKLY;INTERVAL=2"
