"""The exceptions and warnings that ``lineage`` raises.

Every message says what is wrong, where (file and line when there is one), what was
received and what to try. Quoted input is shortened with :func:`shorten` so that a
large document never floods a traceback.
"""

from __future__ import annotations


class LineageError(Exception):
    """Base class of every error ``lineage`` raises on purpose."""


class CorpusError(LineageError):
    """A corpus could not be read at all (missing path, nothing usable inside)."""


class ParameterError(LineageError, ValueError):
    """A parameter is out of its range or of the wrong kind."""


class OutputError(LineageError):
    """An output could not be written (bad ``--out``, disk full, no permission).

    The previous complete outputs are kept whenever this is raised. ``cause`` is the
    operating system's error, when there is one.
    """

    def __init__(self, message: str, cause: OSError | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class LineageWarning(UserWarning):
    """Something was read or computed with a caveat the user should know about."""


def shorten(value: object, limit: int = 60) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters for use inside a message.

    Examples
    --------
    >>> shorten("x" * 100, limit=12)
    "'xxxxxxx...'"
    >>> shorten(1.5)
    '1.5'
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    return text[: limit - 4] + "..." + text[-1]


def check_fraction(name: str, value: float) -> float:
    """Return ``value`` if it lies in [0, 1], else raise a :class:`ParameterError`.

    Examples
    --------
    >>> check_fraction("threshold", 0.5)
    0.5
    >>> check_fraction("threshold", 1.5)
    Traceback (most recent call last):
    ...
    lineage.errors.ParameterError: 'threshold' must be in [0, 1] (got 1.5)
    """
    if not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise ParameterError(f"{name!r} must be in [0, 1] (got {shorten(value)})")
    return float(value)


def check_positive_int(name: str, value: int) -> int:
    """Return ``value`` if it is an int >= 1, else raise a :class:`ParameterError`.

    Examples
    --------
    >>> check_positive_int("n", 5)
    5
    >>> check_positive_int("n", 0)
    Traceback (most recent call last):
    ...
    lineage.errors.ParameterError: 'n' must be a whole number >= 1 (got 0)
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"{name!r} must be a whole number >= 1 (got {shorten(value)})")
    return value
