"""The result-day spike (issue 13): 1,000 concurrent connections on ``/leaderboards`` and on
``/winners`` for 30 seconds each, through nginx in front of two gunicorn instances — the production
layout ``tests/multi`` builds, with the documented ``deploy/nginx.conf`` — signed out, as most of the
city opens them. Run on demand, never as a test (about 3 minutes with the seeding)::

    .venv/bin/python bench/spike.py [--entries 20000] [--snapshots 50] [--connections 1000]
                                    [--duration 30] [--workers 2] [--json out.json]

Reports, per URL, requests/s, p50/p99 latency, non-2xx responses, socket errors (connect, read,
write, timeout; wrk's timeout is 10 s) and how nginx answered (its cache statuses from the access
log). Goal: 0 errors, 0 timeouts.
"""
from __future__ import annotations

import argparse
import collections
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_load import load_average, machine, wrk  # noqa: E402
from tests.multi.conftest import running_cluster  # noqa: E402

PATHS = {"leaderboards page": "/leaderboards", "winners": "/winners"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--snapshots", type=int, default=50)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers an instance")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    # wrk holds one descriptor a connection; nginx raises its own limit (worker_rlimit_nofile).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    about = machine()
    print(json.dumps(about, ensure_ascii=False, indent=1), flush=True)
    seed = ("--entries", str(args.entries), "--snapshots", str(args.snapshots)) if args.entries else ()
    results = {}
    with tempfile.TemporaryDirectory(prefix="spike-") as tmp, \
            running_cluster(Path(tmp), seed=seed, workers=args.workers, CONTEST_LOG_LEVEL="WARNING") as cluster:
        base = cluster.url("nginx")
        for path in PATHS.values():  # warm: both instances' stores and nginx
            wrk(f"{base}{path}", duration=2)
        for name, path in PATHS.items():
            before = len(cluster.nginx_access_log())
            load_before = load_average()
            started = time.time()
            result = wrk(f"{base}{path}", duration=args.duration, threads=2, connections=args.connections,
                         timeout=10)
            result["seconds"] = round(time.time() - started, 1)
            log = cluster.nginx_access_log()[before:]
            result["nginx"] = dict(collections.Counter(line.rsplit("cache=", 1)[-1] for line in log))
            result["load_before"], result["load_after"] = load_before, load_average()
            results[name] = result
            print(name, path, json.dumps(result, ensure_ascii=False), flush=True)
    print()
    print(f"| URL | connections | seconds | requests/s | p50 ms | p99 ms | non-2xx | socket errors | nginx cache |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        cache = ", ".join(f"{k} {v:,}" for k, v in sorted(r["nginx"].items(), key=lambda i: -i[1]))
        print(f"| {name} `{PATHS[name]}` | {args.connections:,} | {args.duration} | {r['rps']:,.0f} | {r['p50_ms']:.1f} "
              f"| {r['p99_ms']:.1f} | {r['non_2xx']} | {r['socket_errors'] or 'none'} | {cache} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": about, "args": vars(args) | {"json": str(args.json)},
                                         "results": results}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
