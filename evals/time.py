"""Eval of the time resolver on the Recognizers-Text DateTimeModel specs (Korean and English).

Data: ``Settings().eval_data_dir() / "time/recognizers-text"`` (``Korean-DateTimeModel.json``,
``English-DateTimeModel.json``; MIT, Microsoft). Each case has an Input, a ReferenceDateTime and Results;
each result lists one or more alternative resolutions (e.g. the past and the future Friday).

Metric: exact window match. The resolver runs with ``convention="recognizers"`` (their part-of-day hours
and their "A to B" date-range end; see ``tools.time.core``) in UTC with ``now`` = ReferenceDateTime.
A gold result counts as found when any expression from ``find_all`` (or, for durations, any duration
from ``find_durations``) matches any of its alternative values:

* date ``D``            -> our [start, end) == [D 00:00, D+1 00:00)
* daterange ``(S, E)``  -> our [start, end) == [S, E) (either side may be open: None == None)
* datetime ``V``        -> our start == V; a ``23:59:59`` value is their end-of-day: our end == V + 1 s
* datetimerange         -> our [start, end) == [S, E), ``23:59:59`` -> next midnight
* time ``T``            -> our start's clock time == T
* timerange ``(S, E)``  -> our start's / end's clock times == S / E (None == None)
* a range given only as a ``value`` (approximate: "around 1pm", "10시쯤") -> scored as that point
  (date, datetime or time) above; a ``not resolved`` value never matches
* duration ``n`` s      -> a duration in the input of n seconds (months = 30 days, years = 365 days)
* set (recurrence)      -> a recurrence from ``tools.time.recurrence.find_recurrences`` whose TIMEX3-style
  ``timex`` equals the gold ``timex`` exactly (``P1W``, ``XXXX-WXX-1T16``, ``T15``, ``XXXX-XX-19``)
* timezone -> not supported by the resolver: always missed, reported as such.

Under that convention ``find_all`` also returns the split readings of a combined phrase ("lunch tomorrow" ->
also "lunch" and "tomorrow"), as the specs often list the parts; extra readings can only add matches, so
``case_accuracy_without_splits`` (combined phrases only) is reported beside the headline.

A case is right when all its gold results are found; a case with no gold result is right when we find
nothing. ``run`` returns per language: case and result accuracy, accuracy by type, the number of cases
(with gold results) where we returned nothing, and false positives on cases without any.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from core.settings import Settings
from tools.time import TimeExpression, find_all, find_durations, find_recurrences

FILES = {"ko": "Korean-DateTimeModel.json", "en": "English-DateTimeModel.json"}
UNSUPPORTED_TYPES = {"timezone"}


def _dt(s: str | None) -> datetime | None:
    if s is None:
        return None
    s = s.strip()
    d = datetime.fromisoformat(s) if "T" in s or " " in s else datetime.fromisoformat(s + "T00:00:00")
    if d.time() == time(23, 59, 59):
        d += timedelta(seconds=1)
    return d


def _tod(s: str | None) -> time | None:
    if s is None:
        return None
    return time.fromisoformat(s.strip())


def _naive(d: datetime | None) -> datetime | None:
    return d.replace(tzinfo=None) if d is not None else None


def value_matches(v: dict, e: TimeExpression) -> bool:
    """Does our expression ``e`` give the window of one gold alternative ``v``?"""
    typ = v.get("type")
    s, en = _naive(e.start), _naive(e.end)
    try:
        if typ == "date":
            d = _dt(v["value"])
            return s == d and en == d + timedelta(days=1)
        if typ in ("daterange", "datetimerange", "timerange") and "start" not in v and "end" not in v:
            # an approximate point ("around 1pm", "내일 오전 10시쯤"): its value, read as a point of that grain
            raw = v.get("value", "")
            point = {"daterange": "date", "datetimerange": "datetime", "timerange": "time"}[typ]
            if typ == "daterange" and " " in raw.strip():
                point = "datetime"
            return value_matches({"type": point, "value": raw}, e)
        if typ in ("daterange", "datetimerange"):
            return s == _dt(v.get("start")) and en == _dt(v.get("end"))
        if typ == "datetime":
            raw = v["value"].strip()
            d = _dt(raw)
            if raw.endswith("23:59:59"):
                return en == d or s == d - timedelta(seconds=1)
            return s == d
        if typ == "time":
            return s is not None and s.time() == _tod(v["value"])
        if typ == "timerange":
            gs, ge = _tod(v.get("start")), _tod(v.get("end"))
            return (s.time() if s else None) == gs and (en.time() if en else None) == ge
    except (KeyError, ValueError, TypeError):
        return False
    return False


def _load(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8-sig"))


def evaluate_language(cases: list[dict], lang: str, limit: int | None = None, *, splits: bool = True) -> dict[str, Any]:
    by_type_total: Counter[str] = Counter()
    by_type_ok: Counter[str] = Counter()
    n_cases = n_right = n_results = n_found = no_result = fp = empty_cases = skipped = 0
    failures: list[dict] = []
    for case in cases[: limit or None]:
        ref = (case.get("Context") or {}).get("ReferenceDateTime")
        if not ref:
            skipped += 1
            continue
        now = datetime.fromisoformat(ref)
        text = case["Input"]
        exprs = find_all(text, now, "UTC", lang, convention="recognizers", splits=splits)
        durations = [d.total_seconds() for d in find_durations(text, lang)]
        recurrences = {r.timex for r in find_recurrences(text, lang)}
        gold = case.get("Results") or []
        n_cases += 1
        if not gold:
            empty_cases += 1
            if exprs:
                fp += 1
                failures.append({"input": text, "gold": [], "ours": [x.to_json() for x in exprs]})
            else:
                n_right += 1
            continue
        if not exprs and not durations:
            no_result += 1
        all_ok = True
        for r in gold:
            values = (r.get("Resolution") or {}).get("values") or []
            typ = values[0].get("type") if values else (r.get("TypeName") or "?").split(".")[-1]
            by_type_total[typ] += 1
            n_results += 1
            if typ == "duration":
                ok = any(abs(dur - float(v.get("value", "nan"))) < 1e-6 for v in values for dur in durations
                         if _is_num(v.get("value")))
            elif typ == "set":
                ok = any(v.get("timex") in recurrences for v in values)
            elif typ in UNSUPPORTED_TYPES:
                ok = False
            else:
                ok = any(value_matches(v, e) for v in values for e in exprs)
            if ok:
                by_type_ok[typ] += 1
                n_found += 1
            else:
                all_ok = False
        if all_ok:
            n_right += 1
        else:
            failures.append({"input": text, "ref": ref,
                             "gold": [(r.get("Text"), [(v.get("type"), v.get("value") or (v.get("start"), v.get("end")))
                                                       for v in (r.get("Resolution") or {}).get("values") or []])
                                      for r in gold],
                             "ours": [x.to_json() for x in exprs], "durations": durations,
                             "recurrences": sorted(recurrences)})
    in_scope_total = sum(c for t, c in by_type_total.items() if t not in UNSUPPORTED_TYPES)
    in_scope_ok = sum(c for t, c in by_type_ok.items() if t not in UNSUPPORTED_TYPES)
    return {
        "cases": n_cases,
        "case_accuracy": n_right / n_cases if n_cases else 0.0,
        "results": n_results,
        "result_accuracy": n_found / n_results if n_results else 0.0,
        "in_scope_result_accuracy": in_scope_ok / in_scope_total if in_scope_total else 0.0,
        "by_type": {t: {"total": by_type_total[t], "right": by_type_ok[t],
                        "accuracy": by_type_ok[t] / by_type_total[t]} for t in sorted(by_type_total)},
        "no_result": no_result,
        "empty_cases": empty_cases,
        "false_positives_on_empty": fp,
        "skipped_without_reference": skipped,
        "failures": failures,
    }


def _is_num(s: Any) -> bool:
    try:
        float(s)
        return True
    except (TypeError, ValueError):
        return False


def run(eval_data_dir: Path | str | None = None, limit: int | None = None) -> dict[str, Any]:
    """Metrics per language ("ko", "en") on the Recognizers-Text DateTimeModel specs."""
    base = Path(eval_data_dir) if eval_data_dir else Settings().eval_data_dir()
    folder = base / "time" / "recognizers-text"
    out: dict[str, Any] = {}
    for lang, name in FILES.items():
        path = folder / name
        if not path.exists():
            from core.errors import InputError

            raise InputError(f"Eval data not found: {path}", hint="Set MINUTES_EVAL_DATA to the evals-data folder.")
        cases = _load(path)
        out[lang] = evaluate_language(cases, lang, limit)
        # Split readings (the parts of a combined phrase, also returned) can only add matches; the accuracy
        # without them is reported beside the headline so nobody mistakes one for the other.
        out[lang]["case_accuracy_without_splits"] = evaluate_language(cases, lang, limit, splits=False)["case_accuracy"]
        if lang == "ko":
            # Korean is often typed without spaces ("다음주화요일오후"): the same cases with every space removed
            squashed = [{**c, "Input": re.sub(r"\s+", "", c.get("Input", ""))} for c in cases]
            out[lang]["case_accuracy_spacing_free"] = evaluate_language(squashed, lang, limit)["case_accuracy"]
    return out


def main() -> None:
    import sys

    res = run()
    print(f"{'lang':4} {'cases':>5} {'case acc':>8} {'results':>7} {'res acc':>7} {'in-scope':>8} {'no result':>9} {'FP/empty':>9}")
    for lang, m in res.items():
        print(f"{lang:4} {m['cases']:5d} {m['case_accuracy']:8.1%} {m['results']:7d} {m['result_accuracy']:7.1%} "
              f"{m['in_scope_result_accuracy']:8.1%} {m['no_result']:9d} {m['false_positives_on_empty']:4d}/{m['empty_cases']:<4d}")
    print()
    print(f"{'lang':4} {'type':14} {'right':>5} / {'total':<5} {'acc':>6}")
    for lang, m in res.items():
        for t, v in m["by_type"].items():
            print(f"{lang:4} {t:14} {v['right']:5d} / {v['total']:<5d} {v['accuracy']:6.1%}")
    if "-v" in sys.argv:
        for lang, m in res.items():
            for f in m["failures"]:
                print(lang, json.dumps(f, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()


# ------------------------------------------------------------------------------------- meeting phrases
MEETING_FILE = Path(__file__).with_name("time_meeting_phrases.jsonl")
MEETING_NOW = "2026-11-26T10:00:00+09:00"  # a Thursday
MEETING_ZONE = "Asia/Seoul"


def run_meeting_phrases(path: Path | str | None = None) -> dict[str, Any]:
    """Accuracy on phrases people say in meetings (written for this project, ko + en, one family each:
    clock, offset, zone, period, spacing, sino, weekday_year, holiday, meeting), product convention, said on
    Thu 2026-11-26 10:00 in Seoul. A phrase is right when ``resolve`` gives exactly its kind and window."""
    from tools.time import resolve

    now = datetime.fromisoformat(MEETING_NOW)
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    failures: list[dict] = []
    for line in Path(path or MEETING_FILE).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        e = resolve(case["text"], now, MEETING_ZONE, case["lang"])
        got = (e.kind, e.start.strftime("%Y-%m-%dT%H:%M") if e and e.start else None,
               e.end.strftime("%Y-%m-%dT%H:%M") if e and e.end else None) if e else None
        ok = got == (case["kind"], case["start"], case["end"])
        for key in (f"family.{case['family']}", f"lang.{case['lang']}", "all"):
            total[key] += 1
            right[key] += ok
        if not ok:
            failures.append({"text": case["text"], "expected": [case["kind"], case["start"], case["end"]], "got": got})
    return {"accuracy": {k: right[k] / total[k] for k in sorted(total)}, "counts": dict(total), "failures": failures}
