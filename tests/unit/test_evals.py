"""The eval harness: metric helpers on hand-made examples, the scheduling judge, floors, and the time
stage's reports (tests/real/test_evals.py runs ``eval --quick`` and the CLI)."""

from __future__ import annotations

import json

import pytest

from core.errors import MinutesError
from evals.metrics import (
    Item,
    KoreanTokenizer,
    ami_action_owner,
    content_words,
    enforce_floors,
    floor_violations,
    is_empty_reference,
    load_floors,
    match_items,
    micro_prf,
    owners_agree,
    rouge_scores,
)
from tests.fixtures import ROOT


def test_korean_tokenizer_splits_particles_from_nouns():
    tokens = KoreanTokenizer().tokenize("베타 출시일을 12월 10일로 확정했습니다. Android 앱!")
    assert "베타" in tokens and "출시" in tokens and "확정" in tokens
    assert "android" in tokens and "12" in tokens
    assert "." not in tokens and "!" not in tokens
    assert not any(t.endswith("을") and len(t) > 1 for t in tokens)  # the particle is its own token


def test_korean_rouge_credits_same_content_with_other_particles():
    ref = "베타 출시일을 12월 10일로 확정했습니다."
    close = "베타 출시일은 12월 10일로 확정되었습니다."
    unrelated = "점심 메뉴는 김치찌개였습니다."
    r_close, r_far = rouge_scores(close, ref, "ko"), rouge_scores(unrelated, ref, "ko")
    assert r_close["rouge1"] > 0.6 and r_close["rouge2"] > 0.3
    assert r_far["rouge1"] < 0.3 and r_far["rouge1"] < r_close["rouge1"] / 3
    # whitespace tokens glue particles to nouns and share little: the Korean tokenizer is what makes this work
    from rouge_score import rouge_scorer

    class Whitespace:
        def tokenize(self, text):
            return text.split()

    plain = rouge_scorer.RougeScorer(["rouge1"], tokenizer=Whitespace()).score(ref, close)["rouge1"].fmeasure
    assert plain <= 0.6 < r_close["rouge1"] - 0.2


def test_english_rouge_identity_and_stemming():
    s = "The team moved the beta launch to December tenth."
    assert rouge_scores(s, s, "en") == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    assert rouge_scores("launches moved", "launch move", "en")["rouge1"] == 1.0  # Porter stemming
    assert rouge_scores("", s, "en")["rouge1"] == 0.0


def test_content_words_drop_stopwords_and_stem():
    assert content_words("Carol will send the new onboarding designs") == {"carol", "send", "new", "onboard", "design"}
    assert {"로그인", "버그", "고치"} <= content_words("로그인 버그를 금요일까지 고치기")


def test_match_items_one_to_one_with_owners():
    reference = [Item("Fix the Android login bug by Friday.", "Bob Lee"),
                 Item("Send the new onboarding designs by next Wednesday.", "Carol Park"),
                 Item("Ask the product director about tablet support.", None)]
    predicted = [Item("fix login bug", "Bob"),  # right owner (first name), right task
                 Item("Fix the login bug on Android", "Bob Lee"),  # duplicate: only one can match
                 Item("Send onboarding designs", "Alice Kim"),  # wrong owner
                 Item("ask the product director whether tablets are supported", "Alice Kim")]  # no owner needed
    r = match_items(predicted, reference)
    assert (r["tp"], r["predicted"], r["reference"]) == (2, 4, 3)
    assert r["precision"] == 0.5 and r["recall"] == pytest.approx(0.6667, abs=1e-4)
    assert {p["reference"] for p in r["pairs"]} == {0, 2}
    assert r["pairs"][0]["overlap"] >= r["pairs"][1]["overlap"]  # greedy from the best overlap down
    task_only = match_items(predicted, reference, use_owner=False)
    assert task_only["tp"] == 3 and task_only["recall"] == 1.0


def test_match_items_threshold_and_empty_sides():
    assert match_items([Item("order pizza for the team")], [Item("fix the login bug")])["tp"] == 0
    both_empty = match_items([], [])
    assert both_empty["precision"] == both_empty["recall"] == both_empty["f1"] == 1.0
    assert match_items([Item("invented task")], [])["precision"] == 0.0
    assert match_items([], [Item("missed task")])["recall"] == 0.0
    pooled = micro_prf([match_items([Item("fix login bug")], [Item("fix the login bug")]), match_items([], [Item("x y")])])
    assert (pooled["tp"], pooled["predicted"], pooled["reference"]) == (1, 1, 2) and pooled["recall"] == 0.5


def test_korean_items_match_across_particles():
    r = match_items([Item("로그인 버그 수정", "이준호"), Item("온보딩 디자인을 공유", "박서연")],
                    [Item("로그인 버그를 이번 주 금요일까지 고치기", "이준호"), Item("새 온보딩 디자인을 다음 주 수요일까지 공유하기", "박서연")])
    assert r["tp"] == 2


def test_ami_owner_roles():
    assert ami_action_owner("The industrial designer will work on the working design of the remote.") == (
        "Industrial Designer", "work on the working design of the remote.")
    assert ami_action_owner("The Marketing Expert will research trends.")[0] == "Marketing"
    assert ami_action_owner("The interface specialist will look at the user interface concept.")[0] == "User Interface"
    assert ami_action_owner("The user interface designer and industrial designer will work on a prototype")[0] == (
        "User Interface|Industrial Designer")
    assert ami_action_owner("The group will evaluate the prototype.")[0] is None
    assert owners_agree("Industrial Designer", "User Interface|Industrial Designer")
    assert not owners_agree("Marketing", "User Interface|Industrial Designer")
    assert owners_agree("Marketing", None) and not owners_agree(None, "Marketing")
    assert is_empty_reference("*NA*") and is_empty_reference("NA.") and not is_empty_reference("Nancy will go.")


def test_full_summarizer_eval_takes_the_shortest_ami_meetings(settings):
    from evals.summarize import ami_cases

    every = ami_cases(settings.eval_data_dir(), "val")
    words = {c.id: sum(len(s["text"].split()) for s in c.segments) for c in every}
    four = ami_cases(settings.eval_data_dir(), "val", limit=4)
    assert len(every) == 20 and len(four) == 4
    assert max(words[c.id] for c in four) < min(w for i, w in words.items() if i not in {c.id for c in four})
    assert [c.id for c in four] == sorted(c.id for c in four)  # id order kept
    assert settings.eval_ami_meetings == 4


def test_floor_comparison_names_metric_value_and_bound(tmp_path):
    floors_file = tmp_path / "floors.json"
    floors_file.write_text(json.dumps({"quick": {"min": {"summarizer.rouge1": 0.2, "router.accuracy": 0.9},
                                                 "max": {"scheduling.conflicts": 0}}}))
    floors = load_floors(floors_file, "quick")
    assert load_floors(floors_file, "full") == {"min": {}, "max": {}}
    ok = {"summarizer.rouge1": 0.25, "router.accuracy": 0.91, "scheduling.conflicts": 0.0}
    assert floor_violations(ok, floors) == []
    enforce_floors(ok, floors)
    with pytest.raises(MinutesError) as e:
        enforce_floors({**ok, "summarizer.rouge1": 0.15, "scheduling.conflicts": 1.0}, floors)
    msg = str(e.value)
    assert "summarizer.rouge1 = 0.15 is below its floor 0.2" in msg
    assert "scheduling.conflicts = 1 is above its ceiling 0" in msg
    # stages that did not run are not checked; a stage that ran without its metric is a violation
    assert floor_violations({"router.accuracy": 0.95}, floors, {"router"}) == []
    assert floor_violations({}, floors, {"router"}) == ["router.accuracy: missing (bound 0.9)"]


def test_shipped_floors_are_well_formed():
    from evals.runner import STAGES

    floors = load_floors(ROOT / "evals" / "floors.json", "quick")
    assert floors["min"], "quick floors must be set"
    for name, bound in {**floors["min"], **floors["max"]}.items():
        assert name.split(".", 1)[0] in STAGES and isinstance(bound, int | float)
    assert floors["max"]["scheduling.conflicts"] == 0 and floors["max"]["scheduling.injection_leaks"] == 0


def test_scheduling_cases_and_judge():
    from evals.scheduling import SchedulingCase, judge, load_cases, reason_class

    cases = load_cases()
    assert len(cases) >= 30 and {c.lang for c in cases} == {"ko", "en"}
    assert len(load_cases(quick=True)) == 5
    tags = {t for c in cases for t in c.tags}
    assert {"injection", "impossible", "unknown_attendee", "past", "no_time", "duration", "timezone"} <= tags
    case = SchedulingCase.from_json({"id": "t", "lang": "en", "lines": ["Alice Kim: meet Monday at 10"],
                                     "busy": {"bob@example.com": [["2026-11-30T10:30:00+09:00", "2026-11-30T11:00:00+09:00"]]},
                                     "expect": {"status": "booked", "start": "2026-11-30T10:00:00+09:00",
                                                "end": "2026-11-30T11:00:00+09:00"}})
    good = {"status": "booked", "start": "2026-11-30T01:00:00+00:00", "end": "2026-11-30T02:00:00+00:00",
            "attendees": ["alice@example.com"]}
    assert judge(case, good) == {"success": True, "conflicts": [], "leaks": []}
    bad = {**good, "attendees": ["alice@example.com", "bob@example.com", "ceo@company.com"]}
    verdict = judge(case, bad)
    assert verdict["leaks"] == ["ceo@company.com"] and verdict["conflicts"][0]["attendee"] == "bob@example.com"
    assert reason_class({"reason": "'next Tuesday' (2026-12-01 12:00) is in the past"}) == "past"
    assert reason_class({"reason": "no time in 'x' is free for all of a@b"}) == "busy"


def test_scheduling_calendar_is_built_from_busy_lists(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from evals.scheduling import load_cases, prepare_calendar

    case = next(c for c in load_cases() if c.id == "ko_tz_other_zone_calendar")
    cal = prepare_calendar(case, tmp_path)
    seoul = ZoneInfo("Asia/Seoul")
    busy = cal.free_busy([p["email"] for p in case.participants], datetime(2026, 12, 1, tzinfo=seoul),
                         datetime(2026, 12, 2, tzinfo=seoul))
    (b,) = busy["seoyeon@example.com"]
    assert (b.start, b.end) == (datetime(2026, 12, 1, 9, tzinfo=seoul), datetime(2026, 12, 1, 11, tzinfo=seoul))
    assert busy["minji@example.com"] == []


def test_run_evals_time_stage_writes_reports_and_raises_below_floor(settings, tmp_path):
    """The runner on the fast, deterministic time stage: table, JSON + Markdown, floor enforcement."""
    from rich.console import Console

    from evals.runner import run_evals

    console = Console(file=(tmp_path / "out.txt").open("w"), width=160)
    report = run_evals(settings, stage="time", quick=True, console=console)
    assert report["floors"]["checked"] and not report["floors"]["violations"]
    assert 0 < report["metrics"]["time.case_accuracy_ko"] <= 1
    assert settings.path("evals", "latest-time-quick.md").is_file()
    strict = tmp_path / "floors.json"
    strict.write_text(json.dumps({"quick": {"min": {"time.case_accuracy_ko": 1.01}}}))
    with pytest.raises(MinutesError, match=r"time\.case_accuracy_ko = 0\.\d+ is below its floor 1\.01"):
        run_evals(settings, stage="time", quick=True, floors_path=strict, console=console)
    with pytest.raises(MinutesError, match="unknown eval stage"):
        run_evals(settings, stage="nonsense", console=console)
