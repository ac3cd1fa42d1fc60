
import pytest

from core.errors import InputError
from tests.fixtures import SAMPLES
from tools.transcripts import language_hint, read_transcript


def test_korean_txt_and_vtt_agree():
    txt = read_transcript(SAMPLES / "meeting_ko.txt")
    vtt = read_transcript(SAMPLES / "meeting_ko.vtt")
    assert [s["text"] for s in txt.segments] == [s["text"] for s in vtt.segments]
    assert txt.speakers == ["김민지", "이준호", "박서연"] == vtt.speakers
    assert txt.language_hint == "ko"
    assert txt.estimated_times and not vtt.estimated_times
    starts = [s["start"] for s in vtt.segments]
    assert starts == sorted(starts) and all(s["end"] > s["start"] for s in vtt.segments)
    assert any("다음 주 화요일 오후에 한 시간" in s["text"] for s in vtt.segments)


def test_srt_with_speaker_prefix(tmp_path):
    p = tmp_path / "m.srt"
    p.write_text("1\n00:00:01,000 --> 00:00:03,500\nAlice: Let's start.\n\n2\n00:00:04,000 --> 00:00:06,000\nBob: Sure.\n", encoding="utf-8")
    t = read_transcript(p)
    assert [(s["speaker"], s["text"], s["start"], s["end"]) for s in t.segments] == [
        ("Alice", "Let's start.", 1.0, 3.5), ("Bob", "Sure.", 4.0, 6.0)]
    assert t.language_hint == "en"


def test_timestamped_text_lines(tmp_path):
    p = tmp_path / "m.txt"
    p.write_text("[00:00:05] Alice: hello there\n[00:01:10] Bob: hi\ncontinued line\n", encoding="utf-8")
    t = read_transcript(p)
    assert t.segments[0]["start"] == 5.0 and t.segments[0]["end"] == 70.0
    assert t.segments[1]["text"] == "hi continued line"
    assert not t.estimated_times


@pytest.mark.parametrize("content,message", [
    ("", "empty"),
    ("just some words without any speaker names\nand another line\n", "no transcript lines"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nno speaker here\n", "names no speakers"),
])
def test_bad_transcripts(tmp_path, content, message):
    suffix = ".vtt" if content.startswith("WEBVTT") else ".txt"
    p = tmp_path / f"bad{suffix}"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_transcript(p)


def test_not_utf8(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("Alice: caf\xe9".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        read_transcript(p)


def test_language_hint():
    assert language_hint("안녕하세요 여러분") == "ko"
    assert language_hint("hello everyone") == "en"
    assert language_hint("1234 !!") is None
