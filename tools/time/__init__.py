"""Deterministic Korean + English time expressions: the public API.

``resolve`` / ``find_all`` (windows), ``due_date`` (deadlines), ``parse_duration`` / ``find_durations``,
``find_recurrences`` ("매주 화요일", "every other Monday"), ``when_json`` / ``when_batch`` (the CLI), and the
holiday helpers used by slot finding. Modules: ``core`` (pieces, windows, combination rules), ``windows``
(windows both languages share), ``en`` / ``ko`` (lexers), ``lexicon`` (word lists from ``lexicons/``),
``holiday`` (the ``holidays`` package), ``resolver``, ``recurrence``.
"""

from tools.time.holiday import country_of_zone, is_holiday, is_working_day, next_working_day, public_holidays
from tools.time.recurrence import Recurrence, find_recurrences
from tools.time.resolver import (
                                 TimeExpression,
                                 detect_lang,
                                 due_date,
                                 find_all,
                                 find_durations,
                                 parse_duration,
                                 resolve,
                                 when_batch,
                                 when_json,
)

__all__ = ["TimeExpression", "Recurrence", "resolve", "find_all", "due_date", "parse_duration", "find_durations",
           "find_recurrences", "when_json", "when_batch", "detect_lang", "country_of_zone", "is_holiday",
           "is_working_day", "next_working_day", "public_holidays"]
