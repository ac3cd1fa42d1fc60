"""Real-speech ASR eval: Korean CER, English WER, language-detection errors, code-switching, DER and RTF on
public human recordings read from ``asr.speech_data`` (``MINUTES_ASR__SPEECH_DATA``). Nothing here is committed.

Layout of the data directory (``python -m evals.speech --prepare DIR --from CLONES`` builds it from git clones of
the four public repositories below; see ``HOW_TO_GET``):

==================================  ==========================================================  ===============
``kspon/KaiSpeech_NNNNNN.pcm|.txt``  100 KsponSpeech clips (16 kHz s16le, CP949 transcripts),     research use
                                     spontaneous conversation: the Korean dev set                  (AI Hub terms)
                                     (``sooftware/kospeech`` ``data/sample/``, before 554c6e64)
``leopard/*.wav, test_data.json``    read-speech clips, ko + en, with transcripts                   Apache-2.0
                                     (``Picovoice/leopard`` ``resources/``)
``fw/jfk.flac, stereo_diarization``  JFK 1961 (public domain) and a two-speaker stereo clip         MIT
                                     (``SYSTRAN/faster-whisper`` ``tests/data/``)
``pyannote/…``                       AMI meeting excerpts with RTTM speaker turns (60 s each, 4     MIT (AMI:
                                     speakers, overlap) and the tutorial sample                     CC BY 4.0)
                                     (``pyannote/pyannote-audio`` ``tests/data``, ``tutorials/assets``)
==================================  ==========================================================  ===============

What is measured (each recording through ``tools.transcribe.transcribe`` as ``minutes process`` runs it, with
``language=auto``, the cache off and diarization off for the ASR sets):

* ``ko_cer``: corpus CER on the Korean dev set (``evals.speech_scoring.normalize_ko``: KsponSpeech normalisation,
  space-insensitive); ``ko_read_cer`` on Leopard's Korean clip;
* ``en_wer``: corpus WER on the English clips (JFK, Leopard's English clip);
* ``language_errors``: clips whose detected language is not the reference's (Korean dev set + ko/en clips);
  ``ko_segments_as_en``: Korean dev-set segments the per-segment check switched to English;
* ``mixed_segment_accuracy``: on a recording built here by concatenating Korean dev clips and an English clip,
  the share of segments whose language (and script) is their source's;
* ``der_ami`` / ``der_two_speaker``: DER (pyannote.metrics, collar ±0.25 s, overlap scored) of
  ``tools.diarize.diarize`` (speaker count automatic) on the AMI excerpts (UEM-limited) and on the stereo clip mixed
  to mono (reference: speech regions of each channel); ``speakers_right``: files whose speaker count is right;
* ``rtf``: ASR seconds per audio second over the Korean dev set; ``diarization_rtf`` likewise.

Measured (Whisper base int8, 2 shared cores at load average 7–11, so speeds are pessimistic): Korean dev set CER
0.216 forced ``ko`` (beam 1; beam 5: 0.204 at ~1.8x the time; no VAD 0.231; no temperature fallback 0.216; a Korean
initial prompt 0.220), 0.232 with ``language=auto`` (4 of 100 five-second clips still heard as English: 12 before
the window vote; 0 of 10 fifty-second groups and of the 508 s whole); English WER 0.0; mixed recording 10 of 10
segments right; DER 0.544 AMI excerpts / 0.345 two-speaker clip (overlap only: one speaker at a time).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.settings import Settings
from evals.speech_scoring import (
    DiarizationScore,
    ErrorCount,
    SpeakerTurn,
    character_errors,
    corpus_rate,
    diarization_error_rate,
    read_rttm,
    read_uem,
    word_errors,
)
from tools.asr_language import script_of

SR = 16_000
HOW_TO_GET = (
    "real-speech data not set: set asr.speech_data (MINUTES_ASR__SPEECH_DATA=DIR) to a folder made by\n"
    "  git clone https://github.com/sooftware/kospeech; git clone https://github.com/Picovoice/leopard;\n"
    "  git clone https://github.com/SYSTRAN/faster-whisper; git clone https://github.com/pyannote/pyannote-audio\n"
    "  python -m evals.speech --prepare DIR --from .   (copies the clips out of the clones; KsponSpeech is\n"
    "  research-use only: keep DIR outside the repository and never commit it)")
JFK_TEXT = ("And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.")
AMI_FILES = (("dev00", "debug.development"), ("dev01", "debug.development"), ("tst00", "debug.test"),
             ("tst01", "debug.test"))


@dataclass(frozen=True)
class Clip:
    """One recording with its reference: ``audio`` 16 kHz mono float32, ``language`` ko|en."""

    name: str
    audio: np.ndarray
    text: str
    language: str

    @property
    def seconds(self) -> float:
        return len(self.audio) / SR


# ------------------------------------------------------------------------------------------ data


def _decode(path: Path) -> np.ndarray:
    from tools.audio import load_audio

    return load_audio(path)


def korean_dev_set(root: Path, limit: int | None = None) -> list[Clip]:
    """The KsponSpeech clips under ``root/kspon`` (raw 16 kHz s16le + CP949 text)."""
    clips = []
    for pcm in sorted((root / "kspon").glob("KaiSpeech_[0-9]*.pcm"))[:limit]:
        audio = np.fromfile(pcm, dtype="<i2").astype(np.float32) / 32768.0
        text = pcm.with_suffix(".txt").read_bytes().decode("cp949").strip()
        clips.append(Clip(pcm.stem, audio, text, "ko"))
    return clips


def read_clips(root: Path) -> list[Clip]:
    """Leopard's Korean and English clips and JFK (whichever are present)."""
    clips = []
    data = root / "leopard" / "test_data.json"
    if data.is_file():
        for t in json.loads(data.read_text(encoding="utf-8"))["tests"]["language_tests"]:
            wav = root / "leopard" / t["audio_file"]
            if t["language"] in ("ko", "en") and wav.is_file():
                clips.append(Clip(f"leopard_{t['language']}", _decode(wav), t["transcript"], t["language"]))
    if (root / "fw" / "jfk.flac").is_file():
        clips.append(Clip("jfk", _decode(root / "fw" / "jfk.flac"), JFK_TEXT, "en"))
    return clips


def stereo_reference(path: Path, settings: Settings) -> tuple[np.ndarray, list[SpeakerTurn]]:
    """The stereo clip mixed to mono, and its reference turns: each channel's speech regions (Silero VAD)."""
    import av
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        if stream.rate != SR or stream.channels != 2:
            raise ValueError(f"{path.name}: expected 16 kHz stereo")
        pcm = np.concatenate([f.to_ndarray().reshape(-1, 2) for f in c.decode(audio=0)]).T
    chans = pcm.astype(np.float32) / 32768.0
    turns = []
    for i, name in enumerate(("left", "right")):
        for r in get_speech_timestamps(chans[i], VadOptions(min_silence_duration_ms=300, speech_pad_ms=30)):
            turns.append(SpeakerTurn(r["start"] / SR, r["end"] / SR, name))
    return chans.mean(axis=0), turns


def write_wav(path: Path, audio: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


def mixed_recording(korean: list[Clip], english: Clip, gap_s: float = 0.8) -> tuple[np.ndarray, list[tuple]]:
    """Korean clips, then an English one, then Korean again, joined with short pauses; returns the audio and the
    (start, end, language) span of each source clip."""
    parts, spans, t = [], [], 0.0
    gap = np.zeros(int(gap_s * SR), np.float32)
    order = korean[: len(korean) // 2] + [english] + korean[len(korean) // 2:]
    for c in order:
        parts += [c.audio, gap]
        spans.append((t, t + c.seconds, c.language))
        t += c.seconds + gap_s
    return np.concatenate(parts), spans


# ------------------------------------------------------------------------------------------ scoring helpers


def span_language(start: float, end: float, spans: list[tuple]) -> str | None:
    """The language of the source span that overlaps [start, end] most."""
    best, best_ov = None, 0.0
    for a, b, lang in spans:
        ov = min(end, b) - max(start, a)
        if ov > best_ov:
            best, best_ov = lang, ov
    return best


def _asr_settings(base: Settings, tmp: Path) -> Settings:
    s = base.model_copy(update={"data_dir": tmp, "models_dir": base.model_path(), "use_cache": False,
                                "language": "auto"}, deep=True)
    s.asr.diarize = False
    return s


def _transcribe_clip(clip: Clip, settings: Settings, tmp: Path):
    from tools.transcribe import transcribe

    path = write_wav(tmp / f"{clip.name}.wav", clip.audio)
    t0 = time.perf_counter()
    result = transcribe(path, settings, cache=None)
    return result, time.perf_counter() - t0


# ------------------------------------------------------------------------------------------ the eval


def run(settings: Settings, root: Path, *, quick: bool = False) -> dict[str, Any]:
    """Every real-speech measurement over the data in ``root`` (see the module docstring)."""
    report: dict[str, Any] = {"metrics": {}, "errors": [], "dataset": []}
    m = report["metrics"]
    with tempfile.TemporaryDirectory(prefix="minutes-eval-speech-") as tmp_name:
        tmp = Path(tmp_name)
        s = _asr_settings(settings, tmp)
        korean = korean_dev_set(root, limit=20 if quick else None)
        if korean:
            counts, lang_errors, seg_en, asr_s, audio_s = [], 0, 0, 0.0, 0.0
            for clip in korean:
                result, seconds = _transcribe_clip(clip, s, tmp)
                asr_s, audio_s = asr_s + seconds, audio_s + clip.seconds
                hyp = " ".join(seg["text"] for seg in result.segments)
                counts.append(character_errors(clip.text, hyp))
                if result.language != "ko":
                    lang_errors += 1
                    report["errors"].append(f"{clip.name}: detected {result.language}")
                seg_en += sum(x == "en" for x in result.segment_languages)
            m["ko_cer"] = round(corpus_rate(counts), 4)
            m["ko_clips"] = float(len(korean))
            m["ko_language_errors"] = float(lang_errors)
            m["ko_segments_as_en"] = float(seg_en)
            m["rtf"] = round(asr_s / audio_s, 4)
            report["dataset"].append(f"KsponSpeech {len(korean)} clips ({audio_s:.0f} s)")
        clips = read_clips(root)
        if clips:
            en_counts: list[ErrorCount] = []
            other_errors = 0
            for clip in clips:
                result, _ = _transcribe_clip(clip, s, tmp)
                hyp = " ".join(seg["text"] for seg in result.segments)
                if clip.language == "en":
                    en_counts.append(word_errors(clip.text, hyp))
                else:
                    m["ko_read_cer"] = round(character_errors(clip.text, hyp).rate, 4)
                if result.language != clip.language:
                    other_errors += 1
                    report["errors"].append(f"{clip.name}: detected {result.language}")
            if en_counts:
                m["en_wer"] = round(corpus_rate(en_counts), 4)
            m["language_errors"] = m.get("ko_language_errors", 0.0) + other_errors
            m["language_clips"] = m.get("ko_clips", 0.0) + len(clips)
            report["dataset"].append(f"{len(clips)} read clips (Leopard ko/en, JFK)")
            english = next((c for c in clips if c.language == "en"), None)
            if korean and english is not None:
                m.update(_mixed(korean[:4], english, s, tmp, report))
        m.update(_diarization(root, settings, report))
    return report


def _mixed(korean: list[Clip], english: Clip, s: Settings, tmp: Path, report: dict) -> dict[str, float]:
    """Segment-language accuracy on a Korean/English/Korean recording joined here."""
    from tools.transcribe import transcribe

    audio, spans = mixed_recording(korean, english)
    result = transcribe(write_wav(tmp / "mixed.wav", audio), s, cache=None)
    langs = result.segment_languages or [result.language] * len(result.segments)
    right = total = 0
    for seg, lang in zip(result.segments, langs, strict=True):
        ref = span_language(seg["start"], seg["end"], spans)
        if ref is None:
            continue
        total += 1
        ok = lang == ref and script_of(seg["text"]) in (ref, None)
        right += ok
        if not ok:
            report["errors"].append(f"mixed: [{seg['start']:.1f}-{seg['end']:.1f}] {ref} heard as {lang}: "
                                    f"{seg['text'][:60]}")
    report["dataset"].append(f"mixed ko/en recording ({len(audio) / SR:.0f} s, built from the clips)")
    return {"mixed_segment_accuracy": round(right / total, 4) if total else 0.0, "mixed_segments": float(total)}


def _diarization(root: Path, settings: Settings, report: dict) -> dict[str, float]:
    """DER of ``tools.diarize.diarize`` on the AMI excerpts (+ tutorial sample) and the two-speaker clip."""
    from tools.diarize import diarize

    out: dict[str, float] = {}
    files: list[tuple[str, np.ndarray, list[SpeakerTurn], tuple[float, float] | None]] = []
    data = root / "pyannote" / "tests" / "data"
    for uri, stem in AMI_FILES:
        wav, rttm = data / f"{uri}.wav", data / f"{stem}.rttm"
        if wav.is_file() and rttm.is_file():
            uem = read_uem((data / f"{stem}.uem").read_text()).get(uri) if (data / f"{stem}.uem").is_file() else None
            files.append((uri, _decode(wav), read_rttm(rttm.read_text(), uri).get(uri, []), uem))
    sample = root / "pyannote" / "tutorials" / "assets"
    if (sample / "sample.wav").is_file() and (sample / "sample.rttm").is_file():
        files.append(("sample", _decode(sample / "sample.wav"),
                      read_rttm((sample / "sample.rttm").read_text()).get("sample", []), None))
    stereo = root / "fw" / "stereo_diarization.wav"
    two = stereo_reference(stereo, settings) if stereo.is_file() else None
    if not files and two is None:
        return out
    ami_total: DiarizationScore | None = None
    right = n = 0
    dia_s = audio_s = 0.0
    for uri, audio, ref, uem in files + ([("two_speaker", two[0], two[1], None)] if two else []):
        t0 = time.perf_counter()
        hyp = [SpeakerTurn(t.start, t.end, t.speaker) for t in diarize(audio)]
        dia_s, audio_s = dia_s + time.perf_counter() - t0, audio_s + len(audio) / SR
        score = diarization_error_rate(ref, hyp, collar_s=0.25, uem=uem)
        found, expected = len({t.speaker for t in hyp}), len({t.speaker for t in ref})
        n += 1
        right += found == expected
        report.setdefault("diarization", []).append(
            {"file": uri, "der": round(score.der, 4), "speakers": found, "reference_speakers": expected,
             "missed": round(score.missed, 2), "false_alarm": round(score.false_alarm, 2),
             "confusion": round(score.confusion, 2), "total": round(score.total, 2)})
        if uri == "two_speaker":
            out["der_two_speaker"] = round(score.der, 4)
        else:
            ami_total = score if ami_total is None else ami_total + score
    if ami_total is not None:
        out["der_ami"] = round(ami_total.der, 4)
    out["speakers_right"] = float(right)
    out["diarization_files"] = float(n)
    out["diarization_rtf"] = round(dia_s / audio_s, 4) if audio_s else 0.0
    report["dataset"].append(f"{len(files)} AMI/pyannote excerpts + {'1' if two else '0'} two-speaker clip")
    return out


# ------------------------------------------------------------------------------------------ preparing the data


def _git_show(repo: Path, rev: str, path: str, dest: Path) -> bool:
    """Write ``rev:path`` of the git repository at ``repo`` (a clone or a bare git dir) to ``dest``."""
    git_dir = repo / ".git" if (repo / ".git").exists() else repo
    res = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{rev}:{path}"], capture_output=True)
    if res.returncode != 0 or not res.stdout:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(res.stdout)
    return True


def _git_list(repo: Path, rev: str, prefix: str) -> list[str]:
    git_dir = repo / ".git" if (repo / ".git").exists() else repo
    res = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", rev, prefix],
                         capture_output=True, text=True)
    return res.stdout.split() if res.returncode == 0 else []


def prepare(out: Path, clones: dict[str, Path]) -> dict[str, int]:
    """Copy the eval files out of git clones (``kospeech``, ``leopard``, ``faster-whisper``, ``pyannote-audio``)
    into ``out`` in the layout ``run`` reads; returns the number of files per source."""
    counts: dict[str, int] = {}
    if "kospeech" in clones:  # the clips were deleted from the tree in 554c6e64: read the commit before it
        files = _git_list(clones["kospeech"], "554c6e64^", "data/sample/")
        counts["kspon"] = sum(_git_show(clones["kospeech"], "554c6e64^", f, out / "kspon" / Path(f).name)
                              for f in files if "label" not in f)
    if "leopard" in clones:
        files = [f for f in _git_list(clones["leopard"], "HEAD", "resources/audio_samples/")
                 if Path(f).name in ("test.wav", "test_ko.wav")] + ["resources/.test/test_data.json"]
        counts["leopard"] = sum(_git_show(clones["leopard"], "HEAD", f, out / "leopard" / Path(f).name) for f in files)
    if "faster-whisper" in clones:
        counts["fw"] = sum(_git_show(clones["faster-whisper"], "HEAD", f"tests/data/{n}", out / "fw" / n)
                           for n in ("jfk.flac", "stereo_diarization.wav"))
    if "pyannote-audio" in clones:
        names = [f"tests/data/{u}.wav" for u, _ in AMI_FILES] + [
            f"tests/data/debug.{k}.{e}" for k in ("development", "test") for e in ("rttm", "uem")] + [
            "tutorials/assets/sample.wav", "tutorials/assets/sample.rttm"]
        counts["pyannote"] = sum(_git_show(clones["pyannote-audio"], "HEAD", f, out / "pyannote" / f) for f in names)
    return counts


def main(argv: list[str] | None = None) -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--prepare", type=Path, help="build the data folder here")
    p.add_argument("--from", dest="source", type=Path, default=Path("."),
                   help="folder holding the clones kospeech/, leopard/, faster-whisper/, pyannote-audio/")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.prepare:
        clones = {k: a.source / k for k in ("kospeech", "leopard", "faster-whisper", "pyannote-audio")
                  if (a.source / k).exists()}
        print(json.dumps(prepare(a.prepare, clones)))
        return
    settings = Settings()
    if settings.asr.speech_data is None:
        print(HOW_TO_GET)
        return
    report = run(settings, Path(settings.asr.speech_data), quick=a.quick)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
