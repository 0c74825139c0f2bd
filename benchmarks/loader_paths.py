"""Benchmark: the loader's paths on one month of about 1M settlements.

    python -m benchmarks.loader_paths [--settlements 1000000] [--repeat 3] [--stray-quote-mb 300] [--parts 1,2,3]

Generates (once, under bench-output/) one month with about `--settlements` settlements, and
prints, each measurement taken `--repeat` times alternating with the one it is compared with
(the fastest counts: other work on a shared machine only ever slows a run down):

1. the month's load (a new process each time, as a run loads it) in rows per second, beside a
   bare COPY of the same file into an unlogged table of text columns, the ceiling of the path;
2. the same rows written with CRLF line ends, with a UTF-8 BOM and in GB18030 against the plain
   UTF-8 LF file (with Chinese text in a column, so that the encodings differ), each ratio
   against the target of 1.25;
3. the peak memory of a process loading a file of `--stray-quote-mb` MB with a stray quote (it
   goes through Python's CSV parser), and of one rejecting it for an unbalanced quote, against
   the file's size.

Each load runs in a fresh database `bench_loader` on the warehouse server. The figures belong
in docs, not in code comments. The loader has no speed techniques: each one it had (two months
on two connections, a file in halves, a read-back, a vacuum, GX imported in the background) was
measured here beside its absence, did not take 10 % off, and was taken out (the figures are in
the commits that removed them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from benchmarks.load_and_build import MONTH, OUTPUT, copy_ceiling, fresh_database, month_landing
from orchestration.loading import discover, load_file, load_files
from orchestration.raw_schema import ensure_schemas
from orchestration.sources import SOURCES

DATABASE = "bench_loader"
TARGET_SHAPE_RATIO = 1.25


def load_month(root: Path, settlement_file: Path | None = None) -> dict:
    """Load the references and the month's settlement file (or `settlement_file`) into a fresh
    database; seconds of the settlement load and its counts."""
    url = fresh_database(DATABASE)
    landing = discover(root)
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_schemas(conn)
        for name in ("counties", "institutions"):
            load_file(conn, SOURCES[name], landing.reference[name], landing.root)
    path = settlement_file or landing.monthly["settlement"][MONTH]
    started = time.perf_counter()
    (load,) = load_files(lambda: psycopg.connect(url, autocommit=True), SOURCES["settlement"], [(path, MONTH)],
                         path.parent.parent)
    return {"seconds": time.perf_counter() - started, "status": load.status, "rows": load.rows_read,
            "loaded": load.rows_loaded, "message": load.message}


def in_new_process(function: str, *args: str) -> dict:
    """Run `function` of this module in a new Python process; its printed JSON result."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.loader_paths", "--child", function, *args],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_memory(path: str, root: str) -> dict:
    """Load `path` as the month's settlements; the process's resident memory before the load and
    its peak (the kernel's high-water mark of this process image, which getrusage() would mix
    with the parent's)."""
    before = _memory("VmRSS")
    result = load_month(Path(root), Path(path))
    return {**result, "baseline": before, "peak": _memory("VmHWM")}


def _memory(field: str) -> int:
    """A field of /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def fastest(repeat: int, **variants) -> dict[str, dict]:
    """Each variant (a function returning a result with `seconds`) run `repeat` times, the
    variants alternating; the fastest result of each."""
    best: dict[str, dict] = {}
    for _ in range(repeat):
        for name, run in variants.items():
            result = run()
            if name not in best or result["seconds"] < best[name]["seconds"]:
                best[name] = result
    return best


def shaped(root: Path, out: Path) -> dict[str, Path]:
    """The month's settlements with Chinese doctor names, as UTF-8 LF, CRLF, with a BOM and in GB18030."""
    source = root / "settlement" / f"{MONTH}.csv"
    out.mkdir(parents=True, exist_ok=True)
    lf = out / "lf.csv"
    if not lf.exists():
        with source.open("rb") as f, lf.open("wb") as target:
            target.write(f.readline())
            for line in f:
                target.write(line.rstrip(b"\n") + "醫師".encode() + b"\n")
    text = lf.read_bytes()
    variants = {"lf": lf}
    for name, make in {"crlf": lambda: text.replace(b"\n", b"\r\n"), "bom": lambda: b"\xef\xbb\xbf" + text,
                       "gb18030": lambda: text.decode().encode("gb18030")}.items():
        variants[name] = out / f"{name}.csv"
        if not variants[name].exists():
            variants[name].write_bytes(make())
    return variants


def stray_quote_files(root: Path, out: Path, megabytes: int) -> dict[str, Path]:
    """Files of about `megabytes` MB (the month's rows repeated) with a quote in the last field of
    line 10: inside the field (Python's CSV parser reads it as a character: the file loads), or
    opening it and never closing it (the file is rejected)."""
    files = {"stray quote": out / "stray_quote.csv", "unbalanced quote": out / "unbalanced_quote.csv"}
    if all(path.exists() for path in files.values()):
        return files
    out.mkdir(parents=True, exist_ok=True)
    header, _, rows = (root / "settlement" / f"{MONTH}.csv").read_bytes().partition(b"\n")
    body = rows * max(1, -(-megabytes * 2**20 // len(rows)))
    start = _nth(body, b"\n", 8) + 1
    end = body.index(b"\n", start)
    fields, _, last = body[start:end].rpartition(b",")
    for name, changed in (("stray quote", last + b'x"y'), ("unbalanced quote", b'"' + last)):
        with files[name].open("wb") as f:
            f.writelines([header, b"\n", body[:start], fields, b",", changed, body[end:]])
    return files


def _nth(data: bytes, byte: bytes, n: int) -> int:
    """The position of the `n`-th `byte` (1-based) in `data`."""
    position = -1
    for _ in range(n):
        position = data.index(byte, position + 1)
    return position




def load_month_json(root: str) -> dict:
    return load_month(Path(root))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stray-quote-mb", type=int, default=300)
    parser.add_argument("--parts", default="1,2,3", help="which of the measurements to take (1: the loader's path, "
                                                        "2: file shapes, 3: memory)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if args.child:
        function, *rest = args.child
        print(json.dumps(globals()[function](*rest)))
        return

    root = month_landing(args.settlements)
    path = root / "settlement" / f"{MONTH}.csv"
    print(f"one month: {path} ({path.stat().st_size / 2**20:.0f} MB)", flush=True)

    if "1" in parts:
        plain_path(root, args.repeat)
    if "2" in parts:
        file_shapes(root, args.settlements, args.repeat)
    if "3" in parts:
        memory(root, args.stray_quote_mb)


def plain_path(root: Path, repeat: int) -> None:
    print("1. the month on the loader's path", flush=True)
    path = root / "settlement" / f"{MONTH}.csv"
    loads = fastest(repeat, load=lambda: in_new_process("load_month_json", str(root)),
                    copy=lambda: bare_copy(path))
    load, copy = loads["load"], loads["copy"]
    print(f"   loaded {load['rows']:,} settlements in {load['seconds']:.1f} s ({load['rows'] / load['seconds']:,.0f} rows/s); "
          f"bare COPY {copy['rows'] / copy['seconds']:,.0f} rows/s: the loader at "
          f"{copy['seconds'] / load['seconds']:.0%} of it", flush=True)


def bare_copy(path: Path) -> dict:
    """Seconds of a bare COPY of `path` into an unlogged table of text columns, and its rows."""
    rows_per_second = copy_ceiling(fresh_database(DATABASE), path)
    rows = sum(1 for _ in path.open("rb")) - 1
    return {"seconds": rows / rows_per_second, "rows": rows}


def file_shapes(root: Path, settlements: int, repeat: int) -> None:
    print("2. real files against a plain UTF-8 LF file (target: within 25 %)", flush=True)
    files = shaped(root, OUTPUT / f"shapes-{settlements}")
    shapes = fastest(repeat, **{name: (lambda p=p: load_month(root, p)) for name, p in files.items()})
    for name in ("crlf", "bom", "gb18030"):
        ratio = shapes[name]["seconds"] / shapes["lf"]["seconds"]
        print(f"   {name:<10} {shapes[name]['seconds']:6.1f} s against {shapes['lf']['seconds']:.1f} s: "
              f"{ratio:.2f} ({'within' if ratio <= TARGET_SHAPE_RATIO else 'beyond'} {TARGET_SHAPE_RATIO})")



def memory(root: Path, megabytes: int) -> None:
    print(f"3. memory for a file of about {megabytes} MB with a quote in it", flush=True)
    for name, quoted in stray_quote_files(root, OUTPUT / f"quotes-{megabytes}", megabytes).items():
        result = in_new_process("peak_memory", str(quoted), str(root))
        size = quoted.stat().st_size
        grown = result["peak"] - result["baseline"]
        outcome = f"{result['loaded']:,} rows loaded" if result["status"] == "loaded" else result["message"][:60]
        print(f"   {name:<18} {size / 2**20:5.0f} MB file: peak {result['peak'] / 2**20:6.0f} MB, "
              f"{grown / 2**20:5.0f} MB over the process before the load ({grown / size:.2f} × the file); "
              f"{outcome} in {result['seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
