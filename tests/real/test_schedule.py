"""The scheduling subgraph with the real router (USE embeddings) on a Korean transcript, and with the real
local model writing the title (slow)."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.llm import ModelHub
from graph.builder import build_scheduler
from graph.context import Context
from tests.fixtures import (
    ISSUE_MEETING,
    KO_PEOPLE,
    MEETING,
    SEOUL,
    busy_vevent,
    fixed_clock,
    local_calendar,
    run_schedule_subgraph,
    segments_of,
)


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
    segments = label_segments(segments_of(*[(w, t, None) for w, t in transcript]), settings)
    busy = {"junho@example.com": busy_vevent("j@t", "20261201T150000", "20261201T153000")}
    cal = local_calendar(settings, busy, KO_PEOPLE)
    out, _ = run_schedule_subgraph(settings, segments, calendar=cal)
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
    ctx = Context(settings=real, models=ModelHub(real), clock=fixed_clock, calendar_factory=lambda: cal)
    out = build_scheduler().invoke({"meeting_id": "m-title", "meeting_date": MEETING, "timezone": "Asia/Seoul", "language": "ko",
                                    "segments": segments_of(*ISSUE_MEETING), "participants": KO_PEOPLE, "book": "auto"}, context=ctx)
    f = out["follow_up"]
    assert (f["status"], f["start"]) == ("booked", "2026-12-02T10:00:00+09:00")
    from tools.follow_up_request import clean_title

    assert clean_title(f["title"], "ko") == f["title"] and 0 < len(f["title"]) <= 80
    assert not any("was not usable" in w or "wrote no title" in w for w in out["warnings"]), out["warnings"]
