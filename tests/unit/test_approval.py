"""One approval flow: the graph's interrupt resumed with a validated BookingDecision (CLI, API and web use the
same ``MeetingRunner.decide``); an edited start is booked only when every attendee is free; the per-meeting
event limit (``calendar.max_events_per_meeting``) holds. Real local calendar on disk, fake models."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.errors import InputError
from core.meeting import BookingDecision
from graph.nodes.schedule import book_proposal, booked_for_meeting
from graph.runner import open_runner
from tests.fakes import KO_MINUTES, KO_REQUEST, KO_ROUTES, constant, labeller
from tests.fixtures import KO_EMAILS, SEOUL, import_calendars, korean_input, make_context
from tools.calendar import event_id_for

BUSY_WEDNESDAY = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\nBEGIN:VEVENT\nUID:busy@t\nDTSTAMP:20261101T000000Z\n"
                  "DTSTART;TZID=Asia/Seoul:20261202T150000\nDTEND;TZID=Asia/Seoul:20261202T163000\nSUMMARY:Dentist\n"
                  "END:VEVENT\nEND:VCALENDAR\n")


def context(settings, request=KO_REQUEST):
    return make_context(settings, router=labeller(KO_ROUTES), summarizer=constant(KO_MINUTES), scheduler=constant(request))


@pytest.fixture
def busy_junho(settings, tmp_path):
    cal = import_calendars(settings, KO_EMAILS)
    busy = tmp_path / "junho.ics"
    busy.write_text(BUSY_WEDNESDAY)
    cal.import_ics(busy, "junho@example.com")
    return cal


def test_decision_is_validated_once_with_the_meetings_zone():
    assert BookingDecision.parse({"action": "approve"}, "Asia/Seoul").action == "approve"
    edit = BookingDecision.parse({"action": "edit", "start": "2026-12-02T10:00"}, "Asia/Seoul")
    assert edit.start == "2026-12-02T10:00:00+09:00"  # no offset: read in the meeting's zone
    moved = BookingDecision.parse({"action": "edit", "start": "2026-12-02T01:00:00+00:00"}, "Asia/Seoul")
    assert moved.start == "2026-12-02T10:00:00+09:00"  # an offset: converted to the meeting's zone
    for bad, message in [({"action": "book it"}, "not one of"), ({"action": "edit"}, "needs a new start"),
                         ({"action": "edit", "start": "soon"}, "ISO 8601"), ("approve", "object"),
                         ({"action": "never"}, "not one of")]:
        with pytest.raises(InputError, match=message):
            BookingDecision.parse(bad, "Asia/Seoul")


def test_edit_onto_a_busy_time_is_refused_with_alternatives_then_a_free_edit_books(settings, busy_junho):
    ctx = context(settings)
    with open_runner(settings, ctx) as runner:
        waiting = runner.run(korean_input(book="ask"))
        assert waiting.status == "awaiting_approval"
        refused = runner.decide(waiting.thread_id, {"action": "edit", "start": "2026-12-02T15:30"})
        assert refused.status == "awaiting_approval"  # still waiting: nothing booked
        p = refused.proposal
        assert "busy for junho@example.com" in p["refused"]
        assert p["start"] == waiting.proposal["start"]  # the proposal as it was
        assert p["alternatives"]
        for a, b in p["alternatives"]:  # free for everyone: not inside Junho's 15:00-16:30
            s, e = datetime.fromisoformat(a), datetime.fromisoformat(b)
            assert e <= datetime(2026, 12, 2, 15, tzinfo=SEOUL) or s >= datetime(2026, 12, 2, 16, 30, tzinfo=SEOUL)
        assert ctx.calendar.get_event(p["event_id"]) is None
        booked = runner.decide(refused.thread_id, {"action": "edit", "start": "2026-12-02T10:00"})
    f = booked.meeting["follow_up"]
    assert booked.status == "done" and f["status"] == "booked"
    assert (f["start"], f["end"]) == ("2026-12-02T10:00:00+09:00", "2026-12-02T11:00:00+09:00")
    event = ctx.calendar.get_event(f["event_id"])
    assert event is not None and event.start == datetime(2026, 12, 2, 10, tzinfo=SEOUL)


def test_edit_into_the_past_is_refused(settings, busy_junho):
    with open_runner(settings, context(settings)) as runner:
        waiting = runner.run(korean_input(book="ask"))
        refused = runner.decide(waiting.thread_id, {"action": "edit", "start": "2026-11-20T10:00"})
    assert refused.status == "awaiting_approval" and "in the past" in refused.proposal["refused"]


def test_defer_keeps_waiting_and_minutes_are_there_while_waiting(settings, busy_junho):
    with open_runner(settings, context(settings)) as runner:
        waiting = runner.run(korean_input(book="ask"))
        assert waiting.meeting["minutes"]["title"] == "모바일 앱 출시 회의"  # the finished branch, shown while waiting
        later = runner.decide(waiting.thread_id, {"action": "defer"})
        assert later.status == "awaiting_approval" and later.proposal == waiting.proposal
        assert runner.pending(waiting.meeting["meeting_id"]).thread_id == waiting.thread_id  # `minutes approve` finds it
        with pytest.raises(InputError, match="not one of"):
            runner.decide(waiting.thread_id, {"action": "maybe"})
        declined = runner.decide(waiting.thread_id, {"action": "reject"})
        assert declined.meeting["follow_up"]["status"] == "declined"
        with pytest.raises(InputError, match="not waiting"):
            runner.decide(waiting.thread_id, {"action": "approve"})


@pytest.mark.parametrize("limit,second", [(1, "failed"), (2, "booked")])
def test_max_events_per_meeting(settings, busy_junho, limit, second):
    settings.calendar.max_events_per_meeting = limit
    ctx = context(settings)
    with open_runner(settings, ctx) as runner:
        first = runner.run(korean_input(book="auto")).meeting
    assert first["follow_up"]["status"] == "booked"
    ledger = settings.path("meetings", first["meeting_id"], "bookings.json")
    assert booked_for_meeting(ledger) == [first["follow_up"]["event_id"]]
    # Another event for the same meeting (another request, e.g. a re-run that read the transcript differently).
    other = {**waiting_like(first["follow_up"]), "event_id": event_id_for(first["meeting_id"], "another request"),
             "start": "2026-12-03T10:00:00+09:00", "end": "2026-12-03T11:00:00+09:00"}
    again = book_proposal(other, ctx.calendar, ledger=ledger, max_events=limit)
    assert again["status"] == second, again
    assert (ctx.calendar.get_event(other["event_id"]) is None) == (second == "failed")
    if second == "failed":
        assert "max_events_per_meeting = 1" in again["reason"]
    # booking the same event again is never refused (idempotent) and never counted twice
    assert book_proposal(waiting_like(first["follow_up"]), ctx.calendar, ledger=ledger, max_events=1)["status"] == "booked"
    assert len(booked_for_meeting(ledger)) == (1 if second == "failed" else 2)


def waiting_like(follow_up: dict) -> dict:
    """A proposal with the booked follow-up's fields."""
    keys = ("title", "start", "end", "attendees", "event_id", "calendar", "request_text", "alternatives", "recurrence")
    return {**{k: follow_up.get(k) for k in keys}, "timezone": "Asia/Seoul"}
