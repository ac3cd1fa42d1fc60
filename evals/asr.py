"""ASR eval: word error rate and speaker attribution on the sample recording.

Audio: ``samples/meeting_en.ogg`` (127 s, three synthetic English voices). References:
``samples/meeting_en.reference.txt`` (the script; speaker names are stripped) and
``samples/meeting_en.turns.json`` (who spoke when).

The recording goes through ``tools.transcribe.transcribe`` exactly as ``minutes process`` runs it (the
configured ASR model and settings, diarization on), in a temporary data dir with the transcript cache
off, so the numbers are measured, never served from a cache.

Metrics:
* ``wer``: jiwer word error rate after lowercasing and removing punctuation (numbers are not normalised:
  "tenth" vs "10th" counts as an error);
* ``speaker_error``: ``tools.diarize.speaker_error_rate`` between the reference turns and the segments'
  speakers (share of reference speech time attributed to the wrong speaker after the best one-to-one
  mapping, plus missed speech; no collar);
* ``speakers_found`` vs the reference count, and the real-time factor (seconds per audio second).

Real human speech (``evals.speech``): when ``asr.speech_data`` (``MINUTES_ASR__SPEECH_DATA``) names a folder of
public recordings (KsponSpeech Korean conversation, Leopard ko/en clips, JFK, AMI excerpts), their metrics join
the table with a ``real.`` prefix: Korean CER, English WER, language-detection errors, segment languages on a
mixed ko/en recording, DER and RTF. Unset (as in CI), the dataset column says how to get the data.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from core.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
AUDIO = SAMPLES / "meeting_en.ogg"
REFERENCE = SAMPLES / "meeting_en.reference.txt"
TURNS = SAMPLES / "meeting_en.turns.json"


def reference_text(path: Path = REFERENCE) -> str:
    """The script without its "Speaker Name:" prefixes."""
    lines = [re.sub(r"^[^:]{1,40}:\s*", "", line).strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return " ".join(line for line in lines if line)


def normalize(text: str) -> str:
    """Lowercase, punctuation removed (apostrophes inside words kept), single spaces."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)
    return " ".join(text.split())


def word_error_rate(reference: str, hypothesis: str) -> dict[str, float]:
    import jiwer

    ref, hyp = normalize(reference), normalize(hypothesis)
    out = jiwer.process_words(ref, hyp)
    return {"wer": round(out.wer, 4), "substitutions": out.substitutions, "deletions": out.deletions,
            "insertions": out.insertions, "reference_words": len(ref.split())}


def reference_turns(path: Path = TURNS):
    from tools.diarize import Turn

    data = json.loads(path.read_text(encoding="utf-8"))
    return [Turn(float(t["start"]), float(t["end"]), t["speaker"]) for t in data["turns"]]


def hypothesis_turns(segments: list[dict]):
    from tools.diarize import Turn

    return [Turn(float(s["start"]), float(s["end"]), s["speaker"] or "?") for s in segments]


def run(settings: Settings | None = None, *, quick: bool = False, audio: Path = AUDIO) -> dict[str, Any]:
    """Transcribe the sample recording and score it; returns {metrics, dataset, size, seconds, tokens, …}.

    ``quick`` changes nothing (the sample is short); it is accepted for the runner's uniform call.
    """
    from tools.diarize import speaker_error_rate
    from tools.transcribe import transcribe

    base = settings or Settings()
    with tempfile.TemporaryDirectory(prefix="minutes-eval-asr-") as tmp:
        s = base.model_copy(update={"data_dir": Path(tmp), "models_dir": base.model_path(), "use_cache": False},
                            deep=True)
        started = time.perf_counter()
        result = transcribe(audio, s, cache=None)
        seconds = time.perf_counter() - started
    hyp_text = " ".join(seg["text"] for seg in result.segments)
    real = _real_speech(base, quick)
    wer = word_error_rate(reference_text(), hyp_text)
    ref_turns = reference_turns()
    hyp = hypothesis_turns(result.segments)
    metrics = {
        "wer": wer["wer"],
        "speaker_error": round(speaker_error_rate(ref_turns, hyp), 4),
        "speakers_found": float(len({t.speaker for t in hyp})),
        "speakers_reference": float(len({t.speaker for t in ref_turns})),
        "rtf": round(seconds / result.duration_s, 4) if result.duration_s else 0.0,
    }
    metrics.update({f"real.{k}": v for k, v in real.get("metrics", {}).items()})
    dataset = f"samples/{audio.name} ({result.duration_s:.0f} s, en)"
    dataset += "; real speech: " + ("; ".join(real["dataset"]) if real.get("dataset") else real["note"])
    return {"metrics": metrics, "dataset": dataset, "size": 1 + int(real.get("metrics", {}).get("language_clips", 0)),
            "seconds": round(seconds, 1), "tokens": {}, "model": f"whisper {s.asr.model} ({s.asr.compute_type})",
            "language": result.language, "wer_detail": wer, "warnings": result.warnings + real.get("warnings", []),
            "hypothesis": hyp_text, "real_speech": real}


def _real_speech(settings: Settings, quick: bool) -> dict[str, Any]:
    """``evals.speech`` over ``asr.speech_data``, or a note saying how to get the data when it is not set."""
    from evals import speech

    root = settings.asr.speech_data
    if root is None:
        return {"note": "not set (MINUTES_ASR__SPEECH_DATA; python -m evals.speech says how to get it)",
                "warnings": [speech.HOW_TO_GET]}
    root = Path(root).expanduser()
    if not root.is_dir():
        return {"note": f"{root} is not a folder", "warnings": [speech.HOW_TO_GET]}
    report = speech.run(settings, root, quick=quick)
    report["note"] = str(root)
    return report


if __name__ == "__main__":
    report = run()
    print(f"asr eval: {report['dataset']}, model {report['model']}, {report['seconds']} s")
    for w in report["real_speech"].get("warnings", []):
        print(w)
    for k, v in report["metrics"].items():
        print(f"  {k:<20} {v:.4g}")
    print(f"  detail {report['wer_detail']}")
