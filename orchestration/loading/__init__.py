"""Loading landing files into the `raw` schema with COPY and set-based validation."""

from orchestration.loading.landing import Landing, discover
from orchestration.loading.loader import FileLoad, load_file, load_files, reject_file

__all__ = ["FileLoad", "Landing", "discover", "load_file", "load_files", "reject_file"]
