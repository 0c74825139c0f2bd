"""Resident identity card numbers (GB 11643-1999): region, birth date, sequence, check digit."""

from __future__ import annotations

import numpy as np

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def id_card_numbers(region: np.ndarray, birth: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """18-character numbers: `region` (S6 codes), `birth` (days since 1970), `sequence` (0-999).

    The sequence's last digit is odd for men and even for women; the caller chooses it.
    """
    if sequence.size and (sequence.min() < 0 or sequence.max() > 999):
        raise ValueError("ID card sequence numbers must be in 0..999")
    count = len(region)
    body = np.empty((count, 17), dtype=np.uint8)
    body[:, :6] = region.astype("S6").view(np.uint8).reshape(count, 6)
    iso = np.datetime_as_string(birth.astype("datetime64[D]")).astype("S10").view(np.uint8).reshape(count, 10)
    body[:, 6:10], body[:, 10:12], body[:, 12:14] = iso[:, 0:4], iso[:, 5:7], iso[:, 8:10]
    for position, power in ((14, 100), (15, 10), (16, 1)):
        body[:, position] = ord("0") + sequence // power % 10
    check = _CHECK[((body - ord("0")).astype(np.int64) @ _WEIGHTS) % 11]
    return np.concatenate([body, check[:, None]], axis=1).view("S18").ravel()
