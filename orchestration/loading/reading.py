"""Reading a landing file in bounded memory: what it is, then its rows for COPY.

A file is read twice, a chunk at a time, never whole. `inspect` reads it once to find its
encoding (UTF-8 with or without BOM, GB18030, UTF-16 with a BOM, which is sent on as UTF-8),
its header and delimiter (comma, tab or semicolon), its line ends and its shape, or rejects it
with a message that names what was found and quotes none of its rows. Then the loader reads
it again through `LandingFile.data()` (the bytes after the header, which PostgreSQL's COPY
splits into lines and fields) or, for a file with quotes, `LandingFile.records()` (Python's
CSV parser, record by record). A DOS end-of-file byte (0x1A) at the end is not data.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 8 << 20
MAX_HEADER = 64 << 10
DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}
EOF_MARKER = b"\x1a"
SYMBOLIC_LINK = "a symbolic link: landing files must be regular files"
# How COPY gets the rows (loading/validation_sql.py): split into the header's columns by COPY
# itself; by line, split into fields in SQL; or parsed into fields by Python's CSV parser.
COLUMNS, LINES, PARSED = "columns", "lines", "parsed"

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF8, "UTF-8"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
_SIGNATURES = ((b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one)"),
               (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
               (b"%PDF", "a PDF document"), (b"\x1f\x8b", "gzip-compressed data"))
# Full-width digits and the signs written with them (０-９ ． － ／ ：): U+FF0D-U+FF1A in UTF-8,
# row A3 (cells AD-BA) in GB18030. The GB18030 pattern may also match inside other characters
# of a UTF-8 file, which only costs the file its normalising in SQL.
_FULL_WIDTH = {"UTF8": re.compile(rb"\xef\xbc[\x8d-\x9a]"), "GB18030": re.compile(rb"\xa3[\xad-\xba]")}
_LONE_CR = re.compile(rb"\r[^\n]")  # a carriage return with another byte after it
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")


class RejectedFile(Exception):
    """The file cannot be read as a whole; nothing of it is loaded."""

    def __init__(self, message: str, sha256: str | None = None):
        super().__init__(message)
        self.sha256 = sha256


@dataclass(frozen=True)
class LandingFile:
    path: Path
    sha256: str
    encoding: str  # PostgreSQL's name of the data's encoding: UTF8 or GB18030
    header: list[str]  # lower-cased column names in file order
    header_line: str  # the header row as written, without its line end
    delimiter: str
    shape: str  # COLUMNS, LINES or PARSED
    full_width: bool  # holds full-width digits, which the SQL normalises
    _stream: tuple  # (path, python codec, bytes of BOM) to read the text again
    _data: tuple[int, int]  # the data's [start, end) in the text: after the header, before an EOF marker

    @property
    def source_encoding(self) -> str:
        """The file's own encoding, as recorded in the audit."""
        return "UTF16" if self._stream[1] == "utf-16" else self.encoding

    def data(self) -> Iterator[bytes]:
        """The lines after the header, in `encoding`, a chunk at a time."""
        start, end = self._data
        position = 0
        for chunk in _text_chunks(*self._stream):
            piece = chunk[max(start - position, 0):max(end - position, 0)]
            position += len(chunk)
            if piece:
                yield piece

    def records(self) -> Iterator[tuple]:
        """(line number, raw text, number of fields, the header's fields) of each non-blank CSV
        record; the header is line 1. Fields beyond the header's are counted, not kept; missing
        ones are NULL.

        A record spans several physical lines when a quoted field holds line ends; a quoted
        field that does not end (an unbalanced quote) stops at Python's field size limit and
        rejects the file.
        """
        width = len(self.header)
        text = io.TextIOWrapper(io.BufferedReader(_ChunkReader(self.data()), CHUNK),
                                encoding=_PYTHON_NAMES[self.encoding], newline="")
        lines = _Lines(text)
        reader = csv.reader(lines, delimiter=self.delimiter)
        while True:
            first = lines.number + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as problem:
                raise RejectedFile(f"line {first}: a quoted field does not end (an unbalanced quote?): {problem}")
            raw = lines.take()
            if fields and fields != [""]:
                yield first, raw, len(fields), *fields[:width], *[None] * (width - len(fields))


_PYTHON_NAMES = {"UTF8": "utf-8", "GB18030": "gb18030"}


class _Lines:
    """The physical lines of a text, numbered (the header is line 1), each record's kept."""

    def __init__(self, text: io.TextIOBase):
        self.text = text
        self.number = 1
        self.pending: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.text.readline(CHUNK)
        if not line:
            raise StopIteration
        if len(line) == CHUNK and not line.endswith("\n"):
            raise RejectedFile(f"line {self.number + 1} is longer than {CHUNK >> 20} MB: not a CSV export")
        self.number += 1
        self.pending.append(line)
        return line

    def take(self) -> str:
        """The raw text of the lines read since the last call, without the last line end."""
        raw = "".join(self.pending)
        self.pending.clear()
        return raw.removesuffix("\n").removesuffix("\r")


class _ChunkReader(io.RawIOBase):
    """A binary stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.rest:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.rest = memoryview(chunk)
        size = min(len(buffer), len(self.rest))
        buffer[:size] = self.rest[:size]
        self.rest = self.rest[size:]
        return size


def _open(path: Path):
    """The file for reading, refusing a symbolic link and anything but a regular file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as problem:
        if path.is_symlink():
            raise RejectedFile(SYMBOLIC_LINK) from None
        raise RejectedFile(f"cannot be opened: {problem.strerror}") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise RejectedFile("not a regular file")
    return os.fdopen(descriptor, "rb")


def _raw_chunks(path: Path) -> Iterator[bytes]:
    with _open(path) as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _text_chunks(path: Path, codec: str, bom: int) -> Iterator[bytes]:
    return _transcoded(_raw_chunks(path), codec, bom)


def _transcoded(chunks: Iterator[bytes], codec: str, bom: int) -> Iterator[bytes]:
    """The text after its BOM: as it is, or UTF-16 re-encoded as UTF-8."""
    decoder = codecs.getincrementaldecoder(codec)() if codec == "utf-16" else None
    try:
        for index, chunk in enumerate(chunks):
            if index == 0:
                chunk = chunk if decoder else chunk[bom:]
            yield decoder.decode(chunk).encode() if decoder else chunk
        if decoder:
            yield decoder.decode(b"", final=True).encode()
    except UnicodeDecodeError:
        raise RejectedFile("not UTF-16 text, although it starts with a UTF-16 byte-order mark") from None


def inspect(path: Path, columns: list[str]) -> LandingFile:
    """Read `path` once: its encoding, header (which must hold `columns`) and shape."""
    try:
        return _inspect(path, columns)
    except RejectedFile as problem:
        raise RejectedFile(str(problem), problem.sha256 or _sha256(path)) from None


def _sha256(path: Path) -> str | None:
    """The file's SHA-256, when it can be read at all."""
    sha256 = hashlib.sha256()
    try:
        for chunk in _raw_chunks(path):
            sha256.update(chunk)
    except RejectedFile:
        return None
    return sha256.hexdigest()


def _inspect(path: Path, columns: list[str]) -> LandingFile:
    sha256 = hashlib.sha256()
    raw = _raw_chunks(path)
    first = next(raw, b"")
    codec, bom = _kind(first)

    def hashed() -> Iterator[bytes]:
        for chunk in itertools.chain([first], raw):
            sha256.update(chunk)
            yield chunk

    scan = _Scan(columns)
    for chunk in _transcoded(hashed(), codec, bom):
        scan.add(chunk)
    scan.finish()
    stream = (path, codec, bom)
    encoding = scan.encoding(stream)
    return LandingFile(path, sha256.hexdigest(), encoding, scan.header, scan.header_line, scan.delimiter,
                       scan.shape(), bool(scan.full_width[encoding]), stream, (scan.data_start, scan.end))


def _kind(first: bytes) -> tuple[str, int]:
    """(Python codec to read the text with, length of its BOM) from the file's first bytes."""
    if not first.strip():
        raise RejectedFile("empty file: no header row")
    for bom, name in _BOMS:
        if first.startswith(bom):
            if name == "UTF-32":
                raise RejectedFile("UTF-32 text (byte-order mark): save it as UTF-8 or GB18030")
            return ("utf-16" if name == "UTF-16" else "utf-8"), len(bom)
    for signature, what in _SIGNATURES:
        if first.startswith(signature):
            raise RejectedFile(f"not a CSV text file: {what}")
    if b"\x00" in first:
        _reject_binary(first)
    return "utf-8", 0


def _reject_binary(first: bytes) -> None:
    """Reject text with NUL bytes, saying whether it looks like UTF-16 without its byte-order mark."""
    head = first[:4096]
    if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
        raise RejectedFile("not a CSV text file: NUL bytes between the characters, as in UTF-16 text "
                           "without a byte-order mark (save it as UTF-8, or as UTF-16 with one)")
    raise RejectedFile("not a CSV text file: binary data (NUL bytes)")


class _Scan:
    """What one pass over a file's text finds: its header, and in the lines after it what
    decides the shape: counts of delimiters and line ends, quotes, blank lines, padding …"""

    def __init__(self, required: list[str]):
        self.required = required
        self.head = b""  # the first line (its line end aside), once that end is seen
        self.header_line, self.delimiter, self.header = "", ",", []
        self.data_start = -1  # where the data starts: after the first line end
        self.size = 0
        self.newlines = self.carriage_returns = self.delimiters = 0  # in the data
        self.lone_carriage_return = self.quotes = self.copy_bytes = self.padding = False
        self.full_width = dict.fromkeys(_FULL_WIDTH, False)
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.not_utf8: tuple[int, int] | None = None  # (line, byte) of the first byte that is not UTF-8
        self.tail = b""  # the last bytes of the data: patterns across chunks, and the end of the text
        self.end = 0  # the end of the data: before a DOS end-of-file byte

    def add(self, chunk: bytes) -> None:
        lines_before = self.newlines + (self.data_start >= 0)
        if b"\x00" in chunk:
            line = lines_before + chunk.count(b"\n", 0, chunk.index(b"\x00")) + 1
            raise RejectedFile(f"not a CSV text file: a NUL byte on line {line}")
        if self.not_utf8 is None:
            try:
                self.utf8.decode(chunk)
            except UnicodeDecodeError as problem:
                self.not_utf8 = (lines_before + chunk.count(b"\n", 0, problem.start) + 1, chunk[problem.start])
        data = chunk
        if self.data_start < 0:
            data = self._add_first_line(chunk)
        elif b"\n" not in chunk and len(chunk) >= CHUNK:
            raise RejectedFile(f"line {lines_before + 1} is longer than {CHUNK >> 20} MB: not a CSV export")
        self.size += len(chunk)
        if data:
            self._add_data(data)

    def _add_first_line(self, chunk: bytes) -> bytes:
        """Take the first line from `chunk`, and the header from it once it ends; returns the
        rest of the chunk, the first data."""
        end = chunk.find(b"\n")
        self.head += chunk if end < 0 else chunk[:end]
        if len(self.head) > MAX_HEADER:
            raise RejectedFile(f"no header row: the first line is longer than {MAX_HEADER >> 10} KB")
        if end < 0:
            return b""
        self.data_start = self.size + end + 1
        self._read_header()
        data = chunk[end + 1:]
        self.padding = data.startswith(b" ")
        return data

    def _read_header(self) -> None:
        head = self.head.removesuffix(b"\r").removesuffix(EOF_MARKER)
        try:
            self.header_line = head.decode("utf-8")
        except UnicodeDecodeError as problem:
            try:
                self.header_line = head.decode("gb18030")
            except UnicodeDecodeError:
                raise RejectedFile(_unknown_encoding(1, head[problem.start])) from None
        self.delimiter, self.header = _header(self.header_line, self.required)

    def _add_data(self, data: bytes) -> None:
        window = self.tail + data  # the chunk with the bytes before it: patterns across chunks
        self.delimiters += data.count(self.delimiter.encode())
        self.newlines += data.count(b"\n")
        if b"\r" in data:
            self.carriage_returns += data.count(b"\r")
            self.lone_carriage_return = self.lone_carriage_return or _LONE_CR.search(window) is not None
        self.quotes = self.quotes or b'"' in data
        self.copy_bytes = self.copy_bytes or b"\x1e" in data or b"\x1f" in data
        # (a byte is found faster than a pair of them: the lead byte of the full-width forms first)
        self.full_width["UTF8"] = self.full_width["UTF8"] or (b"\xef" in window and
                                                              _FULL_WIDTH["UTF8"].search(window) is not None)
        if b" " in window:
            patterns = (f" {self.delimiter}".encode(), f"{self.delimiter} ".encode(), b"\n ", b" \n", b" \r")
            self.padding = self.padding or any(pattern in window for pattern in patterns)
        self.tail = window[-8:]

    def finish(self) -> None:
        """The end of the data: a DOS end-of-file byte there, and the line ends after it, are not data."""
        if self.data_start < 0:
            self.data_start = self.size
            self._read_header()
        self.end = self.size
        kept = self.tail.rstrip(b"\r\n")
        if kept.endswith(EOF_MARKER):
            cut = self.tail[len(kept) - 1:]
            self.end -= len(cut)
            self.newlines -= cut.count(b"\n")
            self.carriage_returns -= cut.count(b"\r")
            self.tail = kept[:-1]
        self.padding = self.padding or self.tail.endswith(b" ")

    @property
    def lines(self) -> int:
        """Physical lines after the first (a last line without its line end counts)."""
        if self.end <= self.data_start:
            return 0
        return self.newlines + (not self.tail.endswith(b"\n"))

    def encoding(self, stream: tuple) -> str:
        """UTF8 when the text is UTF-8, else GB18030 when it is that (read again to tell, and to
        look for full-width digits as GB18030 writes them)."""
        if self.not_utf8 is None:
            try:
                self.utf8.decode(b"", final=True)
                return "UTF8"
            except UnicodeDecodeError:
                self.not_utf8 = (self.newlines + 1, self.tail[-1])
        gb18030 = codecs.getincrementaldecoder("gb18030")()
        try:
            for chunk in _text_chunks(*stream):
                gb18030.decode(chunk)
                self.full_width["GB18030"] = self.full_width["GB18030"] or _FULL_WIDTH["GB18030"].search(chunk)
            gb18030.decode(b"", final=True)
        except UnicodeDecodeError:
            raise RejectedFile(_unknown_encoding(*self.not_utf8)) from None
        return "GB18030"

    def shape(self) -> str:
        """PARSED for quotes, lone or missing carriage returns among CRLF line ends, or COPY's
        split bytes; COLUMNS when every line seems to have the header's number of fields (a blank
        line has none) and nothing to trim; else LINES."""
        line_ends_agree = self.carriage_returns in (0, self.newlines) and not self.lone_carriage_return
        if self.quotes or self.copy_bytes or not line_ends_agree:
            return PARSED
        regular = self.delimiters == (len(self.header) - 1) * self.lines and not self.padding
        return COLUMNS if regular else LINES


def _unknown_encoding(line: int, byte: int) -> str:
    return f"unknown encoding: neither UTF-8 nor GB18030 (line {line} has the byte 0x{byte:02X}, which is not UTF-8 there)"


def _header(line: str, required: list[str]) -> tuple[str, list[str]]:
    """The header's delimiter (the one whose fields hold the most required columns) and its
    lower-cased column names."""
    if not line.strip():
        raise RejectedFile("no header row: the first line is empty")
    candidates = {d: [name.strip().lower() for name in next(csv.reader([line], delimiter=d), [])] for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: (sum(name in candidates[d] for name in required), d == ","))
    header = candidates[delimiter]
    missing = [name for name in required if name not in header]
    if missing:
        raise RejectedFile(f"missing required column(s): {', '.join(missing)} ({_found(header, delimiter)})")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise RejectedFile(f"repeated column(s) in header: {', '.join(repeated)}")
    return delimiter, header


def _found(header: list[str], delimiter: str) -> str:
    """What the first line holds, quoting it only when it looks like column names (a first line
    of data would quote personal data)."""
    if all(_IDENTIFIER.fullmatch(name) for name in header):
        return f"{DELIMITERS[delimiter]}-separated header: {', '.join(header)}"[:400]
    return f"the first line, {DELIMITERS[delimiter]}-separated, has {len(header)} field(s) and does not look like a header"
