"""Admission and discharge dates of inpatient stays, without overlapping stays of one person."""

from __future__ import annotations

import numpy as np

from . import parameters as p
from .columns import Columns


def schedule_stays(visits: Columns, length: np.ndarray, last_discharge: np.ndarray) -> None:
    """Set admission/discharge (discharge = settlement day) in `visits`; -1 for other visits.

    A stay may not begin before the same person's previous discharge (in this month or, from
    `last_discharge`, an earlier one): genuine data has no overlapping stays, so the
    overlapping_stays rule should only find what was put there on purpose.
    """
    inpatient = visits["visit_type"] == p.INPATIENT
    discharge = np.where(inpatient, visits["settlement_day"], -1)
    admission = np.where(inpatient, discharge - length, -1)
    visits["admission_day"], visits["discharge_day"] = admission, discharge
    stays = np.flatnonzero(inpatient)
    if not stays.size:
        return
    order = stays[np.lexsort((discharge[stays], visits["person"][stays]))]
    person = visits["person"][order]
    previous = np.concatenate([[-1], discharge[order][:-1]])
    first_of_person = np.concatenate([[True], person[1:] != person[:-1]])
    previous = np.where(first_of_person, last_discharge[person], previous)
    admission[order] = np.maximum(admission[order], previous)


def remember_discharges(visits: Columns, last_discharge: np.ndarray) -> None:
    stays = visits["visit_type"] == p.INPATIENT
    np.maximum.at(last_discharge, visits["person"][stays], visits["discharge_day"][stays])
