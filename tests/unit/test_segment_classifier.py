"""The segment router's bundled bilingual dataset and its lexical cues (no model)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from core.errors import InputError
from core.meeting import LABELS
from tools.segment_classifier import CUE_NAMES, lexical_cues, load_dataset


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return load_dataset()


def test_dataset_is_large_bilingual_and_covers_every_label(rows):
    assert len(rows) >= 500
    langs = Counter(r["lang"] for r in rows)
    assert set(langs) == {"ko", "en"}
    assert min(langs.values()) / len(rows) > 0.4  # about half each
    for lang in ("ko", "en"):
        for split in ("train", "test"):
            got = {r["label"] for r in rows if r["lang"] == lang and r["split"] == split}
            assert got == set(LABELS), (lang, split, got)
    test_share = sum(r["split"] == "test" for r in rows) / len(rows)
    assert 0.15 <= test_share <= 0.25


def test_dataset_has_no_duplicates_and_disjoint_splits(rows):
    texts = [r["text"].strip().lower() for r in rows]
    assert len(texts) == len(set(texts))
    train = {r["text"] for r in rows if r["split"] == "train"}
    test = {r["text"] for r in rows if r["split"] == "test"}
    assert train and test and not train & test
    assert all(r["text"].strip() == r["text"] and r["text"] for r in rows)


def test_injection_lines_are_never_labelled_scheduling(rows):
    injections = [r for r in rows if r.get("injection")]
    assert len(injections) >= 20
    assert {r["lang"] for r in injections} == {"ko", "en"}
    assert {r["label"] for r in injections} <= {"content", "small_talk"}
    assert any(r["split"] == "test" for r in injections)


def test_load_dataset_rejects_a_bad_row(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "hi", "label": "chitchat", "lang": "en", "split": "train"}) + "\n")
    with pytest.raises(InputError):
        load_dataset(bad)
    with pytest.raises(InputError):
        load_dataset(tmp_path / "missing.jsonl")


def test_lexical_cues_fire_on_their_words():
    cues = dict(zip(CUE_NAMES, lexical_cues(["I'll send the report tomorrow."])[0]))
    assert cues["first_person_will"] == 1 and cues["date"] == 1 and cues["meet"] == 0
    ko = dict(zip(CUE_NAMES, lexical_cues(["어, 그 오타는 제가 바로 고칠게요."])[0]))
    assert ko["ko_promise"] == 1 and ko["owner"] == 1
    assert dict(zip(CUE_NAMES, lexical_cues(["다음 주 화요일에 회의 잡죠"])[0]))["meet"] == 1
    assert dict(zip(CUE_NAMES, lexical_cues(["I emailed it again, she said fine"])[0]))["instruction_to_ai"] == 0
    assert lexical_cues([]).shape == (0, len(CUE_NAMES))
