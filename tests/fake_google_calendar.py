"""A small fake of the Google Calendar v3 HTTP API, for tests with the real google-api-python-client.

It serves, on 127.0.0.1 and a free port, under ``/calendar/v3/`` (point ``google_api_endpoint`` at
``server.url``):

* ``POST freeBusy``                                  busy times of known people, ``notFound`` for others
* ``POST calendars/{cal}/events``                    insert (client-supplied id; 409 ``duplicate``)
* ``GET  calendars/{cal}/events``                    list (timeMin/timeMax overlap, paging, no cancelled)
* ``GET|PUT|DELETE calendars/{cal}/events/{id}``     get (cancelled events still returned), update, delete

Faults are injected with :meth:`FakeGoogleCalendar.fail_next`; every request is recorded in ``requests``.
Requests must carry ``Authorization: Bearer <token>`` (default token ``test``).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PREFIX = "/calendar/v3/"
_ID = re.compile(r"^[a-v0-9]{5,1024}$")


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _bounds(event: dict[str, Any]) -> tuple[datetime, datetime]:
    def one(part: dict[str, Any]) -> datetime:
        if "dateTime" in part:
            return _time(part["dateTime"])
        return datetime.fromisoformat(part["date"]).replace(tzinfo=UTC)

    return one(event["start"]), one(event["end"])


@dataclass
class Fault:
    status: int
    reason: str
    method: str | None
    path_contains: str | None
    remaining: int


@dataclass
class FakeState:
    token: str = "test"
    time_zone: str = "Europe/London"
    people: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    calendars: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    # ---- plumbing --------------------------------------------------------------------------------

    def _reply(self, status: int, body: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, reason: str, message: str = "") -> None:
        message = message or reason
        self._reply(status, {"error": {"code": status, "message": message,
                                       "errors": [{"domain": "global", "reason": reason, "message": message}]}})

    def _handle(self, method: str) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        path = parts.path
        with state.lock:
            state.requests.append({"method": method, "path": path, "query": query, "body": body})
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._error(401, "authError", "Invalid Credentials")
            for fault in state.faults:
                if fault.remaining > 0 and (fault.method in (None, method)) and (
                        fault.path_contains is None or fault.path_contains in path):
                    fault.remaining -= 1
                    return self._error(fault.status, fault.reason)
            if not path.startswith(PREFIX):
                return self._error(404, "notFound")
            route = path[len(PREFIX):]
            if route == "freeBusy" and method == "POST":
                return self._free_busy(body or {})
            match = re.fullmatch(r"calendars/([^/]+)/events(?:/([^/]+))?", route)
            if not match:
                return self._error(404, "notFound")
            calendar_id, event_id = unquote(match.group(1)), match.group(2) and unquote(match.group(2))
            events = state.calendars.setdefault(calendar_id, {})
            if event_id is None and method == "POST":
                return self._insert(events, body or {}, query)
            if event_id is None and method == "GET":
                return self._list(events, query)
            if event_id is not None and method == "GET":
                return self._get(events, event_id)
            if event_id is not None and method == "PUT":
                return self._update(events, event_id, body or {}, query)
            if event_id is not None and method == "DELETE":
                return self._delete(events, event_id)
            return self._error(405, "methodNotAllowed")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # ---- the API ---------------------------------------------------------------------------------

    def _free_busy(self, body: dict[str, Any]) -> None:
        state = self.server.state
        t_min, t_max = _time(body["timeMin"]), _time(body["timeMax"])
        calendars: dict[str, Any] = {}
        for item in body.get("items", []):
            who = item["id"]
            if who not in state.people:
                calendars[who] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                continue
            spans = list(state.people[who])
            for events in state.calendars.values():  # events they were invited to make them busy too
                for event in events.values():
                    if event.get("status") != "cancelled" and who in [a["email"] for a in event.get("attendees", [])]:
                        spans.append(_bounds(event))
            busy = [{"start": max(s, t_min).isoformat().replace("+00:00", "Z"),
                     "end": min(e, t_max).isoformat().replace("+00:00", "Z")}
                    for s, e in sorted(spans) if e > t_min and s < t_max]
            calendars[who] = {"busy": busy}
        self._reply(200, {"kind": "calendar#freeBusy", "timeMin": body["timeMin"], "timeMax": body["timeMax"],
                          "calendars": calendars})

    def _stored(self, body: dict[str, Any], event_id: str, query: dict[str, str]) -> dict[str, Any]:
        event = dict(body)
        event.update(id=event_id, kind="calendar#event", status=body.get("status", "confirmed"),
                     htmlLink=f"https://calendar.example.test/event?eid={event_id}", iCalUID=f"{event_id}@google.com")
        if query.get("conferenceDataVersion") == "1" and "createRequest" in body.get("conferenceData", {}):
            event["hangoutLink"] = f"https://meet.example.test/{event_id[:3]}-{event_id[3:7]}-{event_id[7:10]}"
        return event

    def _insert(self, events: dict[str, dict[str, Any]], body: dict[str, Any], query: dict[str, str]) -> None:
        event_id = body.get("id") or f"fake{len(events):08d}"
        if not _ID.match(event_id):
            return self._error(400, "invalid", "Invalid resource id value.")
        if event_id in events:  # Google keeps deleted ids too
            return self._error(409, "duplicate", "The requested identifier already exists.")
        if "start" not in body or "end" not in body:
            return self._error(400, "required", "Missing end time.")
        events[event_id] = self._stored(body, event_id, query)
        self._reply(200, events[event_id])

    def _update(self, events: dict[str, dict[str, Any]], event_id: str, body: dict[str, Any],
                query: dict[str, str]) -> None:
        if event_id not in events:
            return self._error(404, "notFound", "Not Found")
        events[event_id] = self._stored(body, event_id, query)
        self._reply(200, events[event_id])

    def _get(self, events: dict[str, dict[str, Any]], event_id: str) -> None:
        if event_id not in events:
            return self._error(404, "notFound", "Not Found")
        self._reply(200, events[event_id])

    def _delete(self, events: dict[str, dict[str, Any]], event_id: str) -> None:
        if event_id not in events:
            return self._error(404, "notFound", "Not Found")
        if events[event_id].get("status") == "cancelled":
            return self._error(410, "deleted", "Resource has been deleted")
        events[event_id]["status"] = "cancelled"
        self._reply(204)

    def _list(self, events: dict[str, dict[str, Any]], query: dict[str, str]) -> None:
        state = self.server.state
        t_min = _time(query["timeMin"]) if "timeMin" in query else None
        t_max = _time(query["timeMax"]) if "timeMax" in query else None
        items = []
        for event in events.values():
            if event.get("status") == "cancelled" and query.get("showDeleted") != "true":
                continue
            start, end = _bounds(event)
            if (t_min and end <= t_min) or (t_max and start >= t_max):
                continue
            items.append(event)
        items.sort(key=lambda e: _bounds(e)[0])
        size = min(int(query.get("maxResults", 250)), state.page_size)
        offset = int(query.get("pageToken", "0"))
        page = items[offset:offset + size]
        answer: dict[str, Any] = {"kind": "calendar#events", "timeZone": state.time_zone, "items": page}
        if offset + size < len(items):
            answer["nextPageToken"] = str(offset + size)
        self._reply(200, answer)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: FakeState):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class FakeGoogleCalendar:
    """Start with ``with FakeGoogleCalendar() as fake:``; ``fake.url`` is the API endpoint."""

    def __init__(self, token: str = "test"):
        self.state = FakeState(token=token)
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-google-calendar", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PREFIX}"

    def __enter__(self) -> FakeGoogleCalendar:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ---- test controls ---------------------------------------------------------------------------

    def add_person(self, email: str, busy: list[tuple[datetime, datetime]] | None = None) -> None:
        with self.state.lock:
            self.state.people[email] = list(busy or [])

    def fail_next(self, status: int, count: int = 1, *, method: str | None = None,
                  path_contains: str | None = None, reason: str = "backendError") -> None:
        with self.state.lock:
            self.state.faults.append(Fault(status, reason, method, path_contains, count))

    def events(self, calendar_id: str = "primary") -> dict[str, dict[str, Any]]:
        with self.state.lock:
            return {k: dict(v) for k, v in self.state.calendars.get(calendar_id, {}).items()}

    def requests(self, method: str | None = None, contains: str = "") -> list[dict[str, Any]]:
        with self.state.lock:
            return [r for r in self.state.requests
                    if (method is None or r["method"] == method) and contains in r["path"]]
