"""Google Calendar (API v3) through google-api-python-client.

* ``authorize(settings)`` runs the OAuth installed-app flow (a browser consent page, a redirect to a
  one-off server on 127.0.0.1) and stores the token at ``settings.path("google-token.json")``, mode 0600.
* ``GoogleCalendar.from_settings(settings)`` loads that token and builds the client from the bundled
  discovery document (``static_discovery=True``: no discovery request), pointed at
  ``settings.calendar.google_api_endpoint`` when set (tests use a local fake server).

Free/busy uses ``freebusy().query``; a calendar Google reports with errors (``notFound``, no access) is
*unknown* and raises :class:`UnknownCalendarsError`, never counted as free. Events are inserted with the
client-supplied id (``event_id_for``), so a retried or repeated booking meets ``409 duplicate`` and returns
the event already there. Requests failing with 429, 5xx, a rate-limit 403 or a network error are retried
with exponential backoff.
"""

from __future__ import annotations

import json
import os
import random
import time as time_module
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.dates import zone_info
from core.errors import CalendarError, InputError
from tools.calendar.base import (
    Busy,
    Event,
    UnknownCalendarsError,
    merge_busy,
    normalize_email,
    require_window,
    validate_event,
)

SCOPES = [
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
]
TOKEN_FILE = "google-token.json"
FREEBUSY_BATCH = 50  # Google answers at most 50 calendars per free/busy query
_RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


# ---- OAuth -------------------------------------------------------------------------------------------


def token_path(settings: Any) -> Path:
    return settings.path(TOKEN_FILE)


def save_token(path: Path, credentials: Any) -> None:
    """Write the credentials JSON readable by the owner only (0600, never wider), atomically: the JSON goes
    to a private temporary file beside ``path``, is flushed to disk, then replaces ``path`` in one rename,
    so a crash mid-write leaves the previous token whole (and the refresh token in it usable)."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    text = credentials.to_json()  # serialise first: a failure here touches no file
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def authorize(settings: Any, *, open_browser: bool = True, port: int = 0) -> Path:
    """Run the installed-app OAuth flow and store the token; returns the token path.

    Needs ``calendar.google_credentials_file`` (the OAuth client secrets downloaded from the Google Cloud
    console, type "Desktop app"). The redirect server listens on 127.0.0.1 only.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    secrets = settings.calendar.google_credentials_file
    if not secrets or not Path(secrets).is_file():
        raise InputError(
            f"no Google OAuth client file: {secrets or '(not set)'}",
            hint="download a 'Desktop app' OAuth client JSON and set calendar.google_credentials_file",
        )
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(secrets), scopes=SCOPES)
        credentials = flow.run_local_server(host="127.0.0.1", bind_addr="127.0.0.1", port=port,
                                            open_browser=open_browser)
    except (ValueError, OSError) as exc:
        raise CalendarError(f"Google authorization failed: {exc}", hint="check the OAuth client file") from exc
    path = token_path(settings)
    save_token(path, credentials)
    return path


def load_credentials(settings: Any) -> Any:
    """The stored OAuth credentials, refreshed (and re-saved) when expired."""
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    path = token_path(settings)
    if not path.is_file():
        raise CalendarError("not authorized with Google Calendar", hint="run `minutes calendar authorize`")
    try:
        credentials = Credentials.from_authorized_user_file(str(path), SCOPES)
    except (ValueError, json.JSONDecodeError) as exc:
        raise CalendarError(f"unreadable Google token {path}", hint="run `minutes calendar authorize`") from exc
    if not credentials.valid and credentials.refresh_token:
        try:
            credentials.refresh(Request())
        except RefreshError as exc:
            raise CalendarError("Google token could not be refreshed",
                                hint="run `minutes calendar authorize` again") from exc
        except TransportError as exc:
            raise CalendarError("Google token refresh failed: network error", hint="check the connection") from exc
        save_token(path, credentials)
    return credentials


def build_service(credentials: Any, api_endpoint: str | None = None) -> Any:
    """The Calendar v3 client, built from the bundled discovery document (no network until a call)."""
    from googleapiclient.discovery import build

    return build("calendar", "v3", credentials=credentials, client_options={"api_endpoint": api_endpoint},
                 static_discovery=True, cache_discovery=False)


# ---- conversions -------------------------------------------------------------------------------------


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _zone_name(value: datetime) -> str | None:
    key = getattr(value.tzinfo, "key", None)
    return key if isinstance(key, str) else None


def _event_body(event: Event, meet: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": event.id, "summary": event.title, "status": "confirmed"}
    if event.all_day:
        first = event.start.date()
        last = event.end.date() if event.end.time() == time(0) else event.end.date() + timedelta(days=1)
        body["start"] = {"date": first.isoformat()}
        body["end"] = {"date": max(last, first + timedelta(days=1)).isoformat()}
    else:
        body["start"] = {"dateTime": event.start.isoformat()}
        body["end"] = {"dateTime": event.end.isoformat()}
        for key, value in (("start", event.start), ("end", event.end)):
            if zone := _zone_name(value):
                body[key]["timeZone"] = zone
    if event.description:
        body["description"] = event.description
    if event.attendees:
        body["attendees"] = [{"email": normalize_email(a)} for a in event.attendees]
    if event.recurrence:
        body["recurrence"] = [f"RRULE:{event.recurrence}"]
    if meet:
        body["conferenceData"] = {
            "createRequest": {"requestId": event.id, "conferenceSolutionKey": {"type": "hangoutsMeet"}}
        }
    return body


# ---- the backend -------------------------------------------------------------------------------------


class GoogleCalendar:
    """Google Calendar behind the :class:`~tools.calendar.base.Calendar` interface."""

    name = "google"

    def __init__(self, service: Any, *, calendar_id: str = "primary", send_updates: str = "none",
                 meet_link: bool = False, timezone_name: str = "UTC", retries: int = 4,
                 backoff_s: float = 1.0, sleep: Callable[[float], None] = time_module.sleep):
        self.service = service
        self.calendar_id = calendar_id
        self.send_updates = send_updates
        self.meet_link = meet_link
        self.zone = zone_info(timezone_name)
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        self.sleep = sleep

    @classmethod
    def from_settings(cls, settings: Any, credentials: Any = None,
                      sleep: Callable[[float], None] = time_module.sleep) -> GoogleCalendar:
        c = settings.calendar
        service = build_service(credentials or load_credentials(settings), c.google_api_endpoint)
        return cls(service, calendar_id=c.google_calendar_id, send_updates=c.google_send_updates,
                   meet_link=c.google_meet_link, timezone_name=settings.resolved_timezone(),
                   retries=c.retries, backoff_s=c.retry_backoff_s, sleep=sleep)

    # ---- requests with retries -----------------------------------------------------------------------

    @staticmethod
    def _status(exc: Exception) -> int:
        return int(getattr(getattr(exc, "resp", None), "status", 0) or 0)

    @staticmethod
    def _reasons(exc: Exception) -> set[str]:
        try:
            error = json.loads(getattr(exc, "content", b"") or b"{}").get("error", {})
        except (ValueError, AttributeError):
            return set()
        if not isinstance(error, dict):
            return set()
        return {str(e.get("reason")) for e in error.get("errors", []) if isinstance(e, dict)}

    def _retryable(self, exc: Exception) -> bool:
        from googleapiclient.errors import HttpError

        if isinstance(exc, HttpError):
            status = self._status(exc)
            return status == 429 or status >= 500 or (status == 403 and bool(self._reasons(exc) & _RATE_LIMIT_REASONS))
        return isinstance(exc, OSError) or type(exc).__module__.startswith("httplib2")

    def _execute(self, request: Any, what: str) -> Any:
        """Run one API request, retrying transient failures; HttpError is re-raised for the caller to map."""
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        attempt = 0
        while True:
            try:
                return request.execute()
            except RefreshError as exc:
                raise CalendarError("Google token expired or revoked",
                                    hint="run `minutes calendar authorize` again") from exc
            except Exception as exc:
                if not (isinstance(exc, TransportError) or self._retryable(exc)):
                    raise
                if attempt >= self.retries:
                    if isinstance(exc, HttpError):
                        raise
                    raise CalendarError(f"Google Calendar {what} failed: {type(exc).__name__}: {exc}",
                                        hint="check the network; the request was retried") from exc
                delay = self.backoff_s * (2 ** attempt) * (1 + random.random() / 4)
                headers = getattr(exc, "resp", None)
                retry_after = headers.get("retry-after") if isinstance(headers, dict) else None
                if retry_after and str(retry_after).isdigit():
                    delay = max(delay, float(retry_after))
                self.sleep(delay)
                attempt += 1

    def _fail(self, exc: Exception, what: str) -> CalendarError:
        status = self._status(exc)
        reason = getattr(exc, "reason", "") or ", ".join(sorted(self._reasons(exc)))
        hints = {
            401: "run `minutes calendar authorize` again",
            403: "the account lacks access to this calendar (or the API is not enabled)",
            404: "check calendar.google_calendar_id",
        }
        return CalendarError(f"Google Calendar {what} failed: HTTP {status} {reason}".strip(),
                             hint=hints.get(status, "try again later"))

    def _call(self, request: Any, what: str) -> Any:
        from googleapiclient.errors import HttpError

        try:
            return self._execute(request, what)
        except HttpError as exc:
            raise self._fail(exc, what) from exc

    # ---- conversions ---------------------------------------------------------------------------------

    def _to_event(self, item: dict[str, Any], zone: ZoneInfo | None = None) -> Event:
        zone = zone or self.zone
        start, end = item.get("start", {}), item.get("end", {})
        all_day = "date" in start and "dateTime" not in start
        if all_day:
            begin = datetime.combine(date.fromisoformat(start["date"]), time(0), zone)
            finish = datetime.combine(date.fromisoformat(end.get("date", start["date"])), time(0), zone)
        else:
            begin = _parse_time(start["dateTime"]).astimezone(zone)
            finish = _parse_time(end.get("dateTime", start["dateTime"])).astimezone(zone)
        attendees = [str(a["email"]).lower() for a in item.get("attendees", []) if a.get("email")]
        return Event(id=str(item.get("id", "")), title=str(item.get("summary", "")), start=begin, end=finish,
                     attendees=attendees, description=str(item.get("description", "")), all_day=all_day,
                     calendar=self.calendar_id, url=item.get("hangoutLink") or item.get("htmlLink"),
                     recurrence=next((r.removeprefix("RRULE:") for r in item.get("recurrence") or []
                                      if r.startswith("RRULE:")), None))

    # ---- the interface -------------------------------------------------------------------------------

    def free_busy(self, attendees: list[str], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        """Busy intervals per attendee from ``freebusy().query``; unknown calendars raise."""
        require_window(start, end)
        emails = list(dict.fromkeys(normalize_email(a) for a in attendees))
        result: dict[str, list[Busy]] = {}
        unknown: list[str] = []
        for i in range(0, len(emails), FREEBUSY_BATCH):
            batch = emails[i:i + FREEBUSY_BATCH]
            body = {"timeMin": _rfc3339(start), "timeMax": _rfc3339(end), "timeZone": "UTC",
                    "items": [{"id": e} for e in batch]}
            answer = self._call(self.service.freebusy().query(body=body), "free/busy query")
            calendars = {k.lower(): v for k, v in (answer.get("calendars") or {}).items()}
            for email in batch:
                info = calendars.get(email)
                if not info or info.get("errors"):
                    unknown.append(email)
                    continue
                result[email] = merge_busy(
                    Busy(max(_parse_time(b["start"]), start), min(_parse_time(b["end"]), end))
                    for b in info.get("busy", [])
                    if _parse_time(b["end"]) > start and _parse_time(b["start"]) < end
                )
        if unknown:
            raise UnknownCalendarsError(unknown, known=result, backend=self.name)
        return result

    def list_events(self, start: datetime, end: datetime, attendee: str | None = None) -> list[Event]:
        """Events of the configured calendar in ``[start, end)`` (recurrences expanded by Google)."""
        require_window(start, end)
        email = normalize_email(attendee) if attendee is not None else None
        events: list[Event] = []
        page: str | None = None
        while True:
            request = self.service.events().list(
                calendarId=self.calendar_id, timeMin=_rfc3339(start), timeMax=_rfc3339(end),
                singleEvents=True, orderBy="startTime", maxResults=250, pageToken=page)
            answer = self._call(request, "event list")
            zone = self._answer_zone(answer)
            for item in answer.get("items", []):
                if item.get("status") == "cancelled":
                    continue
                event = self._to_event(item, zone)
                if email is None or email in event.attendees:
                    events.append(event)
            page = answer.get("nextPageToken")
            if not page:
                break
        return sorted(events, key=lambda e: (e.start, e.id))

    def _answer_zone(self, answer: dict[str, Any]) -> ZoneInfo:
        try:
            return ZoneInfo(answer["timeZone"]) if answer.get("timeZone") else self.zone
        except (ZoneInfoNotFoundError, ValueError):
            return self.zone

    def _get_raw(self, event_id: str) -> dict[str, Any] | None:
        from googleapiclient.errors import HttpError

        try:
            return self._execute(self.service.events().get(calendarId=self.calendar_id, eventId=event_id),
                                 "event lookup")
        except HttpError as exc:
            if self._status(exc) in (404, 410):
                return None
            raise self._fail(exc, "event lookup") from exc

    def get_event(self, event_id: str) -> Event | None:
        """The event, or None when it does not exist or was cancelled."""
        item = self._get_raw(str(event_id))
        if item is None or item.get("status") == "cancelled":
            return None
        return self._to_event(item)

    def create_event(self, event: Event) -> Event:
        """Insert with the client-supplied id; on 409 duplicate return the event already there.

        Google keeps the ids of deleted events: booking an id that was cancelled restores that event.
        """
        from googleapiclient.errors import HttpError

        validate_event(event)
        body = _event_body(event, self.meet_link)
        extra = {"conferenceDataVersion": 1} if self.meet_link else {}
        try:
            item = self._execute(self.service.events().insert(
                calendarId=self.calendar_id, body=body, sendUpdates=self.send_updates, **extra), "event insert")
        except HttpError as exc:
            if self._status(exc) != 409:
                raise self._fail(exc, "event insert") from exc
            item = self._get_raw(event.id)
            if item is None:
                raise CalendarError(f"Google reports event {event.id} exists but cannot return it",
                                    hint="the id may belong to another calendar") from exc
            if item.get("status") == "cancelled":
                item = self._call(self.service.events().update(
                    calendarId=self.calendar_id, eventId=event.id, body=body, sendUpdates=self.send_updates,
                    **extra), "event restore")
        return self._to_event(item)

    def cancel_event(self, event_id: str) -> bool:
        """Delete the event (attendees notified per ``send_updates``); False when it was not there."""
        from googleapiclient.errors import HttpError

        try:
            self._execute(self.service.events().delete(calendarId=self.calendar_id, eventId=str(event_id),
                                                       sendUpdates=self.send_updates), "event delete")
        except HttpError as exc:
            if self._status(exc) in (404, 410):
                return False
            raise self._fail(exc, "event delete") from exc
        return True
