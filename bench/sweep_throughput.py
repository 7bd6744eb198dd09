"""How much of the platform's allowed rate one sweep uses (issue: at least 90 %).

Run on demand, never as a test:  .venv/bin/python bench/sweep_throughput.py [--rate 20] [--authors 300]

It serves the Douyin sandbox on a free loopback port with a rate limit on
``video_data`` (calls beyond ``--rate`` per rolling second answer 28003018), points a
site with a throw-away SQLite database at it, creates ``--authors`` linked authors
with two entries each, runs one sweep paced at the same rate, and reports the
achieved ``video_data`` rate as a ratio of the allowed one, measured in this run.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from werkzeug.serving import make_server

from contest import create_app
from contest import clock
from contest.domain.contests import create_contest
from contest.douyin.sandbox import create_sandbox_app
from contest.extensions import db
from contest.jobs.polling import run_sweep
from contest.jobs.ratelimit import Pacer
from contest.models import DouyinAccount, Entry, EntryStatus, OwnerProof, Role, User


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=20, help="allowed video_data calls per second")
    parser.add_argument("--authors", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    sandbox = create_sandbox_app(seed=False)
    server = make_server("127.0.0.1", 0, sandbox, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    http = requests.Session()
    http.trust_env = False

    def control(path: str, payload: dict) -> dict:
        response = http.post(f"{url}/__sandbox__/{path}", json=payload, timeout=10)
        response.raise_for_status()
        return response.json()

    tmp = Path(tempfile.mkdtemp())
    app = create_app(environ={"CONTEST_ENV": "testing", "CONTEST_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                              "CONTEST_DOUYIN_SANDBOX_URL": url, "CONTEST_RATELIMIT_ENABLED": "false"})
    now = datetime(2020, 6, 25, 4, 0, tzinfo=timezone.utc)
    clock.freeze(now)
    control("clock", {"now": int(now.timestamp())})
    with app.app_context():
        db.create_all()
        contest = create_contest(slug="bench", name="bench", opens_at=now - timedelta(days=7),
                                 closes_at=now + timedelta(days=23))
        db.session.flush()
        serial = 0
        for a in range(args.authors):
            open_id = f"ou_bench_{a}"
            control("users", {"open_id": open_id, "nickname": open_id})
            grant = control("tokens", {"open_id": open_id})
            grant = grant.get("data", grant)
            user = User(nickname=open_id, role=Role.CITIZEN)
            user.douyin = DouyinAccount(open_id=open_id, scopes="user_info,video.list.bind,video.data.bind",
                                        access_token=grant["access_token"], refresh_token=grant["refresh_token"],
                                        access_expires_at=now + timedelta(days=15),
                                        refresh_expires_at=now + timedelta(days=30))
            db.session.add(user)
            for _ in range(2):
                serial += 1
                created = int((now - timedelta(days=3)).timestamp())
                vid = str((created << 32) | serial)
                control("videos", {"video_id": vid, "open_id": open_id, "title": "bench", "create_time": created,
                                   "digg_count": serial, "public": True})
                db.session.add(Entry(contest=contest, user=user, video_id=vid, status=EntryStatus.APPROVED,
                                     theme=contest.themes[0], area=contest.areas[0], submitted_text=vid,
                                     fact_sources={}, checks=[], rules_accepted_at=now, submitted_at=now,
                                     status_changed_at=now, owner_verified_at=now,
                                     owner_proof=OwnerProof.PLATFORM))
        db.session.commit()

    control("rate-limit", {"endpoint": "video_data", "per_second": int(args.rate)})
    started = time.monotonic()
    report = run_sweep(app, client=app.extensions["douyin"], pacer=Pacer(args.rate), concurrency=args.concurrency)
    elapsed = time.monotonic() - started
    calls = [r for r in http.get(f"{url}/__sandbox__/log", timeout=10).json()["requests"]
             if r["endpoint"] == "video_data"]
    achieved = len(calls) / elapsed
    print(report.line())
    print(f"video_data calls: {len(calls)} in {elapsed:.2f} s = {achieved:.2f}/s; allowed {args.rate:.2f}/s; "
          f"ratio {achieved / args.rate:.3f} (target ≥ 0.90); rate-limited authors: {report.failures['rate_limited']}")
    server.shutdown()


if __name__ == "__main__":
    main()
