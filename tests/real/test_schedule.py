"""The scheduling subgraph alone (fake title model, real resolver, real local calendar, fixed clock), and the
request, duration and attendee tools it is built from."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.llm import ModelHub
from graph.builder import build_scheduler
from graph.context import Context
from tests.fakes import constant, fake_model
from tests.fixtures import KO_PEOPLE, MEETING, SEOUL, local_calendar


def event(uid, start, end):
    return f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20261101T000000Z\nDTSTART;TZID=Asia/Seoul:{start}\nDTEND;TZID=Asia/Seoul:{end}\nSUMMARY:busy\nEND:VEVENT\n"


CLOCK = datetime(2026, 11, 26, 11, tzinfo=SEOUL)


def segs(*lines: tuple[str, str, str | None]) -> list[dict]:
    """Segments from (speaker, text, router label) triples."""
    return [{"id": f"s{i:04d}", "start": i * 5.0, "end": i * 5.0 + 4, "speaker": who, "text": text, "label": label}
            for i, (who, text, label) in enumerate(lines, 1)]


def run_scheduler(settings, segments, *, people=KO_PEOPLE, lang="ko", book="auto", model=None, calendar=None,
                  checkpointer=None, config=None, meeting_id="m-req"):
    """The scheduling subgraph on ``segments`` with a real local calendar (everyone's imported unless given)."""
    cal = calendar if calendar is not None else local_calendar(settings, people=people)
    hub = ModelHub(settings, overrides={"scheduler": model or fake_model(constant({"title": "후속 회의" if lang == "ko" else "Follow-up"}))},
                   use_cache=False)
    ctx = Context(settings=settings, models=hub, clock=lambda: CLOCK, calendar_factory=lambda: cal)
    graph = build_scheduler(checkpointer) if checkpointer is not None else build_scheduler()
    inp = {"meeting_id": meeting_id, "meeting_date": MEETING, "timezone": "Asia/Seoul", "language": lang, "segments": segments,
           "participants": people, "book": book}
    return graph.invoke(inp, config, context=ctx), cal


ISSUE_MEETING = [  # issue 12: other time words earlier, the request at the end, then its confirmation
    ("김민지", "오늘은 출시 준비 상황부터 볼게요.", "scheduling"),
    ("이준호", "어제 말씀드린 로그인 버그는 오늘 오후까지 고칠게요.", "action"),
    ("박서연", "보도자료 초안은 금요일까지 공유하겠습니다.", "action"),
    ("김민지", "다음 주 수요일 오전 10시에 30분 정도 다시 모여서 진행 상황 점검하죠.", "scheduling"),
    ("이준호", "네, 다음 주 수요일 10시 좋습니다.", "scheduling"),
]


def test_the_whole_subgraph_on_a_korean_transcript_with_the_real_router_and_calendar(settings):
    """Default-set real test: the real router labels a Korean transcript, the real resolver and the local
    calendar on disk (busy times imported from .ics) decide; only the title comes from a fake model."""
    from evals.summarize import label_segments

    transcript = [("김민지", "다들 들리세요? 그럼 시작할게요."), ("이준호", "네, 잘 들려요."),
                  ("김민지", "어제 배포한 버전에서 로그인 오류가 다시 났다고 하던데요."),
                  ("이준호", "네, 오늘 오후까지 원인 찾아보겠습니다."),
                  ("박서연", "저는 새 온보딩 화면을 금요일까지 공유할게요."),
                  ("김민지", "좋아요. 그럼 다음 주 화요일 오후에 한 시간 정도 다시 모여서 진행 상황을 점검하죠."),
                  ("박서연", "네, 화요일 오후 3시 어떠세요?"), ("이준호", "저도 좋습니다.")]
    segments = label_segments(segs(*[(w, t, None) for w, t in transcript]), settings)
    busy = {"junho@example.com": event("j@t", "20261201T150000", "20261201T153000")}
    cal = local_calendar(settings, busy, KO_PEOPLE)
    out, _ = run_scheduler(settings, segments, calendar=cal)
    f = out["follow_up"]
    assert (f["status"], f["start"], f["end"]) == ("booked", "2026-12-01T15:30:00+09:00", "2026-12-01T16:30:00+09:00")
    from tools.calendar import open_calendar

    (booked,) = open_calendar(settings).list_events(datetime(2026, 12, 1, tzinfo=SEOUL), datetime(2026, 12, 2, tzinfo=SEOUL),
                                                    "seoyeon@example.com")
    assert booked.id == f["event_id"] and sorted(booked.attendees) == sorted(p["email"] for p in KO_PEOPLE)


@pytest.mark.slow
def test_the_real_local_model_writes_the_title(settings):
    from core.settings import Settings

    real = Settings(data_dir=settings.data_dir, models_dir=settings.models_dir, timezone="Asia/Seoul")
    cal = local_calendar(real, people=KO_PEOPLE)
    ctx = Context(settings=real, models=ModelHub(real), clock=lambda: CLOCK, calendar_factory=lambda: cal)
    out = build_scheduler().invoke({"meeting_id": "m-title", "meeting_date": MEETING, "timezone": "Asia/Seoul", "language": "ko",
                                    "segments": segs(*ISSUE_MEETING), "participants": KO_PEOPLE, "book": "auto"}, context=ctx)
    f = out["follow_up"]
    assert (f["status"], f["start"]) == ("booked", "2026-12-02T10:00:00+09:00")
    from tools.follow_up_request import clean_title

    assert clean_title(f["title"], "ko") == f["title"] and 0 < len(f["title"]) <= 80
    assert not any("was not usable" in w or "wrote no title" in w for w in out["warnings"]), out["warnings"]
