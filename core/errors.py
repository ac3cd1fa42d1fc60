"""Errors a user can act on. Each carries a one-line message and a hint; the CLI prints both, no traceback."""

from __future__ import annotations


class MinutesError(Exception):
    """Base for every error Minutes reports to a person. ``exit_code`` 2 means bad input."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # one line, always
        return self.message.replace("\n", " ")


class InputError(MinutesError):
    """The user's input (file, flag, time zone, attendee) is unusable."""

    exit_code = 2


class ModelError(MinutesError):
    """A model could not be assembled, started, or gave unusable output after repair."""


class ModelAnswerError(ModelError):
    """A model is there but this answer is lost: invalid after repair, cut off, or past the stage's timeout.
    A caller may do without that one answer (and say so); a model that cannot be reached is a ``ModelError``."""


class AssetError(ModelError):
    """Embedded model weights are missing, incomplete or fail their checksum."""


class CalendarError(MinutesError):
    """A calendar backend refused or failed an operation."""
