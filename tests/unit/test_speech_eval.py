"""Real-speech eval: the scorers and normalisation on tiny fixtures, the language vote, and the data layout.
None of this needs the real-speech data (``asr.speech_data`` is unset in CI)."""

from __future__ import annotations

import numpy as np
import pytest

from evals import speech
from evals.speech_scoring import (
    SpeakerTurn,
    character_errors,
    corpus_rate,
    diarization_error_rate,
    edit_distance,
    native_korean,
    normalize_en,
    normalize_ko,
    read_rttm,
    read_uem,
    sino_korean,
    word_errors,
)
from tools.asr_language import WindowScore, script_of, speech_windows, vote_language


@pytest.mark.parametrize("n,reading", [(0, "영"), (1, "일"), (10, "십"), (15, "십오"), (110, "백십"), (2024, "이천이십사"),
                                       (10000, "만"), (12000, "만이천"), (350000, "삼십오만"), (100000000, "일억")])
def test_sino_korean_numbers(n, reading):
    assert sino_korean(n) == reading


@pytest.mark.parametrize("n,reading", [(1, "한"), (3, "세"), (20, "스무"), (21, "스물한"), (99, "아흔아홉"), (100, None)])
def test_native_korean_numbers(n, reading):
    assert native_korean(n) == reading


@pytest.mark.parametrize("text,normal", [
    ("(3G)/(쓰리 쥐) 하나도 b/ 안 봤음.", "쓰리쥐하나도안봤음"),   # dual form: the pronunciation; event tag gone
    ("아 몬 소리야, 그건 또.", "아몬소리야그건또"),                  # punctuation and spaces gone
    ("0.1% 가정", "영점일퍼센트가정"),                              # decimals and percent
    ("1시에 닫는", "한시에닫는"),                                   # native reading before a counter
    ("2024년 10월 3일", "이천이십사년십월삼일"),                     # Sino-Korean elsewhere
    ("12,000원", "만이천원"),
    ("C언어 CEO", "씨언어씨이오"),                                  # Latin letters by their Korean names
    ("ｌ/ 음 n/ 그래 +", "음그래"),                                  # full-width, noise and repetition marks
])
def test_normalize_ko(text, normal):
    assert normalize_ko(text) == normal


def test_cer_is_space_insensitive_and_counts_edits():
    assert character_errors("아 내일 나 알바하구나.", "아내일 나알바하구나").edits == 0
    c = character_errors("아 내일 나 알바하구나.", "아 내일 나 알바 하는구나")  # one inserted character
    assert (c.edits, c.length) == (1, 9) and c.rate == pytest.approx(1 / 9)
    assert character_errors("한 시에 닫아", "1시에 닫아").edits == 0  # digits vs the Hangul reading
    assert character_errors("그래", "").edits == 2


def test_corpus_rate_weights_by_length():
    a, b = character_errors("가나다라마바사아자차", "가나다라마바사아자차"), character_errors("가나", "")
    assert corpus_rate([a, b]) == pytest.approx(2 / 12)  # not the mean of 0.0 and 1.0


def test_wer_normalises_case_and_punctuation():
    assert normalize_en("Mr. Quilter's gospel, ok?") == "mr quilter's gospel ok"
    assert word_errors("And so, my fellow Americans", "and so my fellow americans").edits == 0
    w = word_errors("ask not what your country can do", "ask what your county can do for")
    assert (w.edits, w.length) == (3, 7)  # deletion, substitution, insertion
    assert edit_distance("kitten", "sitting") == 3


RTTM = """SPEAKER f1 1 0.000 4.000 <NA> <NA> A <NA> <NA>
SPEAKER f1 1 4.000 4.000 <NA> <NA> B <NA> <NA>
SPEAKER f2 1 1.000 1.000 <NA> <NA> C <NA> <NA>
"""


def test_rttm_and_uem_parsing():
    turns = read_rttm(RTTM)
    assert sorted(turns) == ["f1", "f2"] and turns["f1"][1] == SpeakerTurn(4.0, 8.0, "B")
    assert read_rttm(RTTM, "f2") == {"f2": [SpeakerTurn(1.0, 2.0, "C")]}
    assert read_uem("f1 1 0.000 8.000\n") == {"f1": (0.0, 8.0)}


def test_der_is_label_independent_and_counts_each_error_kind():
    ref = read_rttm(RTTM, "f1")["f1"]
    same = [SpeakerTurn(0, 4, "x"), SpeakerTurn(4, 8, "y")]  # other names, same partition
    assert diarization_error_rate(ref, same, collar_s=0.0).der == pytest.approx(0.0)
    one = [SpeakerTurn(0, 8, "x")]  # everything one speaker: B's 4 s are confusion
    s = diarization_error_rate(ref, one, collar_s=0.0)
    assert s.confusion == pytest.approx(4.0) and s.der == pytest.approx(0.5)
    half = [SpeakerTurn(0, 4, "x")]  # B missed
    assert diarization_error_rate(ref, half, collar_s=0.0).missed == pytest.approx(4.0)
    extra = same + [SpeakerTurn(8, 10, "y")]  # 2 s of false alarm beyond the reference, inside the UEM
    assert diarization_error_rate(ref, extra, collar_s=0.0, uem=(0, 10)).false_alarm == pytest.approx(2.0)
    shifted = [SpeakerTurn(0, 4.2, "x"), SpeakerTurn(4.2, 8, "y")]  # 0.2 s late change
    assert diarization_error_rate(ref, shifted, collar_s=0.0).der == pytest.approx(0.2 / 8)
    assert diarization_error_rate(ref, shifted, collar_s=0.25).der == pytest.approx(0.0)  # inside ±0.25 s


def test_der_scores_overlap():
    ref = [SpeakerTurn(0, 4, "A"), SpeakerTurn(2, 4, "B")]  # 2 s of overlap: 6 s of speech to find
    louder = [SpeakerTurn(0, 4, "x")]  # the louder speaker only
    assert diarization_error_rate(ref, louder, collar_s=0.0).missed == pytest.approx(2.0)


def test_vote_picks_the_likelier_supported_language_even_when_unsure():
    # a short Korean clip Whisper finds ambiguous: ja on top, ko above en
    unsure = [WindowScore(4.0, {"ja": 0.45, "ko": 0.35, "en": 0.2})]
    v = vote_language(unsure)
    assert v.language == "ko" and v.unsupported_top == "ja" and v.probability == pytest.approx(0.35)
    assert v.mixed  # en holds 0.36 of the supported mass in a 4 s window


def test_vote_weights_windows_by_speech_and_flags_mixed():
    scores = [WindowScore(12.0, {"ko": 0.95, "en": 0.03}), WindowScore(12.0, {"ko": 0.9, "en": 0.05}),
              WindowScore(6.0, {"en": 0.9, "ko": 0.05})]
    v = vote_language(scores)
    assert v.language == "ko" and v.mixed and v.unsupported_top is None
    clean = vote_language(scores[:2])
    assert clean.language == "ko" and not clean.mixed
    assert vote_language([]).language == "en" and vote_language([], default="ko").language == "ko"
    assert vote_language([WindowScore(3.0, {"ja": 1.0})], default="ko").language == "ko"


def test_speech_windows_spread_over_all_speech():
    audio = np.arange(60 * 16000, dtype=np.float32)
    regions = [{"start": 0, "end": 10 * 16000}, {"start": 50 * 16000, "end": 60 * 16000}]  # 20 s of speech
    wins = speech_windows(audio, regions, windows=3, window_s=5.0)
    assert len(wins) == 3 and all(len(w) == 5 * 16000 for w in wins)
    assert wins[0][0] == 0 and wins[-1][-1] == 60 * 16000 - 1  # first and last speech sample both covered
    assert len(speech_windows(audio[:16000], None, window_s=5.0)) == 1


def test_mixed_recording_spans_and_scripts():
    ko = [speech.Clip(f"k{i}", np.zeros(16000 * 2, np.float32), "안녕", "ko") for i in range(2)]
    en = speech.Clip("e", np.zeros(16000 * 3, np.float32), "hello", "en")
    audio, spans = speech.mixed_recording(ko, en, gap_s=1.0)
    assert [s[2] for s in spans] == ["ko", "en", "ko"] and spans[1][:2] == (3.0, 6.0)
    assert len(audio) == 16000 * (2 + 1 + 3 + 1 + 2 + 1)
    assert speech.span_language(3.5, 5.0, spans) == "en" and speech.span_language(0.2, 3.4, spans) == "ko"
    assert script_of("그럼 meeting 시작할게요") == "ko" and script_of("Ask not.") == "en"
    assert script_of("...") is None


def test_korean_dev_set_reads_pcm_and_cp949(tmp_path):
    (tmp_path / "kspon").mkdir()
    (np.ones(16000, "<i2") * 1000).tofile(tmp_path / "kspon" / "KaiSpeech_000001.pcm")
    (tmp_path / "kspon" / "KaiSpeech_000001.txt").write_bytes("아 몬 소리야, 그건 또.".encode("cp949"))
    (tmp_path / "kspon" / "KaiSpeech_label_000001.txt").write_text("5 0 729")  # label files are ignored
    [clip] = speech.korean_dev_set(tmp_path)
    assert clip.text == "아 몬 소리야, 그건 또." and clip.language == "ko" and clip.seconds == 1.0
    assert clip.audio.dtype == np.float32 and abs(clip.audio[0] - 1000 / 32768) < 1e-6


def test_asr_eval_says_how_to_get_the_data_when_unset(settings):
    from evals.asr import _real_speech

    settings.asr.speech_data = None  # as in CI
    r = _real_speech(settings, quick=True)
    assert "MINUTES_ASR__SPEECH_DATA" in r["note"] and "git clone" in r["warnings"][0]
    settings.asr.speech_data = settings.data_dir / "missing"
    assert "not a folder" in _real_speech(settings, quick=True)["note"]
