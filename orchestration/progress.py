"""Progress lines of `yibao run` on a terminal: a line when a step starts and ends, and one per
asset it materializes (a source's month loaded, a model built), on stderr. Not on a terminal (a
service's journal, a pipe, the tests) nothing is printed: the summary says what was done.

It is a Dagster logger (`progress`, in the code location's loggers) that the run's config turns
on; Dagster's own console logger stays at errors only.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

import dagster as dg


class StepLines(logging.Handler):
    """Prints the step and materialization events of a run's log records to `stream`."""

    def __init__(self, stream: TextIO):
        super().__init__()
        self.stream = stream
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None or event.step_key is None:
            return
        step, kind = event.step_key, event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self._line(f"{step} …")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            took = time.monotonic() - self.started.pop(step, time.monotonic())
            self._line(f"{step} {'done' if kind == 'STEP_SUCCESS' else 'FAILED'} ({took:.0f} s)")
        elif kind == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            partition = f" {materialization.partition}" if materialization.partition else ""
            self._line(f"  {'/'.join(materialization.asset_key.path)}{partition}")

    def _line(self, text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {text}", file=self.stream, flush=True)


@dg.logger(description="Progress lines on the terminal that started the run (yibao run)")
def progress_logger(context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("yibao.progress", level=logging.DEBUG)
    logger.addHandler(StepLines(sys.stderr))
    return logger


def progress_config(stream: TextIO = sys.stderr) -> dict:
    """The run config's `loggers` entry that turns the progress lines on, when `stream` is a terminal."""
    return {"progress": {}} if stream.isatty() else {}
