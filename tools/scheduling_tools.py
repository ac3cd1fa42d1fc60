"""The scheduling agent's tools: plain typed functions over a calendar, and the same tools for a model.

Plain functions (the constrained planner, the chat and tests call them directly):

* :func:`get_free_busy` — busy intervals per attendee; an unreadable calendar raises, never reads as free;
* :func:`find_free_slots` — slots of a given length free for everyone, inside working hours;
* :func:`list_events`, :func:`create_event` (idempotent on the event id), :func:`cancel_event`.

:class:`AgentToolbox` gives a tool-calling model the same calendar through LangChain tools bound to one
meeting: ``resolve_time`` (the deterministic resolver: the model never does date arithmetic),
``get_free_busy``, ``find_slots``, ``list_events``, and two tools that end the agent's work,
``propose_slot`` and ``no_booking``. The agent never books: ``propose_slot`` checks the slot (in the future,
free for every attendee, inside working hours, attendees only from the meeting) and records it; the graph's
approval and booking steps do the rest, exactly as for the constrained planner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.errors import MinutesError
from tools.calendar import Busy, Calendar, Event, UnknownCalendarsError
from tools.slots import find_slots

MIN_MINUTES, MAX_MINUTES = 10, 480


def get_free_busy(calendar: Calendar, attendees: list[str], start: datetime, end: datetime) -> dict[str, list[Busy]]:
    """Busy intervals per attendee email in ``[start, end)``. Raises ``UnknownCalendarsError`` for people
    whose calendar cannot be read (their time is unknown, not free)."""
    return calendar.free_busy(attendees, start, end)


def find_free_slots(calendar: Calendar, attendees: list[str], duration: timedelta, start: datetime, end: datetime, *,
                    working_hours: tuple[int, int] = (9, 18), preferred_start: datetime | None = None,
                    limit: int = 3) -> list[tuple[datetime, datetime]]:
    """Up to ``limit`` slots of ``duration`` in ``[start, end)`` free for every attendee, inside working hours
    on weekdays (``preferred_start`` first when everyone is free then)."""
    busy = calendar.free_busy(attendees, start, end)
    return find_slots(busy, duration, start, end, working_hours=working_hours, preferred_start=preferred_start, limit=limit)


def list_events(calendar: Calendar, start: datetime, end: datetime, attendee: str | None = None) -> list[Event]:
    """Events overlapping ``[start, end)``, earliest first (only ``attendee``'s when given)."""
    return calendar.list_events(start, end, attendee)


def create_event(calendar: Calendar, event: Event) -> Event:
    """Book ``event`` under its id; booking the same id again returns the existing event."""
    return calendar.create_event(event)


def cancel_event(calendar: Calendar, event_id: str) -> bool:
    """Cancel the event; False when there was none."""
    return calendar.cancel_event(event_id)


# ------------------------------------------------------------------------------------------ for a model


@dataclass
class AgentToolbox:
    """The calendar tools for one meeting's scheduling agent, and what the agent decided.

    ``invite(names)`` turns names (or emails) said by the model into the emails allowed to be invited and
    warnings for the rest (an empty list means everyone in the meeting). ``resolve(phrase)`` is the time
    resolver bound to the meeting's date, zone and language. After the agent ran, ``proposal`` holds the
    slot it proposed (or None) and ``refusal`` why it proposed none.
    """

    calendar: Calendar
    timezone: str
    now: datetime
    resolve: Callable[[str], object | None]
    invite: Callable[[list[str]], tuple[list[str], list[str]]]
    working_hours: tuple[int, int] = (9, 18)
    proposal: dict | None = None
    refusal: str | None = None
    nothing_requested: bool = False
    warnings: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)  # what resolve_time answered

    def _time(self, value: str) -> datetime:
        t = datetime.fromisoformat(value.strip())
        return t.replace(tzinfo=ZoneInfo(self.timezone)) if t.tzinfo is None else t

    def _people(self, attendees: list[str] | None) -> list[str]:
        emails, warnings = self.invite(list(attendees or []))
        for w in warnings:
            if w not in self.warnings:
                self.warnings.append(w)
        if not emails:
            raise ValueError("nobody to invite: " + ("; ".join(warnings) or "no participant has an email address"))
        return emails

    # Each tool returns plain JSON-able values; a wrong argument comes back as {"error": ...} for the model to fix.
    def resolve_time(self, phrase: str) -> dict:
        """Turn words that say when (quoted exactly from the meeting, e.g. "next Tuesday afternoon" or
        "다음 주 화요일 오후") into a window: {"start", "end", "kind", "grain"} in ISO 8601."""
        self.calls.append("resolve_time")
        expr = self.resolve(phrase)
        if expr is None or getattr(expr, "start", None) is None:
            return {"error": f"no time found in {phrase!r}; quote the words that say when"}
        if getattr(expr, "end", None) is not None:
            self.windows.append((expr.start, expr.end))
        return {k: v for k, v in expr.to_json().items() if k in ("start", "end", "kind", "grain")}

    def get_free_busy(self, attendees: list[str], start: str, end: str) -> dict:
        """Busy times of the attendees (names from the meeting; empty = everyone) between start and end
        (ISO 8601): {email: [[busy_start, busy_end], ...]}."""
        self.calls.append("get_free_busy")
        try:
            busy = get_free_busy(self.calendar, self._people(attendees), self._time(start), self._time(end))
        except (ValueError, MinutesError) as e:
            return {"error": str(e)}
        return {who: [[b.start.isoformat(), b.end.isoformat()] for b in spans] for who, spans in busy.items()}

    def find_slots(self, attendees: list[str], duration_minutes: int, start: str, end: str) -> dict:
        """Up to 3 slots of duration_minutes between start and end (ISO 8601) when every attendee (names from
        the meeting; empty = everyone) is free, inside working hours: {"slots": [[start, end], ...]}."""
        self.calls.append("find_slots")
        try:
            lo = max(self._time(start), self.now)
            found = find_free_slots(self.calendar, self._people(attendees), timedelta(minutes=int(duration_minutes)),
                                    lo, self._time(end), working_hours=self.working_hours)
        except (ValueError, MinutesError) as e:
            return {"error": str(e)}
        return {"slots": [[s.isoformat(), e.isoformat()] for s, e in found]}

    def list_events(self, start: str, end: str, attendee: str | None = None) -> dict:
        """Calendar events between start and end (ISO 8601), optionally only one attendee's (name or email)."""
        self.calls.append("list_events")
        try:
            who = self._people([attendee])[0] if attendee else None
            events = list_events(self.calendar, self._time(start), self._time(end), who)
        except (ValueError, MinutesError) as e:
            return {"error": str(e)}
        return {"events": [{"title": e.title, "start": e.start.isoformat(), "end": e.end.isoformat()} for e in events]}

    def propose_slot(self, title: str, start: str, duration_minutes: int, attendees: list[str], time_phrase: str) -> dict:
        """Propose the follow-up meeting (this ends your work): a short title in the meeting's language, the
        start (ISO 8601, from find_slots), its length, the attendees (names from the meeting; empty =
        everyone) and the words of the meeting that asked for this time, quoted exactly."""
        self.calls.append("propose_slot")
        if self.proposal is not None:
            return {"error": "a slot is already proposed; stop here"}
        try:
            begin = self._time(start)
            minutes = int(duration_minutes)
            if not MIN_MINUTES <= minutes <= MAX_MINUTES:
                return {"error": f"duration must be {MIN_MINUTES}-{MAX_MINUTES} minutes, got {minutes}"}
            if begin < self.now:
                return {"error": f"{begin.isoformat()} is in the past (now is {self.now.isoformat()})"}
            emails = self._people(attendees)
            length = timedelta(minutes=minutes)
            ok = find_free_slots(self.calendar, emails, length, begin, begin + length,
                                 working_hours=self.working_hours, preferred_start=begin, limit=1)
        except UnknownCalendarsError as e:
            return {"error": str(e)}
        except (ValueError, MinutesError) as e:
            return {"error": str(e)}
        if not ok or ok[0][0] != begin:
            return {"error": f"not everyone is free at {begin.isoformat()} within working hours "
                             f"{self.working_hours[0]}:00-{self.working_hours[1]}:00; call find_slots and pick one of its slots"}
        zone = ZoneInfo(self.timezone)
        self.proposal = {"title": (title or "").strip()[:120], "start": begin.astimezone(zone).isoformat(),
                         "end": (begin + length).astimezone(zone).isoformat(), "attendees": emails,
                         "time_phrase": time_phrase or ""}
        return {"proposed": self.proposal}

    def no_booking(self, reason: str, nothing_requested: bool = False) -> dict:
        """End without a proposal: the reason (e.g. nobody is free in the requested window, or the time asked
        for is in the past). nothing_requested=true when the lines do not ask for a follow-up meeting at all."""
        self.calls.append("no_booking")
        if self.proposal is None:
            self.refusal = (reason or "").strip() or "the scheduling agent proposed no slot"
            self.nothing_requested = bool(nothing_requested)
        return {"ok": True}

    def tools(self) -> list:
        """The tools above as LangChain tools (names and docstrings are what the model reads)."""
        from langchain_core.tools import StructuredTool

        methods = (self.resolve_time, self.get_free_busy, self.find_slots, self.list_events, self.propose_slot,
                   self.no_booking)
        return [StructuredTool.from_function(m, name=m.__name__, description=(m.__doc__ or "").strip()) for m in methods]
