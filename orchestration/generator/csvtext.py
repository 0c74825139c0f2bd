"""Vectorised CSV text: every column is formatted for all rows at once as numpy byte strings.

A field is a tuple of pieces that are written one after the other: numpy arrays of dtype `S`
(one element per row) or constant `bytes`. Fixed-width `S` arrays pad with NUL bytes; the
writer lays the pieces of a block of rows side by side in a byte matrix and drops every NUL,
which turns fixed-width pieces into variable-width text without a Python loop per row. Text
never contains NUL, so nothing else is lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

Piece = np.ndarray | bytes
Field = tuple[Piece, ...]

_ROWS_PER_BLOCK = 16384  # a block's byte matrix stays in the CPU cache
_GROUP = 10_000  # integers are written in groups of four digits
_PLAIN = np.array([str(i).encode() for i in range(_GROUP)], dtype="S4")
_PLAIN_OR_EMPTY = np.concatenate([[b""], _PLAIN[1:]]).astype("S4")
_PADDED_TO = {d: np.array([f"{i:0{d}d}".encode() for i in range(10 ** d)], dtype=f"S{d}") for d in (1, 2, 3, 4)}
# a group after a leading group is zero-padded: index + _GROUP selects the padded form
_INNER = np.concatenate([_PLAIN_OR_EMPTY, _PADDED_TO[4]])
_LAST = np.concatenate([_PLAIN, _PADDED_TO[4]])
_CENTS = np.array([f".{i:02d}".encode() for i in range(100)], dtype="S3")
_EPOCH = np.datetime64("1970-01-01", "D")


def strings(values: Sequence[str]) -> Field:
    """Python strings, UTF-8 encoded (for the small reference tables)."""
    return (np.array([v.encode() for v in values], dtype="S"),)


def lookup(table: np.ndarray, index: np.ndarray) -> Field:
    """`table[index]`: codes, names and enumerations stored once as an `S` array."""
    return (table[index],)


def integers(values: np.ndarray) -> Field:
    """Non-negative integers below 10**12, without leading zeros."""
    values = np.asarray(values, dtype=np.int64)
    if values.size and (values.min() < 0 or values.max() >= _GROUP ** 3):
        raise ValueError("integers() takes values in [0, 10**12)")
    low, mid, high = values % _GROUP, values // _GROUP % _GROUP, values // _GROUP ** 2
    pieces: list[Piece] = []
    if high.any():
        pieces.append(_PLAIN_OR_EMPTY[high])
    if values.size and values.max() >= _GROUP:
        pieces.append(_INNER[mid + _GROUP * (high > 0)])
        pieces.append(_LAST[low + _GROUP * (values >= _GROUP)])
    else:
        pieces.append(_PLAIN[low])
    return tuple(pieces)


def zero_padded(values: np.ndarray, width: int, prefix: bytes = b"", empty: np.ndarray | None = None) -> Field:
    """`prefix` followed by `values` as exactly `width` digits (values below 10**width);
    rows where `empty` is true are left empty."""
    values = np.asarray(values, dtype=np.int64)
    pieces: list[Piece] = [prefix] if prefix else []
    first = width % 4 or 4
    for digits in [first] + [4] * ((width - first) // 4):
        width -= digits
        pieces.append(_PADDED_TO[digits][values // 10 ** width % 10 ** digits])
    if empty is None:
        return tuple(pieces)
    return tuple(np.where(empty, b"", np.broadcast_to(np.array(piece), values.shape)) for piece in pieces)


def amounts(cents: np.ndarray) -> Field:
    """Signed amounts given in integer cents, as yuan with two decimals (`-12.30`)."""
    cents = np.asarray(cents, dtype=np.int64)
    size = np.abs(cents)
    sign = np.where(cents < 0, b"-", b"").astype("S1")
    return (sign, *integers(size // 100), _CENTS[size % 100])


def dates(days: np.ndarray, empty: np.ndarray | None = None) -> Field:
    """Days since 1970-01-01 as YYYY-MM-DD; rows where `empty` is true are left empty."""
    days = np.asarray(days, dtype=np.int64)
    if empty is not None and empty.all():
        return (np.zeros(len(days), dtype="S1"),)
    valid = days if empty is None else days[~empty]
    first = int(valid.min()) if valid.size else 0
    span = (int(valid.max()) if valid.size else 0) - first + 1
    table = np.datetime_as_string(_EPOCH + np.arange(first, first + span)).astype("S10")
    text = table[np.clip(days - first, 0, span - 1)]
    if empty is not None:
        text[empty] = b""
    return (text,)


def write_csv(path: Path, columns: Sequence[str], fields: Mapping[str, Field], rows: int) -> int:
    """Write a CSV with a header and `rows` rows; `fields` holds one field per column name."""
    if set(fields) != set(columns):
        raise ValueError(f"{path.name}: fields {sorted(fields)} do not match columns {list(columns)}")
    pieces: list[Piece] = []
    for name in columns:
        pieces.extend(fields[name])
        pieces.append(b",")
    pieces[-1] = b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write((",".join(columns) + "\n").encode())
        for start in range(0, rows, _ROWS_PER_BLOCK):
            out.write(_block(pieces, start, min(start + _ROWS_PER_BLOCK, rows)))
    return rows


def _block(pieces: list[Piece], start: int, stop: int) -> bytes:
    count = stop - start
    widths = [len(p) if isinstance(p, bytes) else p.dtype.itemsize for p in pieces]
    matrix = np.empty((count, sum(widths)), dtype=np.uint8)
    position = 0
    for piece, width in zip(pieces, widths):
        if isinstance(piece, bytes):
            matrix[:, position:position + width] = np.frombuffer(piece, dtype=np.uint8)
        else:
            matrix[:, position:position + width] = piece[start:stop].view(np.uint8).reshape(count, width)
        position += width
    flat = matrix.ravel()
    return flat[flat != 0].tobytes()
