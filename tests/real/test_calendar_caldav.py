"""The CalDAV backend against a real Radicale server started on 127.0.0.1 (htpasswd, plain passwords)."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import caldav
import pytest

from core.errors import CalendarError
from core.settings import CalendarSettings, Settings
from tests.fakes import LocalHTTPServer
from tests.fixtures import free_port
from tools.calendar import Busy, Calendar, Event, UnknownCalendarsError, event_id_for, open_calendar
from tools.calendar.caldav_backend import CalDAVCalendar
from tools.slots import find_slots

UTC = UTC
LONDON = ZoneInfo("Europe/London")
PASSWORD = "s3cret-pw"
ACCOUNTS = 12
ALICE_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//hand made//EN
BEGIN:VEVENT
UID:alice-standup@test
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/London:20260316T100000
DTEND;TZID=Europe/London:20260316T110000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4
SUMMARY:Stand-up
END:VEVENT
END:VCALENDAR
"""
ALICE_ALL_DAY_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//hand made//EN
BEGIN:VEVENT
UID:alice-offsite@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260325
DTEND;VALUE=DATE:20260326
SUMMARY:Off-site
END:VEVENT
END:VCALENDAR
"""
BOB_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//hand made//EN
BEGIN:VEVENT
UID:bob-lunch@test
DTSTAMP:20260101T000000Z
DTSTART:20260323T120000Z
DTEND:20260323T130000Z
SUMMARY:Lunch
END:VEVENT
END:VCALENDAR
"""


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Radicale server on a free port; users minutesN and bobN (N < ACCOUNTS) share one password."""
    root = tmp_path_factory.mktemp("radicale")
    users = [f"minutes{n}" for n in range(ACCOUNTS)] + [f"bob{n}" for n in range(ACCOUNTS)]
    (root / "users").write_text("".join(f"{u}:{PASSWORD}\n" for u in users))
    port = free_port()
    log = open(root / "radicale.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", "", "--server-hosts", f"127.0.0.1:{port}",
         "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(root / "users"),
         "--auth-htpasswd-encryption", "plain", "--auth-delay", "0", "--rights-type", "authenticated",
         "--storage-filesystem-folder", str(root / "collections"), "--logging-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/.web/", timeout=1).close()
            break
        except urllib.error.HTTPError:
            break  # it answers
        except OSError as e:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("radicale did not start: " + (root / "radicale.log").read_text()[-2000:]) from e
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


_accounts = itertools.count()


class Account:
    """One fresh user's booking calendar, Alice's calendar (found by display name) and Bob's (mapped)."""

    def __init__(self, url: str):
        n = next(_accounts)
        assert n < ACCOUNTS, "raise ACCOUNTS"
        self.user, self.bob = f"minutes{n}", f"bob{n}"
        owner = caldav.DAVClient(url=url, username=self.user, password=PASSWORD).principal()
        self.booking = owner.make_calendar(name="Minutes", cal_id="booking")
        alice = owner.make_calendar(name="alice@example.com", cal_id="alice")
        alice.add_event(ALICE_ICS)
        alice.add_event(ALICE_ALL_DAY_ICS)
        bob = caldav.DAVClient(url=url, username=self.bob, password=PASSWORD).principal()
        bob.make_calendar(name="Work", cal_id="work").add_event(BOB_ICS)
        self.settings = Settings(timezone="Europe/London", calendar=CalendarSettings(
            backend="caldav", caldav_url=f"{url}/{self.user}/", caldav_username=self.user, caldav_calendar="Minutes",
            caldav_attendee_calendars={"bob@example.com": f"{url}/{self.bob}/work/"}))


@pytest.fixture
def account(radicale: str, monkeypatch: pytest.MonkeyPatch) -> Account:
    monkeypatch.setenv("MINUTES_CALDAV_PASSWORD", PASSWORD)
    return Account(radicale)


@pytest.fixture
def cal(account: Account) -> CalDAVCalendar:
    calendar = open_calendar(account.settings)
    assert isinstance(calendar, CalDAVCalendar) and isinstance(calendar, Calendar)
    return calendar


def meeting(event_id: str, start: datetime, attendees: list[str]) -> Event:
    return Event(id=event_id, title="Follow-up", start=start, end=start + timedelta(hours=1), attendees=attendees,
                 description="booked by Minutes")


def test_free_busy_reads_each_attendees_calendar(cal: CalDAVCalendar):
    fb = cal.free_busy(["alice@example.com", "Bob@Example.com"], london(2026, 3, 16), london(2026, 4, 7))
    alice = fb["alice@example.com"]
    assert [(b.start.astimezone(UTC), b.end.astimezone(UTC)) for b in alice if b.end - b.start == timedelta(hours=1)] == [
        (datetime(2026, 3, 16, 10, tzinfo=UTC), datetime(2026, 3, 16, 11, tzinfo=UTC)),
        (datetime(2026, 3, 23, 10, tzinfo=UTC), datetime(2026, 3, 23, 11, tzinfo=UTC)),
        (datetime(2026, 3, 30, 9, tzinfo=UTC), datetime(2026, 3, 30, 10, tzinfo=UTC)),  # after the clock change
        (datetime(2026, 4, 6, 9, tzinfo=UTC), datetime(2026, 4, 6, 10, tzinfo=UTC)),
    ]
    assert Busy(london(2026, 3, 25), london(2026, 3, 26)) in alice  # all day, London time
    assert fb["bob@example.com"] == [Busy(datetime(2026, 3, 23, 12, tzinfo=UTC), datetime(2026, 3, 23, 13, tzinfo=UTC))]
    slots = find_slots(fb, timedelta(hours=1), london(2026, 3, 23), london(2026, 3, 24), step=timedelta(hours=1),
                       attendee_zones={"alice@example.com": "Europe/London", "bob@example.com": "Europe/London"})
    assert [s.hour for s, _ in slots] == [9, 11, 13, 14, 15]


def test_unknown_attendee_raises(cal: CalDAVCalendar):
    with pytest.raises(UnknownCalendarsError) as caught:
        cal.free_busy(["alice@example.com", "carol@example.com"], london(2026, 3, 23), london(2026, 3, 24))
    assert caught.value.unknown == ["carol@example.com"] and "alice@example.com" in caught.value.known


def test_create_twice_is_one_event_with_uid_the_event_id(cal: CalDAVCalendar, account: Account):
    event_id = event_id_for("meeting-1", "follow-up")
    first = cal.create_event(meeting(event_id, london(2026, 3, 24, 15), ["alice@example.com", "bob@example.com"]))
    again = cal.create_event(meeting(event_id, london(2026, 3, 26, 9), ["alice@example.com"]))
    assert again == first and first.start == london(2026, 3, 24, 15) and first.calendar == "caldav"
    objects = account.booking.events()
    assert len(objects) == 1 and str(objects[0].icalendar_component["UID"]) == event_id
    assert str(objects[0].url).endswith(f"{event_id}.ics")
    fb = cal.free_busy(["alice@example.com", "bob@example.com"], london(2026, 3, 24), london(2026, 3, 25))
    assert fb["bob@example.com"] == [Busy(london(2026, 3, 24, 15), london(2026, 3, 24, 16))]
    assert Busy(london(2026, 3, 24, 15), london(2026, 3, 24, 16)) in fb["alice@example.com"]
    assert cal.get_event(event_id) == first
    bobs = cal.list_events(london(2026, 3, 23), london(2026, 3, 25), attendee="bob@example.com")
    assert [(e.id, e.calendar) for e in bobs] == [("bob-lunch@test", "bob@example.com"), (event_id, "caldav")]
    assert cal.list_events(london(2026, 3, 23), london(2026, 3, 25), attendee="carol@example.com") == []


def test_two_clients_racing_make_one_event(account: Account):
    event_id = event_id_for("meeting-race", "follow-up")
    clients = [CalDAVCalendar.from_settings(account.settings) for _ in range(3)]
    barrier = threading.Barrier(len(clients))
    results: list[str] = []
    errors: list[BaseException] = []

    def book(client: CalDAVCalendar, hour: int) -> None:
        try:
            barrier.wait()
            results.append(client.create_event(meeting(event_id, london(2026, 3, 24, hour), ["bob@example.com"])).id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=book, args=(c, 9 + i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and results == [event_id] * 3
    assert len(account.booking.events()) == 1


def test_cancel(cal: CalDAVCalendar):
    event_id = event_id_for("meeting-2", "follow-up")
    cal.create_event(meeting(event_id, london(2026, 3, 24, 15), ["bob@example.com"]))
    assert cal.cancel_event(event_id) is True
    assert cal.cancel_event(event_id) is False
    assert cal.get_event(event_id) is None
    assert cal.list_events(london(2026, 3, 24), london(2026, 3, 25)) == []


def test_wrong_password_is_a_calendar_error(account: Account, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MINUTES_CALDAV_PASSWORD", "wrong")
    with pytest.raises(CalendarError) as caught:
        open_calendar(account.settings)
    assert "wrong" not in str(caught.value) and "\n" not in str(caught.value)


class FlakyProxy(LocalHTTPServer):
    """An HTTP proxy on 127.0.0.1 in front of Radicale that answers the first ``failures`` requests with
    ``status`` (and ``headers``) before forwarding everything, so retries go through the real client."""

    def __init__(self, upstream: str, failures: int, status: int = 503, headers: dict[str, str] | None = None):
        import http.client
        from http.server import BaseHTTPRequestHandler
        from urllib.parse import urlsplit

        self.failures, self.requests, self.answered = failures, 0, []
        outer, up = self, urlsplit(upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests += 1
                if outer.requests <= outer.failures:
                    outer.answered.append(status)
                    self.send_response(status)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=10)
                fwd = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=fwd)
                r = conn.getresponse()
                data = r.read()
                outer.answered.append(r.status)
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = do_POST = do_MKCALENDAR = _any

        super().__init__(Handler)
        self.url = self.root


def _through(account: Account, proxy_url: str, radicale: str, **retry) -> Settings:
    c = account.settings.calendar
    return account.settings.model_copy(update={"calendar": c.model_copy(update={
        "caldav_url": c.caldav_url.replace(radicale, proxy_url),
        "caldav_attendee_calendars": {k: v.replace(radicale, proxy_url) for k, v in c.caldav_attendee_calendars.items()},
        **retry})})


def test_503_twice_then_200_is_retried_within_calendar_retries(account: Account, radicale: str):
    with FlakyProxy(radicale, failures=2) as proxy:
        slept: list[float] = []
        cal = CalDAVCalendar.from_settings(_through(account, proxy.url, radicale, retries=3, retry_backoff_s=0.25),
                                           sleep=slept.append)
        assert proxy.answered[:2] == [503, 503] and proxy.answered[2] < 500
        assert len(slept) == 2 and slept[1] > slept[0] >= 0.25
        start = london(2026, 3, 23, 14)
        booked = cal.create_event(meeting(event_id_for("retry-test", "follow-up"), start, ["alice@example.com"]))
        assert booked.start == start and cal.get_event(booked.id) is not None

    with FlakyProxy(radicale, failures=2) as proxy:  # fewer retries than failures: a clear error, no hang
        with pytest.raises(CalendarError, match="CalDAV"):
            CalDAVCalendar.from_settings(_through(account, proxy.url, radicale, retries=1, retry_backoff_s=0.01),
                                         sleep=lambda s: None)
        assert proxy.requests == 2


def test_429_with_retry_after_is_handled_by_the_client(account: Account, radicale: str):
    with FlakyProxy(radicale, failures=1, status=429, headers={"Retry-After": "1"}) as proxy:
        t0 = time.monotonic()
        cal = CalDAVCalendar.from_settings(_through(account, proxy.url, radicale, retries=2, retry_backoff_s=0.01),
                                           sleep=lambda s: None)
        assert proxy.answered[0] == 429 and time.monotonic() - t0 >= 1.0  # the library slept Retry-After
        assert cal.free_busy(["alice@example.com"], london(2026, 3, 16, 9), london(2026, 3, 16, 18))


def test_a_recurring_booking_repeats_on_the_server_across_the_clock_change(cal: CalDAVCalendar, account: Account):
    """RRULE with the start in its named zone (TZID + VTIMEZONE): 10:00 London every week, before and after BST."""
    event_id = event_id_for("meeting-weekly", "every monday")
    weekly = Event(id=event_id, title="Weekly sync", start=london(2026, 3, 16, 10), end=london(2026, 3, 16, 11),
                   attendees=["alice@example.com"], recurrence="FREQ=WEEKLY")
    assert cal.create_event(weekly).recurrence == "FREQ=WEEKLY"
    stored = account.booking.events()
    assert any("RRULE:FREQ=WEEKLY" in o.data and "TZID=Europe/London" in o.data for o in stored)
    mine = [e for e in cal.list_events(london(2026, 3, 16), london(2026, 4, 7)) if e.id == event_id]
    assert [e.start.astimezone(LONDON).hour for e in mine] == [10, 10, 10, 10]  # local time kept over the change
    assert [e.start.day for e in mine] == [16, 23, 30, 6]
    assert cal.cancel_event(event_id)
