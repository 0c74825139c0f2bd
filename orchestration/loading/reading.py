"""Reading a landing file: encoding, header and the data lines that go to COPY.

Files are read whole (the largest monthly settlement file of a prefecture is a few hundred MB).
The common case, a file without quotes or carriage returns, is handed to PostgreSQL untouched
and split into fields there; only files that need a real CSV parser go through Python's `csv`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

# PostgreSQL's names for the encodings we accept, in the order we try them.
_ENCODINGS = (("utf-8", "UTF8"), ("gb18030", "GB18030"))


class RejectedFile(Exception):
    """The file cannot be read as a whole; nothing of it is loaded."""

    def __init__(self, message: str, sha256: str | None = None):
        super().__init__(message)
        self.sha256 = sha256


@dataclass
class LandingFile:
    path: Path
    sha256: str
    encoding: str  # PostgreSQL's name of the file's encoding
    header: list[str]  # lower-cased column names in file order
    data: bytes = b""  # the lines after the header, raw: PostgreSQL splits them
    records: list[tuple[int, str, list[str]]] = field(default_factory=list)  # parsed by Python

    @property
    def parsed_in_python(self) -> bool:
        return bool(self.records)


def read_landing_file(path: Path, required: list[str]) -> LandingFile:
    """Decode `path`, check its header against the `required` columns and split off the data."""
    raw = path.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        return _split(path, raw, sha256, required)
    except RejectedFile as problem:
        raise RejectedFile(str(problem), sha256) from None


def _split(path: Path, raw: bytes, sha256: str, required: list[str]) -> LandingFile:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    if not raw.strip():
        raise RejectedFile("empty file: no header row")
    if b"\x00" in raw:
        raise RejectedFile("not a CSV text file (contains NUL bytes)")
    python_encoding, encoding = _detect_encoding(raw)
    header_end = raw.find(b"\n")
    header_bytes = raw if header_end < 0 else raw[:header_end]
    header = _parse_header(header_bytes.decode(python_encoding), required)
    data = b"" if header_end < 0 else raw[header_end + 1:]
    landing = LandingFile(path, sha256, encoding, header)
    if _needs_csv_parser(data):
        landing.records = _parse_records(data.decode(python_encoding))
    else:
        landing.data = data
    return landing


def _detect_encoding(raw: bytes) -> tuple[str, str]:
    for python_name, postgres_name in _ENCODINGS:
        try:
            raw.decode(python_name)
        except UnicodeDecodeError:
            continue
        return python_name, postgres_name
    raise RejectedFile("unknown encoding: neither UTF-8 nor GB18030")


def _parse_header(line: str, required: list[str]) -> list[str]:
    header = [name.strip().lower() for name in next(csv.reader([line.rstrip("\r")]), [])]
    missing = [name for name in required if name not in header]
    if missing:
        raise RejectedFile(f"missing required column(s): {', '.join(missing)} (header: {line.strip()[:200]})")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise RejectedFile(f"repeated column(s) in header: {', '.join(repeated)}")
    return header


def _needs_csv_parser(data: bytes) -> bool:
    """Quotes, carriage returns or our COPY delimiters need Python's CSV parser.

    The bytes tested never occur inside a multi-byte UTF-8 or GB18030 character.
    """
    return any(marker in data for marker in (b'"', b"\r", b"\x1e", b"\x1f"))


def _parse_records(text: str) -> list[tuple[int, str, list[str]]]:
    """(line number, raw text, fields) of each non-blank record; the header is line 1."""
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines)
    records = []
    consumed = 1  # physical lines read so far, counting the header
    raw_lines = text.split("\n")
    for fields in reader:
        first = consumed + 1
        consumed = reader.line_num + 1
        if not fields or fields == [""]:
            continue
        raw_text = "\n".join(raw_lines[first - 2:consumed - 1]).rstrip("\r")
        records.append((first, raw_text, fields))
    return records
