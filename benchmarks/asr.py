"""ASR benchmark: speed (RTF), peak memory, WER and speaker error on the sample meeting (and optionally a
~30-minute recording made by repeating it), for several faster-whisper configurations and a baseline.

Each configuration runs in its own process (so peak RSS is its own, read right after the stage ran and again
after scoring, since WER alignment of a long text is big), with 2 CPU threads (OMP and CTranslate2).
RTF = transcription wall time (model load excluded, shown apart) / audio duration. WER is computed with jiwer
after a small normaliser (case, punctuation, "10th"/"tenth"…). Diarization is measured once (it does not depend
on the ASR settings), and the full default pipeline (``tools.transcribe.transcribe``: VAD + word timestamps +
diarization) once, with its speaker error against the known turns.

    .venv/bin/python benchmarks/asr.py            # sample-sized runs
    .venv/bin/python benchmarks/asr.py --long     # also the ~30-minute recording (slow: tens of minutes)
    .venv/bin/python benchmarks/asr.py --only seq-b1-vad,baseline
    .venv/bin/python benchmarks/asr.py --only pipeline-default --lengths 1,14,28   # memory vs length (2, 30, 60 min)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "meeting_en.ogg"
REFERENCE = ROOT / "samples" / "meeting_en.reference.txt"
TURNS = ROOT / "samples" / "meeting_en.turns.json"
THREADS = 2

# name -> (kind, options)
CONFIGS: dict[str, tuple[str, dict]] = {
    "baseline": ("baseline", {}),  # WhisperModel(dir, cpu_threads=2).transcribe(path): library defaults
    "baseline-int8": ("baseline", {"compute_type": "int8"}),
    "seq-b1-vad": ("ours", {"beam_size": 1, "batched": False, "vad": True}),  # current settings
    "seq-b5-vad": ("ours", {"beam_size": 5, "batched": False, "vad": True}),
    "seq-b1-novad": ("ours", {"beam_size": 1, "batched": False, "vad": False}),
    "batch8-b1-vad": ("ours", {"beam_size": 1, "batched": True, "vad": True}),
    "batch8-b5-vad": ("ours", {"beam_size": 5, "batched": True, "vad": True}),
    "tiny.en-seq-b1-vad": ("ours", {"model": "tiny.en", "beam_size": 1, "batched": False, "vad": True}),
    "diarize": ("diarize", {}),
    "pipeline-default": ("pipeline", {}),  # transcribe() with the default settings, diarization included
}
LONG_CONFIGS = ("baseline-int8", "seq-b1-vad", "seq-b5-vad", "batch8-b1-vad", "diarize", "pipeline-default")


def normalise(text: str) -> str:
    t = text.lower()
    for a, b in (("10th", "tenth"), ("3rd", "third"), ("5%", "five percent"), ("on-boarding", "onboarding"),
                 ("log in", "login"), ("log-in", "login"), ("alright", "all right"), ("okay", "ok")):
        t = t.replace(a, b)
    return " ".join(re.findall(r"[a-z0-9']+", t))


def reference_text(repeat: int) -> str:
    lines = [line.split(":", 1)[1] for line in REFERENCE.read_text().splitlines() if ":" in line]
    return " ".join(lines * repeat)


def segment_speaker_accuracy(segments, ref_turns) -> float:
    """Share of segments whose speaker is the reference speaker at the segment's midpoint, under the best
    one-to-one mapping of names (Hungarian assignment on the counts)."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    def ref_at(t):
        return min(ref_turns, key=lambda r: 0 if r.start <= t <= r.end else min(abs(t - r.start), abs(t - r.end))).speaker

    pairs = [(s["speaker"], ref_at((s["start"] + s["end"]) / 2)) for s in segments]
    hyp = sorted({h for h, _ in pairs})
    ref = sorted({r for _, r in pairs})
    counts = np.zeros((len(hyp), len(ref)))
    for h, r in pairs:
        counts[hyp.index(h), ref.index(r)] += 1
    rows, cols = linear_sum_assignment(-counts)
    return float(counts[rows, cols].sum() / max(1, len(pairs)))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------------------ child process


def run_child(kind: str, options: dict, audio_path: str, repeat: int) -> dict:
    import jiwer

    from core.settings import Settings
    from tools.audio import load_audio
    from tools.diarize import Turn, diarize, speaker_error_rate

    models_dir = Settings().model_path()
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), models_dir=models_dir, use_cache=False)
    meta = json.loads(TURNS.read_text())
    one = meta["duration_s"]
    ref_turns = [Turn(t["start"] + k * one, t["end"] + k * one, t["speaker"])
                 for k in range(repeat) for t in meta["turns"]]
    out: dict = {}
    if kind == "diarize":
        audio = load_audio(audio_path)
        t0 = time.perf_counter()
        turns = diarize(audio)
        out["seconds"] = time.perf_counter() - t0
        out["stage_rss_mb"] = peak_rss_mb()
        out["audio_s"] = len(audio) / 16000
        out["speakers"] = len({t.speaker for t in turns})
        out["speaker_error"] = speaker_error_rate(ref_turns, turns)
    elif kind == "baseline":
        from faster_whisper import WhisperModel

        from tools.asr_models import resolve_model

        t0 = time.perf_counter()
        model = WhisperModel(resolve_model(settings), cpu_threads=THREADS, **options)
        out["load_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        segments, info = model.transcribe(audio_path)
        hyp = " ".join(s.text for s in segments)
        out["seconds"] = time.perf_counter() - t0
        out["stage_rss_mb"] = peak_rss_mb()
        out["audio_s"] = info.duration
        out["language"] = f"{info.language} {info.language_probability:.2f}"
    else:
        from tools import transcribe as tr

        for k, v in options.items():
            setattr(settings.asr, k, v)
        settings.asr.diarize = kind == "pipeline"
        settings.asr.cpu_threads = THREADS
        t0 = time.perf_counter()
        tr.load_model(settings)
        out["load_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = tr.transcribe(Path(audio_path), settings)
        out["seconds"] = time.perf_counter() - t0
        out["stage_rss_mb"] = peak_rss_mb()  # the stage's own peak, before scoring (jiwer on long texts is big)
        out["audio_s"] = result.duration_s
        out["language"] = f"{result.language} {result.language_probability:.2f}"
        hyp = " ".join(s["text"] for s in result.segments)
        if kind == "pipeline":
            hyp_turns = [Turn(s["start"], s["end"], s["speaker"]) for s in result.segments]
            out["speakers"] = len({s["speaker"] for s in result.segments})
            out["speaker_error"] = speaker_error_rate(ref_turns, hyp_turns)
            out["segment_speaker_accuracy"] = segment_speaker_accuracy(result.segments, ref_turns)
    if kind != "diarize":
        out["wer"] = jiwer.wer(normalise(reference_text(repeat)), normalise(hyp))
    out["rtf"] = out["seconds"] / out["audio_s"]
    out["peak_rss_mb"] = peak_rss_mb()
    return out


# ------------------------------------------------------------------------------------------------ driver


def make_long(tmp: Path, repeat: int) -> Path:
    import numpy as np

    from tools.audio import load_audio

    one = load_audio(SAMPLE)
    path = tmp / f"meeting_x{repeat}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        pcm = (np.clip(one, -1, 1) * 32767).astype(np.int16).tobytes()
        for _ in range(repeat):
            w.writeframes(pcm)
    return path


def run(name: str, audio: Path, repeat: int) -> dict:
    kind, options = CONFIGS[name]
    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS), OPENBLAS_NUM_THREADS=str(THREADS),
               MKL_NUM_THREADS=str(THREADS), PYTHONPATH=str(ROOT))
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps([kind, options, str(audio), repeat])],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"rc {proc.returncode}"}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_avg"] = load
    return result


def fmt(name: str, r: dict) -> str:
    if "error" in r:
        return f"{name:22s} ERROR {r['error']}"
    parts = [f"{name:22s}", f"audio {r['audio_s']:7.1f}s", f"run {r['seconds']:7.1f}s", f"RTF {r['rtf']:.3f}"]
    if "load_s" in r:
        parts.append(f"load {r['load_s']:4.1f}s")
    parts.append(f"RSS {r.get('stage_rss_mb', r['peak_rss_mb']):6.0f}MB (with scoring {r['peak_rss_mb']:.0f})")
    if "wer" in r:
        parts.append(f"WER {100 * r['wer']:5.1f}%")
    if "speaker_error" in r:
        parts.append(f"spk-err {100 * r['speaker_error']:4.1f}% ({r['speakers']} spk)")
    if "segment_speaker_accuracy" in r:
        parts.append(f"seg-spk-acc {100 * r['segment_speaker_accuracy']:5.1f}%")
    if "language" in r:
        parts.append(f"lang {r['language']}")
    parts.append(f"[load avg {r['load_avg']:.1f}]")
    return "  ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--long", action="store_true", help="also run the ~30-minute recording")
    ap.add_argument("--only", help="comma-separated config names")
    ap.add_argument("--lengths", help="comma-separated repeat counts of the sample (e.g. 1,14,28): run the chosen "
                                      "configs on each, to see memory and speed as the recording grows")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, options, audio, repeat = json.loads(args.child)
        print(json.dumps(run_child(kind, options, audio, repeat)))
        return
    names = args.only.split(",") if args.only else list(CONFIGS)
    print(f"# {os.cpu_count()} CPUs on this machine, {THREADS} threads per run; sample {SAMPLE.name}")
    if args.lengths:
        with tempfile.TemporaryDirectory() as tmp:
            for repeat in [int(n) for n in args.lengths.split(",")]:
                audio = SAMPLE if repeat == 1 else make_long(Path(tmp), repeat)
                for name in names:
                    print(fmt(f"{name} x{repeat}", run(name, audio, repeat)), flush=True)
                if audio != SAMPLE:
                    audio.unlink()
        return
    for name in names:
        print(fmt(name, run(name, SAMPLE, 1)), flush=True)
    if args.long:
        with tempfile.TemporaryDirectory() as tmp:
            repeat = 14
            long = make_long(Path(tmp), repeat)
            print(f"# long: the sample repeated {repeat}x")
            for name in [n for n in names if n in LONG_CONFIGS]:
                print(fmt(name + " (long)", run(name, long, repeat)), flush=True)


if __name__ == "__main__":
    main()
