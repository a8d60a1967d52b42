"""User-facing errors: one clear message, exit status 2, no traceback."""

from __future__ import annotations


class NettxError(Exception):
    """An error the user can fix (bad input, bad option). The CLI prints it and exits 2."""

    exit_code = 2


class CohortError(NettxError):
    """The cohort file does not match the data dictionary."""


class NotebookFailed(NettxError):
    """A notebook raised while papermill executed it."""

    exit_code = 1
