"""Where the tests find the shared, read-only data sets (PAN, Reuters, impresso).

The data lives beside the checkout in ``shared/data`` (``../shared/data`` for a checkout at
``/work/main``; a worktree nested deeper finds the same folder further up). A test that
needs a data set calls :func:`shared_data`: it skips, saying which path is absent, only when
the data is not there; when it is there the test runs, and fails if the answer is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).resolve()

SHARED_DATA = next(
    (p / "shared" / "data" for p in _HERE.parents[1:] if (p / "shared" / "data").is_dir()),
    _HERE.parents[1].parent / "shared" / "data",
)
"""The shared data folder: the nearest ``shared/data`` above the checkout."""


def shared_data(name: str) -> Path:
    """Return the data set ``name`` under :data:`SHARED_DATA`, or skip saying it is absent."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"data set {name!r} absent: {path}")
    return path
