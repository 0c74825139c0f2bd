"""`yibao run`'s progress lines: per step and per materialization on a terminal, none elsewhere."""

from __future__ import annotations

import io
import re

import dagster as dg

from orchestration.pipeline import QUIET
from orchestration.progress import progress_config, progress_logger


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["2024-01"]))
def settlements() -> None:
    return None


def _run(loggers: dict) -> None:
    defs = dg.Definitions(assets=[settlements], jobs=[dg.define_asset_job("load", selection=[settlements])],
                          loggers={"console": dg.colored_console_logger, "progress": progress_logger})
    result = defs.resolve_job_def("load").execute_in_process(
        partition_key="2024-01", run_config={"loggers": {**QUIET["loggers"], **loggers}})
    assert result.success


def test_on_a_terminal_each_step_and_materialization_has_a_line(capsys):
    _run(progress_config(Terminal()))
    lines = capsys.readouterr().err.splitlines()
    assert [re.sub(r"^\d\d:\d\d:\d\d ", "", line) for line in lines] == [
        "settlements …", "  settlements 2024-01", "settlements done (0 s)"]


def test_elsewhere_nothing_is_printed(capsys):
    assert progress_config(io.StringIO()) == {}
    _run(progress_config(io.StringIO()))
    assert capsys.readouterr().err == ""
