"""The result-day spike (issues 13 and 22): 1,000 concurrent connections on ``/leaderboards`` and on
``/winners`` for 30 seconds each, through nginx in front of two gunicorn instances — the production
layout ``tests/multi`` builds, with the documented ``deploy/nginx.conf`` — signed out, as most of the
city opens them; then the mix of results day: both pages, with ``--signed-in`` (30 %) of the
requests carrying the session cookie of one of ``--sessions`` signed-in citizens' sessions (each
request one picked at random; the sessions are started in the database as signing in starts them).
Run on demand, never as a test (about 4 minutes with the seeding)::

    .venv/bin/python bench/spike.py [--entries 20000] [--snapshots 50] [--connections 1000]
                                    [--duration 30] [--workers 2] [--signed-in 0.3] [--sessions 1000]
                                    [--json out.json]

Reports, per URL, requests/s, p50/p99 latency, non-2xx responses, socket errors (connect, read,
write, timeout; wrk's timeout is 10 s) and how nginx answered (its cache statuses from the access
log). Goal: 0 errors, 0 timeouts.
"""
from __future__ import annotations

import argparse
import collections
import json
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_load import load_average, machine, wrk  # noqa: E402
from tests.multi.conftest import running_cluster  # noqa: E402

PATHS = {"leaderboards page": "/leaderboards", "winners": "/winners"}
MIXED = "mixed, signed in and out"
# wrk's script for the mix: each request one of the pages, signed in (a random session's cookie) at the given share.
MIX_SCRIPT = """
local cookies, paths, share = {}, {%(paths)s}, %(share)s
for line in io.lines("%(cookies)s") do cookies[#cookies + 1] = line end
request = function()
  local path = paths[math.random(#paths)]
  if math.random() < share then
    return wrk.format("GET", path, {["Cookie"] = "zzcontest_session=" .. cookies[math.random(#cookies)]})
  end
  return wrk.format("GET", path)
end
"""


def session_cookies(env: dict[str, str], count: int) -> list[str]:
    """Session cookies of ``count`` sessions of seeded citizens, started as signing in starts them
    (a row each; the cookie signed with the instances' secret key)."""
    import sqlalchemy as sa

    from contest import clock, create_app
    from contest.domain import sessions
    from contest.extensions import db
    from contest.models import Role, User
    from contest.web.signed_in import SESSION_TOKEN

    app = create_app(environ=env)
    with app.app_context():
        users = list(db.session.scalars(sa.select(User).where(User.role == Role.CITIZEN, User.active.is_(True))
                                        .order_by(User.id).limit(count)))
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = []
        for i in range(count):
            user = users[i % len(users)]
            token = sessions.start_session(user, now=clock.now(), user_agent="wrk")
            cookies.append(serializer.dumps({"_user_id": str(user.id), "_fresh": False, SESSION_TOKEN: token,
                                             "csrf_token": secrets.token_hex(20)}))
        db.session.commit()
    return cookies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--snapshots", type=int, default=50)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers an instance")
    parser.add_argument("--signed-in", type=float, default=0.3, help="the share of signed-in requests in the mix")
    parser.add_argument("--sessions", type=int, default=1000, help="signed-in sessions the mix picks from")
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
        cookies = Path(tmp) / "cookies.txt"
        cookies.write_text("\n".join(session_cookies(cluster.env, args.sessions)) + "\n")
        script = Path(tmp) / "mix.lua"
        script.write_text(MIX_SCRIPT % {"paths": ", ".join(f'"{p}"' for p in PATHS.values()),
                                        "share": args.signed_in, "cookies": cookies})
        runs = {**{name: (path, None) for name, path in PATHS.items()}, MIXED: ("/leaderboards", script)}
        wrk(f"{base}/leaderboards", duration=5, script=script)  # warm: the sessions' regions on both instances
        for name, (path, lua) in runs.items():
            before = len(cluster.nginx_access_log())
            load_before = load_average()
            started = time.time()
            result = wrk(f"{base}{path}", duration=args.duration, threads=2, connections=args.connections,
                         timeout=10, script=lua)
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
        shown = (f"`/leaderboards` and `/winners`, {args.signed_in:.0%} signed in ({args.sessions:,} sessions)"
                 if name == MIXED else f"`{PATHS[name]}`")
        print(f"| {name} {shown} | {args.connections:,} | {args.duration} | {r['rps']:,.0f} | {r['p50_ms']:.1f} "
              f"| {r['p99_ms']:.1f} | {r['non_2xx']} | {r['socket_errors'] or 'none'} | {cache} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": about, "args": vars(args) | {"json": str(args.json)},
                                         "results": results}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
