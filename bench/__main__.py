"""`python -m bench`: the benchmark of issue 8, every figure beside its floor in the same run.

    python -m bench                      # everything, SQLite file in a temp folder
    python -m bench --quick              # smaller N, under a minute or so
    python -m bench --database postgresql://postgres@127.0.0.1:5432/bench   # wiped!
    python -m bench --only answers,burst --json figures.json
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SECTIONS = ("answers", "http", "burst", "growth")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller N: a quick look")
    parser.add_argument("--database", metavar="URL",
                        help="a scratch database (it is WIPED); default: SQLite in a temp dir")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run (of {', '.join(SECTIONS)})")
    parser.add_argument("--json", metavar="PATH", type=Path, help="write the figures as JSON")
    parser.add_argument("--tiny", action="store_true",
                        help="the harness's own smoke test: a handful of people, in process "
                             "where it can; the figures mean nothing")
    parser.add_argument("--sizes", help="participants for the answers section, e.g. 200,1000 "
                                        "(default 200,1000,5000; quick: 200)")
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if args.database and args.database.rsplit("/", 1)[-1] == "test":
        parser.error("refusing to wipe a database named 'test'")
    return args


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text()
                      .splitlines() if line.startswith("MemTotal"))
        ram_gb = round(int(memory) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        ram_gb = 0.0
    return {"cpus": os.cpu_count(), "cpu_model": model, "ram_gb": ram_gb,
            "python": platform.python_version()}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench import answers, burst, growth, roundtrips
    from bench.common import scratch
    from bench.report import Row, table

    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes
             else [5] if args.tiny else [200] if args.quick else [200, 1000, 5000])
    figures: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "quick": args.quick, "tiny": args.tiny,
                               "database": "sqlite" if not args.database else "postgresql",
                               "machine": machine()}
    rows: list[Row] = []
    started = time.perf_counter()
    with scratch(args.database) as url:
        for name in args.sections:
            began = time.perf_counter()
            print(f"[bench] {name} ...", flush=True)
            result: Any
            if name == "answers":
                result, more = answers.section(url, sizes, args.quick, args.tiny)
            elif name == "http":
                result, more = roundtrips.section(url, args.quick, args.tiny)
            elif name == "burst":
                result, more = burst.section(url, args.quick, args.tiny)
            else:
                result, more = growth.section(url, args.quick, args.tiny)
            figures[name] = result
            figures[f"{name}_seconds"] = round(time.perf_counter() - began, 1)
            rows += more
            print(table(more), flush=True)
    figures["total_seconds"] = round(time.perf_counter() - started, 1)
    figures["table"] = table(rows)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    figures = run(args)
    print()
    print(figures["table"])
    scale = "tiny" if args.tiny else "quick" if args.quick else "full"
    print(f"\n{figures['total_seconds']} s in all ({scale} run)")
    if args.json:
        from bench.report import write_json

        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
