"""Fixtures shared by the command-line and fault-injection tests."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture
def bound_by_permissions() -> list[str]:
    """Return a command prefix under which file permissions really deny access.

    Root passes every permission check (CAP_DAC_OVERRIDE), so a ``chmod 000`` test run as
    root would test nothing; ``setpriv`` drops those two capabilities from the child.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions would not bind")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
