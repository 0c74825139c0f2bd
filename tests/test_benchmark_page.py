"""The benchmark page: its arithmetic on hand-made figures, and that the committed page is what the
committed results give (the page is generated; a hand edit or a stale page fails here)."""

from __future__ import annotations

import math
import time

import psutil
import pytest

from benchmarks import curve_page
from benchmarks.load_and_build import critical_path


def result(settlements: float, build: float, **extra) -> dict:
    """A single-node result row with round figures."""
    return {"target": "PostgreSQL 16.2, one node", "settlements": int(settlements), "months": 12,
            "date": "2026-12-06", "cores": 2, "memory_bytes": 25e9, "load_average": [1.0, 2.0],
            "load_rows_per_second": 100_000, "all_files_seconds": settlements / 100_000,
            "build_seconds": build, "critical_path_seconds": 50.0, "month_settlements": settlements / 12,
            "month_seconds": 30.0, "month_load_seconds": 10.0, "month_build_seconds": 20.0,
            "slowest_chart": {"name": "累計結餘(月度)", "seconds": 0.5},
            "memory": {phase: {"server": 1e9, "client": 2e8} for phase in ("load", "build", "month")},
            "cpu_seconds": {"load": 10.0, "build": 3200.0, "month": 5.0},
            "busy_seconds": {"build": [4000.0, 2400.0]}, "nodes": 1, "database_bytes": settlements * 1000,
            "landing_bytes": settlements * 200, "workers": [], **extra}


def test_growth_exponent_and_extrapolated_build():
    small, large = result(1e6, 100.0), result(10e6, 1500.0)
    assert curve_page.exponent(small, large, "build_seconds") == pytest.approx(math.log10(15))
    text = curve_page.extrapolation([small, large])
    # By hand from result()'s made-up inputs, at 60M (6 × the larger run): the build scales by
    # 6^1.176 = 8.23 (3.4 h); the 32-core bound is max(3,200 / 32, 50 × 3,200 / 6,400) × 8.23
    # (14 min); one more month is 10 × (60M/36)/(10M/12) + 20 × 6 (2 min); disk 1,200 bytes × 60M;
    # the load 100 × 6 (10 min).
    assert "| a prefecture's three years: 60M | 10 min | 3.4 h | 14 min | 2 min | 72 GB |" in text


def test_the_disk_limits_the_size_to_what_fits_beside_the_run():
    # 12 GB used by 10M settlements (1,200 bytes each) and 48 GB free after it: 60 GB hold 50M.
    text = curve_page.limits(result(10e6, 1500.0, disk_free_bytes=48e9))
    assert "1,200 bytes per settlement" in text and "60 GB / 1,200 bytes = 50M settlements" in text


def test_a_build_faster_than_linear_is_extrapolated_as_linear():
    text = curve_page.extrapolation([result(1e6, 100.0), result(10e6, 500.0)])
    # k = log10(5) < 1 is taken as 1: the build of 10M times 6 at 60M (50 min).
    assert "k = 1.00" in text and "| a prefecture's three years: 60M | 10 min | 50 min |" in text


def test_critical_path_is_the_longest_chain_of_dependent_nodes():
    # made-up node times: a → b → d, a → c → d, and e alone; the longest chain is a, c, d.
    run = {"results": [{"unique_id": uid, "execution_time": t}
                       for uid, t in {"a": 3.0, "b": 4.0, "c": 6.0, "d": 1.0, "e": 9.5}.items()]}
    parents = {"a": ["source.raw"], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": []}
    manifest = {"nodes": {uid: {"depends_on": {"nodes": p}} for uid, p in parents.items()}}
    assert critical_path(run, manifest) == 10.0  # a, c, d: 3 + 6 + 1 beats e's 9.5


def test_the_committed_page_is_generated_from_the_committed_results():
    results = curve_page.load_results()
    assert results, "docs/benchmarks/results.json is missing: make bench records it"
    assert curve_page.PAGE.read_text(encoding="utf-8") == curve_page.page(results)


def test_server_cpu_busy_time_and_size_are_read_from_the_server(warehouse_url):
    """The figures of benchmarks.resources against independent readings: the CPU time of the
    backend that ran a CPU-bound statement (read from its own process while it lives), the
    statement's wall clock and pg_database_size."""
    import psycopg

    from benchmarks import resources

    servers = resources.server_pids(warehouse_url)
    assert len(servers) == 1 and "postgres" in psutil.Process(servers[0]).name()
    cpu, busy = resources.cpu_seconds(servers), resources.busy_seconds(warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        backend = psutil.Process(conn.execute("select pg_backend_pid()").fetchone()[0])
        started = time.perf_counter()
        conn.execute("select count(*) from generate_series(1, 3000000) as i where md5(i::text) like 'ab%'")
        elapsed = time.perf_counter() - started
        used = sum(backend.cpu_times()[:2])
        size = conn.execute("select pg_database_size(current_database())").fetchone()[0]
    assert used > 0.3
    assert resources.cpu_seconds(servers) - cpu == pytest.approx(used, abs=0.2)
    assert resources.busy_seconds(warehouse_url)[0] - busy[0] == pytest.approx(elapsed, abs=0.2)
    assert resources.database_bytes(warehouse_url) == size
    assert resources.tree_bytes(servers[0]) > 10e6
