"""lineage: find reused text in a corpus and infer where each text came from."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lineage")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
