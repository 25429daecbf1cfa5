"""The installed version of ``lineage``, read from the package metadata.

Examples
--------
>>> from lineage.version import __version__
>>> __version__.count(".") >= 2
True
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lineage")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
