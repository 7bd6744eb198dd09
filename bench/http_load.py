"""HTTP throughput of the public pages against ``/healthz``, and the cold standings time,
at 2,000 and 20,000 entries on SQLite and PostgreSQL (issue 7, item 4).

Run on demand, never as a test (about 15 minutes for the four cases)::

    .venv/bin/python bench/http_load.py [--databases sqlite,postgresql] [--sizes 2000,20000]
                                        [--snapshots 50] [--duration 10] [--rounds 3] [--json out.json]
    .venv/bin/python bench/http_load.py --profile-only [--databases sqlite] [--sizes 2000] [--snapshots 5]

``--profile-only`` seeds each case and prints, without any server or wrk, where a request's CPU
goes in this process: the shares of the named parts for every URL, and the functions a signed-in
request spends most time in (cumulative cProfile, top 25).

For each database and size: a fresh database (a SQLite file, or a scratch PostgreSQL database,
``VACUUM ANALYZE``d after the bulk load and dropped afterwards), ``flask db upgrade``,
``seed-demo`` then ``seed-demo --entries N --snapshots K``; ``gunicorn -w 2 -k sync wsgi:app``
in production configuration with ``CONTEST_REDIS_URL`` (a Redis database index of its own) for
the public cache and rate limits; a warm-up; then ``--rounds`` rounds of one ``wrk -t2 -c16
-d10s --latency`` run per URL, ``/healthz`` first in each round and once more at the end, so
that each page's ratio is against the health check measured just before and just after it (the
machine is shared: a ratio within a round is steadier than a rate). Figures are the medians of
the rounds. Then the cold standings time: ``contest.domain.likes.standings(contest, limit=10)``
on a new database connection with the cache flushed, median of 5, with its query's plan; and,
in this process, the CPU a request of each URL costs and where it goes (cProfile).

Targets (issue 22): leaderboard JSON ≥ 0.95×, every public page (home, leaderboards,
gallery, an entry page, winners, rules) ≥ 0.85× for a signed-out visitor (no cookie), and a
signed-in visitor's page view (the leaderboards page, the home page and an entry page with a
citizen's session cookie) ≥ 0.5× the /healthz rate; cold standings at 20k entries / 1M snapshots under 300 ms on PostgreSQL; throughput
flat from 2k to 20k entries. The result-day spike through nginx: ``bench/spike.py``.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import re
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, redirect_stderr
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contest.crypto import new_key  # noqa: E402
from tests.multi.processes import (  # noqa: E402  (the repository root is on the path only now)
    BIN, Processes, base_environ, free_port, http, scratch_postgres, scratch_redis, wait_http,
)

URLS = {
    "healthz": "/healthz",
    "home": "/",
    "leaderboards page": "/leaderboards",
    "gallery": "/gallery",
    "entry page": "/gallery/{entry}",
    "winners": "/winners",
    "rules": "/rules",
    "leaderboard JSON": "/api/v1/leaderboards/popularity",
    "signed-in leaderboards page": "/leaderboards",
    "signed-in home": "/",
    "signed-in entry page": "/gallery/{entry}",
}
# Requested with a signed-in citizen's session cookie (every other URL: signed out, no cookie).
SIGNED_IN = frozenset({"signed-in leaderboards page", "signed-in home", "signed-in entry page"})
# Issue 22: every public page ≥ 0.85× for a signed-out visitor, the JSON ≥ 0.95×, a signed-in page view ≥ 0.5×.
TARGETS = {"leaderboard JSON": 0.95, "home": 0.85, "leaderboards page": 0.85, "gallery": 0.85, "entry page": 0.85,
           "winners": 0.85, "rules": 0.85, "signed-in leaderboards page": 0.5, "signed-in home": 0.5,
           "signed-in entry page": 0.5}
DEMO_CITIZEN = "13800000004"  # seed-demo's citizen 小李 (password contest.ops.demo.DEMO_PASSWORD)
STANDINGS_TARGET_MS = 300
USER_AGENT = "contest-bench/1.0"
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, *, duration: int, threads: int = 2, connections: int = 16, cookie: str = "",
        timeout: int = 2, script: Path | None = None) -> dict:
    """One wrk run: requests/s, p50 and p99 in ms, and the responses that were not 2xx/3xx
    (``script``: a wrk Lua script that makes the requests)."""
    # With a cookie, the browser that signed in (sign_in's User-Agent): the session stays as it is.
    header = ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}"] if cookie else []
    if script is not None:
        header += ["-s", str(script)]
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}s",
                          "--latency", *header, url],
                         capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    latency = {p: float(v) * UNITS[u] for p, v, u in LATENCY.findall(out)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    if rate is None or set(latency) != {"50", "99"}:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    return {"rps": float(rate.group(1)), "p50_ms": latency["50"], "p99_ms": latency["99"],
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else ""}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cold_standings(env: dict[str, str], redis_url: str, runs: int = 5) -> dict:
    """``standings(contest, limit=10)`` timed from a new connection (pool disposed, Redis flushed),
    and the database's plan for its query (``EXPLAIN ANALYZE`` on PostgreSQL)."""
    from redis import Redis

    from contest import create_app
    from contest.domain.contests import resolve_contest
    from contest.domain.likes import standings
    from contest.extensions import db

    app = create_app(environ=env)
    times, statements = [], []
    with app.app_context():
        for _ in range(runs):
            Redis.from_url(redis_url).flushdb()
            db.session.remove()
            db.engine.dispose()
            started = time.perf_counter()
            contest = resolve_contest("demo", None)
            rows = standings(contest, limit=10)
            times.append((time.perf_counter() - started) * 1000)
            assert len(rows) == 10, rows

        def keep(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", keep)
        standings(resolve_contest("demo", None), limit=10)
        sa.event.remove(db.engine, "before_cursor_execute", keep)
        statement, parameters = statements[-1]
        explain = "EXPLAIN (ANALYZE, BUFFERS) " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        with db.engine.connect() as conn:
            plan = [" ".join(str(v) for v in row) for row in conn.exec_driver_sql(explain + statement, parameters)]
        db.session.remove()
        db.engine.dispose()
    return {"ms": times, "plan": plan}


# Where a request's time goes, by the outermost call of each part (cProfile, cumulative).
PARTS = {
    "contest resolution": ("contest/web/contest_choice.py", "contest_for_request"),
    "cache version query": ("contest/integrations/caching.py", "current_version"),
    "cache read (Redis GET, unpickle)": ("flask_caching/__init__.py", "get"),
    "rate-limit check": ("flask_limiter/extension.py", "_check_request_limit"),
    "template rendering": ("flask/templating.py", "render_template"),
    "JSON encoding": ("flask/json/provider.py", "response"),
    "health query": ("contest/blueprints/health.py", "healthz"),
    "request log line": ("logging/__init__.py", "log"),
    "app context teardown": ("flask/app.py", "do_teardown_appcontext"),
    "stored response (hit)": ("contest/integrations/caching.py", "_stored"),
    "visitor regions spliced in": ("contest/web/public_pages.py", "with_visitor"),
    "user loading": ("flask_login/utils.py", "_get_user"),
}
TOTAL = ("werkzeug/test.py", "open")


def profile_requests(env: dict[str, str], paths: dict[str, str], cookie: str, n: int = 300) -> dict:
    """Each URL ``n`` times through the whole WSGI stack in this process (the app ``wsgi.py``
    serves, werkzeug's test client instead of gunicorn): CPU ms a request without the profiler,
    and the share of each part of :data:`PARTS` under cProfile."""
    from contest import create_app

    with open(os.devnull, "w") as sink, redirect_stderr(sink):  # the request log is written (to nowhere)
        app = create_app(environ=env)
        signed_in = app.test_client()  # with the session cookie signed in over HTTP (same secret key)
        signed_in.set_cookie(*cookie.split("=", 1))
        return _profile({name: signed_in if name in SIGNED_IN else app.test_client() for name in paths}, n, paths)


def test_client_sign_in(client) -> None:
    """Sign seed-demo's citizen in through the real form, with a test client."""
    from contest.ops.demo import DEMO_PASSWORD

    page = client.get("/accounts/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    done = client.post("/accounts/login", data={"phone": DEMO_CITIZEN, "password": DEMO_PASSWORD, "csrf_token": token})
    if done.status_code != 302:
        raise RuntimeError(f"sign-in answered {done.status_code}")


def profile_only(database: str, size: int, snapshots: int, workdir: Path, n: int = 300, top: int = 25) -> None:
    """Seed one case, then print where a request's CPU goes (no server, no wrk)."""
    from contest import create_app

    with ExitStack() as stack:
        env, _redis_url, _procs, _seconds = seeded(stack, database, size, snapshots, workdir)
        with open(os.devnull, "w") as sink, redirect_stderr(sink):
            app = create_app(environ=env)
            anonymous, signed_in = app.test_client(), app.test_client()
            test_client_sign_in(signed_in)
            with app.app_context():
                from contest.domain.contests import resolve_contest
                from contest.domain.likes import standings
                entry_id = standings(resolve_contest("demo", None), limit=1)[0].entry.id
            paths = {name: path.format(entry=entry_id) for name, path in URLS.items()}
            clients = {name: signed_in if name in SIGNED_IN else anonymous for name in paths}
            report = _profile(clients, n, paths)
            print(f"{database}, {size:,} entries × {snapshots}: in-process CPU a request, and where it goes")
            for name, row in report.items():
                parts = ", ".join(f"{part} {share:.0%}"
                                  for part, share in sorted(row["shares"].items(), key=lambda i: -i[1]))
                print(f"- {name} {paths[name]}: {row['cpu_ms']:.2f} ms — {parts}")
            for name in sorted(SIGNED_IN):
                client, path = clients[name], paths[name]
                profiler = cProfile.Profile()
                profiler.runcall(lambda: [client.get(path) for _ in range(n)])
                print(f"\n{name} {path}: the top {top} functions by cumulative time ({n} requests)")
                stats = pstats.Stats(profiler, stream=sys.stdout)
                stats.sort_stats("cumulative").print_stats(top)


def _profile(clients: dict, n: int, paths: dict[str, str]) -> dict:
    report = {}
    for name, path in paths.items():
        client = clients[name]
        for _ in range(30):
            client.get(path)
        started = time.process_time()
        for _ in range(n):
            client.get(path)
        cpu_ms = (time.process_time() - started) * 1000 / n
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [client.get(path) for _ in range(n)])
        stats = pstats.Stats(profiler).stats
        cumulative = {}
        for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.items():
            for part, (suffix, wanted) in {**PARTS, "total": TOTAL}.items():
                if function == wanted and filename.endswith(suffix):
                    cumulative[part] = cumulative.get(part, 0.0) + ct
        total = cumulative.pop("total")
        report[name] = {"cpu_ms": round(cpu_ms, 3),
                        "shares": {part: round(t / total, 3) for part, t in cumulative.items() if t / total >= 0.01}}
    return report


def seeded(stack: ExitStack, database: str, size: int, snapshots: int, workdir: Path):
    """A fresh database of ``database`` seeded with ``size`` entries × ``snapshots`` and a Redis
    index of its own: ``(env, redis_url, procs, seed_seconds)``; everything ends with ``stack``."""
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        url = stack.enter_context(scratch_postgres("bench"))
    redis_url = stack.enter_context(scratch_redis())
    env = base_environ(CONTEST_ENV="production", CONTEST_SECRET_KEY=secrets.token_urlsafe(32),
                       CONTEST_TOKEN_KEYS=new_key(), CONTEST_COOKIE_SECURE="false", CONTEST_DATABASE_URL=url,
                       CONTEST_PUBLIC_URL="http://contest.test",
                       CONTEST_REDIS_URL=redis_url, CONTEST_EVIDENCE_DIR=str(workdir / "evidence"))
    procs = Processes(workdir, env)
    stack.callback(procs.stop_all)
    procs.flask("db-upgrade", "db", "upgrade")
    procs.flask("seed-demo", "seed-demo")
    started = time.monotonic()
    procs.flask("seed-scale", "seed-demo", "--entries", str(size), "--snapshots", str(snapshots), timeout=3600)
    seed_seconds = time.monotonic() - started
    if database == "postgresql":  # what autovacuum would do soon after a bulk load
        procs.run("analyze", ["psql", url, "-qc", "VACUUM ANALYZE"])
    return env, redis_url, procs, seed_seconds


def one_case(database: str, size: int, snapshots: int, duration: int, rounds_n: int, workdir: Path,
             profile_n: int = 300) -> dict:
    """Build, seed, serve and measure one database at one size."""
    with ExitStack() as stack:
        env, redis_url, procs, seed_seconds = seeded(stack, database, size, snapshots, workdir)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = procs.start("gunicorn", [str(BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}",
                                          "wsgi:app"])
        wait_http(f"{base}/healthz", proc=server)
        board = http().get(f"{base}/api/v1/leaderboards/popularity", timeout=30).json()
        paths = {name: path.format(entry=board["entries"][0]["entry_id"]) for name, path in URLS.items()}
        cookie = sign_in(base)
        cookies = {name: cookie if name in SIGNED_IN else "" for name in URLS}
        for name, path in paths.items():
            response = http().get(base + path, timeout=30, headers={"Cookie": cookies[name], "User-Agent": USER_AGENT}
                                  if cookies[name] else {})
            if response.status_code != 200 or ("退出（" in response.text) != (name in SIGNED_IN):
                raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
            if "Set-Cookie" in response.headers:  # wrk would send the old cookie again and again
                raise RuntimeError(f"{path} changed the session: {response.headers['Set-Cookie'][:80]}")
        for name, path in paths.items():  # warm-up: every worker's connections, the shared cache
            wrk(base + path, duration=2, cookie=cookies[name])

        load_before = load_average()
        rounds = [{name: wrk(base + path, duration=duration, cookie=cookies[name]) for name, path in paths.items()}
                  for _ in range(rounds_n)]
        closing = wrk(base + URLS["healthz"], duration=duration)
        load_after = load_average()
        procs.stop("gunicorn")
        # Each page against the health check measured just before and just after it.
        for i, row in enumerate(rounds):
            after = rounds[i + 1]["healthz"] if i + 1 < len(rounds) else closing
            health = (row["healthz"]["rps"] + after["rps"]) / 2
            for result in row.values():
                result["ratio"] = result["rps"] / health
        results = {name: {key: statistics.median(r[name][key] for r in rounds)
                          for key in ("rps", "p50_ms", "p99_ms", "ratio")} | {
                       "non_2xx": sum(r[name]["non_2xx"] for r in rounds),
                       "ratios": [round(r[name]["ratio"], 2) for r in rounds]}
                   for name in URLS}
        return {"database": database, "entries": size, "snapshots_per_entry": snapshots,
                "snapshots": size * snapshots, "seed_seconds": round(seed_seconds, 1),
                "load_before": load_before, "load_after": load_after, "rounds": rounds_n, "urls": results,
                "paths": paths, "cold_standings": cold_standings(env, redis_url),
                "profile": profile_requests(env, paths, cookie, n=profile_n)}


def sign_in(base: str) -> str:
    """The session cookie of seed-demo's citizen, signed in through the real form over HTTP."""
    from contest.ops.demo import DEMO_PASSWORD

    session = http()
    session.headers["User-Agent"] = USER_AGENT  # as wrk will send with the cookie: the same browser
    page = session.get(f"{base}/accounts/login", timeout=30).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    done = session.post(f"{base}/accounts/login", data={"phone": DEMO_CITIZEN, "password": DEMO_PASSWORD,
                                                        "csrf_token": token}, allow_redirects=False, timeout=30)
    if done.status_code != 302:
        raise RuntimeError(f"sign-in answered {done.status_code}: {done.text[:300]}")
    session.get(f"{base}/leaderboards", timeout=30)  # the sign-in message is shown once, as to a person
    return f"zzcontest_session={session.cookies['zzcontest_session']}"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))

    def version(*args: str) -> str:
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=10)
        except OSError:
            return "?"
        return (done.stdout or done.stderr).strip().splitlines()[0]

    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"), "load_at_start": load_average(), "nproc": os.cpu_count(),
        "cpu": cpu, "ram_gib": round(mem_kb / 1024 / 1024, 1), "python": platform.python_version(),
        "gunicorn": version(str(BIN / "gunicorn"), "--version"), "wrk": version("wrk", "--version"),
        "postgresql": version("psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"),
        "sqlite": sqlite3.sqlite_version, "redis": version("redis-server", "--version"),
    }


def markdown(case: dict) -> str:
    lines = [f"**{case['database']}, {case['entries']:,} entries × {case['snapshots_per_entry']} snapshots "
             f"= {case['snapshots']:,} snapshots** (seeded in {case['seed_seconds']} s; load average "
             f"{case['load_before']} before, {case['load_after']} after; medians of {case['rounds']} rounds)", "",
             "| URL | requests/s | p50 ms | p99 ms | ratio to /healthz (rounds) | target |",
             "|---|---|---|---|---|---|"]
    for name, row in case["urls"].items():
        target = TARGETS.get(name)
        verdict = f"≥ {target} {'✔' if row['ratio'] >= target else '✘'}" if target else ""
        errors = f" ({row['non_2xx']} non-2xx)" if row["non_2xx"] else ""
        lines.append(f"| {name} `{case['paths'][name]}` | {row['rps']:.0f}{errors} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
                     f"| **{row['ratio']:.2f}** ({', '.join(f'{r:.2f}' for r in row['ratios'])}) | {verdict} |")
    cold = case["cold_standings"]["ms"]
    lines += ["", f"Cold standings (new connection, cache flushed): median **{statistics.median(cold):.1f} ms** "
                  f"(runs: {', '.join(f'{t:.1f}' for t in cold)}). Its query's plan:", "", "```",
              *case["cold_standings"]["plan"], "```", "",
              "In-process CPU a request, and where it goes (cProfile shares):", ""]
    for name, row in case["profile"].items():
        parts = ", ".join(f"{part} {share:.0%}" for part, share in sorted(row["shares"].items(), key=lambda i: -i[1]))
        lines.append(f"- {name}: {row['cpu_ms']:.2f} ms — {parts}")
    return "\n".join(lines)


def summary(cases: list[dict]) -> str:
    """The targets, one row a database and size, and how throughput moves from the smallest size to the largest."""
    def mark(ok: bool) -> str:
        return "✔" if ok else "✘"

    lines = ["| database | entries | " + " | ".join(f"{name} (≥ {target})" for name, target in TARGETS.items())
             + " | cold standings |", "|---|---|" + "---|" * len(TARGETS) + "---|"]
    for case in cases:
        ratios = " | ".join(f"{case['urls'][name]['ratio']:.2f} {mark(case['urls'][name]['ratio'] >= target)}"
                            for name, target in TARGETS.items())
        cold = statistics.median(case["cold_standings"]["ms"])
        budget = f" (< {STANDINGS_TARGET_MS} ms {mark(cold < STANDINGS_TARGET_MS)})" \
            if case["database"] == "postgresql" and case["snapshots"] >= 1_000_000 else ""
        lines.append(f"| {case['database']} | {case['entries']:,} | {ratios} | {cold:.1f} ms{budget} |")
    lines.append("")
    for database in dict.fromkeys(c["database"] for c in cases):
        runs = sorted((c for c in cases if c["database"] == database), key=lambda c: c["entries"])
        if len(runs) > 1:
            small, large = runs[0], runs[-1]
            lines.append(f"- {database}, {small['entries']:,} → {large['entries']:,} entries: requests/s ×"
                         + ", ×".join(f"{large['urls'][name]['rps'] / small['urls'][name]['rps']:.2f} {name}"
                                      for name in URLS)
                         + "; ratio to /healthz " + ", ".join(
                             f"{small['urls'][name]['ratio']:.2f} → {large['urls'][name]['ratio']:.2f} {name}"
                             for name in URLS if name != "healthz"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--snapshots", type=int, default=50, help="snapshots per entry (20,000 × 50 = 1M)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all URLs; figures are the medians")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    parser.add_argument("--profile-requests", type=int, default=300, help="requests a URL for the in-process profile")
    parser.add_argument("--profile-only", action="store_true",
                        help="only seed and print where a request's CPU goes (no server, no wrk)")
    args = parser.parse_args()

    if args.profile_only:
        for database in args.databases.split(","):
            for size in map(int, args.sizes.split(",")):
                with tempfile.TemporaryDirectory(prefix=f"profile-{database}-{size}-") as tmp:
                    profile_only(database, size, args.snapshots, Path(tmp), n=args.profile_requests)
        return
    about = machine()
    print(json.dumps(about, ensure_ascii=False, indent=1))
    cases = []
    for database in args.databases.split(","):
        for size in map(int, args.sizes.split(",")):
            with tempfile.TemporaryDirectory(prefix=f"bench-{database}-{size}-") as tmp:
                case = one_case(database, size, args.snapshots, args.duration, args.rounds, Path(tmp),
                                profile_n=args.profile_requests)
            cases.append(case)
            print(markdown(case), "\n", flush=True)
    print(summary(cases))
    if args.json:
        args.json.write_text(json.dumps({"machine": about, "cases": cases}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
