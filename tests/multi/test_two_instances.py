"""More than one machine (issue 7, item 7): two gunicorn instances behind nginx share PostgreSQL
and Redis, so what one instance (or the RQ worker) writes, the other serves at once; rate limits
count across instances; and nginx retries an idempotent request on the other instance when one
dies mid-run. Everything runs as real processes (see conftest.py)."""

from __future__ import annotations

import re
import signal
import threading
import time

import pytest
import requests
import sqlalchemy as sa

from contest.blueprints.public.gallery import qr_svg
from tests.multi.conftest import PREFLIGHT_LIMIT, PUBLIC_URL
from tests.multi.processes import BIN, http

pytestmark = pytest.mark.xdist_group("two-instances")  # one cluster for the module under --dist loadgroup

CHECKLIST = {"slogan": True, "theme": True, "content": True}
TALENT_CAPTION = "醴陵瓷器手绘，一笔一画 #动力株洲文旅通 @株洲足迹"
XIAOLI_CAPTION = "神农城的夜景太美了 #动力株洲文旅通 @株洲足迹"
LAOZHANG_CAPTION = "炎陵黄桃熟了，欢迎来摘 #动力株洲文旅通 @株洲足迹"


def board(cluster, name: str) -> dict:
    response = http().get(f"{cluster.url(name)}/api/v1/leaderboards/popularity",
                          params={"contest": "demo", "limit": 100}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def page(cluster, name: str, path: str) -> str:
    """A public page as a signed-out visitor gets it (stored by the instance, shared by everyone)."""
    response = http().get(f"{cluster.url(name)}{path}", params={"contest": "demo"}, timeout=10)
    assert response.status_code == 200, response.text
    assert "Set-Cookie" not in response.headers and response.headers["X-Accel-Expires"] == "1"
    return response.text


def gallery(cluster, name: str) -> str:
    return page(cluster, name, "/gallery")


def staff_entries(cluster, name: str, status: str) -> dict[str, dict]:
    """The demo contest's entries in ``status``, by caption, as the staff API lists them."""
    response = cluster.staff("GET", name, "/entries", params={"contest": "demo", "status": status, "limit": 100})
    assert response.status_code == 200, response.text
    return {e["caption"]: e for e in response.json()["entries"]}


def signed_in_on(cluster, name: str) -> requests.Session:
    """A browser in which seed-demo's citizen 小李 signed in through instance ``name``'s form."""
    browser = http()
    login_page = browser.get(f"{cluster.url(name)}/accounts/login", timeout=10).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', login_page).group(1)
    signed_in = browser.post(f"{cluster.url(name)}/accounts/login", data={
        "phone": "13800000004", "password": "zhuzhou2020", "csrf_token": token}, allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302, signed_in.text
    return browser


def test_review_through_one_instance_shows_at_once_through_the_other(cluster):
    pending = staff_entries(cluster, "a", "pending")
    entry = pending[TALENT_CAPTION]
    # A reading above every demo curve, so that the entry makes the top ten of /leaderboards once approved
    # (the demo's likes follow curves that depend on the day the demo was seeded).
    recorded = cluster.staff("POST", "a", f"/entries/{entry['id']}/likes", json={"likes": 99_999})
    assert recorded.status_code == 201, recorded.text
    # B serves (and caches, in Redis) the board and the gallery before the decision.
    before = board(cluster, "b")
    assert entry["id"] not in [row["entry_id"] for row in before["entries"]]
    assert "共 36 件作品" in gallery(cluster, "b")
    assert "醴陵瓷器手绘" not in page(cluster, "b", "/leaderboards")
    assert gallery(cluster, "b") == gallery(cluster, "b")

    decided = cluster.staff("POST", "a", f"/entries/{entry['id']}/review",
                            json={"decision": "approve", "checklist": CHECKLIST})
    assert decided.status_code == 200, decided.text
    assert decided.json() == {"id": entry["id"], "status": "approved", "version": entry["version"] + 1}

    after = board(cluster, "b")
    row = next(r for r in after["entries"] if r["entry_id"] == entry["id"])
    assert row == {"rank": row["rank"], "entry_id": entry["id"], "video_id": entry["video_id"],
                   "title": "醴陵瓷器手绘，一笔一画", "author": "阿华才艺", "theme": "talent", "likes": row["likes"],
                   "corrected": False, "correction": None}
    assert len(after["entries"]) == len(before["entries"]) + 1
    shown = gallery(cluster, "b")
    assert "共 37 件作品" in shown
    assert f'<a href="/gallery/{entry["id"]}">醴陵瓷器手绘，一笔一画</a>' in shown
    assert "醴陵瓷器手绘" in page(cluster, "b", "/leaderboards")


def test_poll_run_by_the_rq_worker_shows_at_once_through_both_instances(cluster):
    approved = staff_entries(cluster, "a", "approved")
    xiaoli, laozhang = approved[XIAOLI_CAPTION], approved[LAOZHANG_CAPTION]
    # seed-demo linked the demo citizens' Douyin accounts; these counts beat every demo curve.
    cluster.sandbox_control(f"videos/{xiaoli['video_id']}/stats", {"digg_count": 50_024})
    cluster.sandbox_control(f"videos/{laozhang['video_id']}/stats", {"digg_count": 60_000})
    for name in ("a", "b"):  # both boards are cached before the sweep: not read yet
        assert {r["likes"] for r in board(cluster, name)["entries"]}.isdisjoint({50_024, 60_000})

    said = cluster.procs.flask("poll-likes", "poll-likes")
    assert any(re.fullmatch(r"扫描 #\d+ 已拆分为 10 个任务交给 RQ 队列 contest-polling（rq worker 执行）。", line)
               for line in said.splitlines()), said
    cluster.procs.run("rq-worker", [str(BIN / "rq"), "worker", "--burst", "--url", cluster.redis_url,
                                    "contest-polling"], timeout=60)

    boards = {name: board(cluster, name) for name in ("a", "b")}
    assert boards["a"] == boards["b"]
    assert [(r["rank"], r["entry_id"], r["likes"]) for r in boards["a"]["entries"][:2]] == [
        (1, laozhang["id"], 60_000), (2, xiaoli["id"], 50_024)]
    readings = cluster.staff("GET", "b", f"/entries/{xiaoli['id']}").json()["snapshots"]
    assert [(s["likes"], s["source"], s["counted"]) for s in readings][-1] == (50_024, "platform", True)
    assert len(readings) > 1  # the seeded daily history comes first


def test_a_session_started_on_one_instance_is_known_to_both_and_ends_on_both(cluster):
    """Sessions are rows in the shared database: sign in through A, be signed in on B; sign
    out through B, and a copy of the cookie gets 401 on A."""
    browser = signed_in_on(cluster, "a")
    copied = browser.cookies.get("zzcontest_session")
    me = browser.get(f"{cluster.url('b')}/api/v1/me", timeout=10)
    assert (me.status_code, me.json()["nickname"], me.headers["Cache-Control"]) == (200, "小李爱株洲", "no-store")

    home = browser.get(f"{cluster.url('b')}/", timeout=10).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', home).group(1)
    out = browser.post(f"{cluster.url('b')}/accounts/logout", data={"csrf_token": token}, allow_redirects=False,
                       timeout=10)
    assert out.status_code == 302, out.text
    thief = http()
    thief.cookies.set("zzcontest_session", copied)
    replayed = thief.get(f"{cluster.url('a')}/api/v1/me", timeout=10)
    assert (replayed.status_code, replayed.json()) == (401, {"error": "请先登录。"})


def test_signing_out_on_one_instance_ends_the_kept_signed_in_pages_on_both(cluster):
    """A signed-in visitor's public pages are answered in front of Flask from the regions each
    instance kept for the session (contest.web.signed_in); signing out through B ends them at
    once on A too, for any copy of the cookie."""
    browser = signed_in_on(cluster, "a")
    browser.get(f"{cluster.url('a')}/leaderboards", timeout=10)  # the sign-in message, shown once
    for _ in range(3):  # both workers of both instances keep the regions
        for name in ("a", "b"):
            page = browser.get(f"{cluster.url(name)}/leaderboards", params={"contest": "demo"}, timeout=10)
            assert "退出（小李爱株洲）" in page.text and page.headers["Cache-Control"] == "no-store"
    copied = browser.cookies.get("zzcontest_session")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    out = browser.post(f"{cluster.url('b')}/accounts/logout", data={"csrf_token": token}, allow_redirects=False,
                       timeout=10)
    assert out.status_code == 302, out.text
    thief = http()
    thief.headers["User-Agent"] = browser.headers["User-Agent"]
    thief.cookies.set("zzcontest_session", copied)
    for name in ("a", "b", "a", "b"):
        page = thief.get(f"{cluster.url(name)}/leaderboards", params={"contest": "demo"}, timeout=10).text
        assert "退出（小李爱株洲）" not in page and 'href="/accounts/login">登录</a>' in page


def test_preflight_limit_counts_requests_to_both_instances(cluster):
    answers = [http().post(f"{cluster.url('ab'[i % 2])}/api/v1/preflight", json={"text": "株洲的早晨"}, timeout=10)
               for i in range(PREFLIGHT_LIMIT + 2)]
    assert [r.status_code for r in answers] == [200] * PREFLIGHT_LIMIT + [429, 429]
    assert answers[0].json()["problems"][0]["code"] == "no_link"
    for refused in answers[PREFLIGHT_LIMIT:]:
        assert re.fullmatch(r"操作太频繁，请 \d+ 秒后再试。", refused.json()["error"]), refused.text
        assert refused.headers["X-RateLimit-Limit"] == str(PREFLIGHT_LIMIT)


def test_instance_killed_mid_run_loses_no_request_through_nginx(cluster):
    paths = ["/api/v1/leaderboards/popularity?contest=demo", "/healthz"]
    answers: list[tuple[str, int | str]] = []
    killed_after = 60
    halfway = threading.Event()

    def stream():
        session = http()
        for i in range(200):
            path = paths[i % 2]
            try:
                answers.append((path, session.get(cluster.url("nginx") + path, timeout=10).status_code))
            except requests.RequestException as exc:
                answers.append((path, exc.__class__.__name__))
            if i + 1 == killed_after:
                halfway.set()
            time.sleep(0.005)

    client = threading.Thread(target=stream)
    client.start()
    try:
        assert halfway.wait(30), "the client did not get going"
        # The master and its worker at once (SIGKILL, no graceful shutdown): requests in flight
        # on A die with it, which is the case nginx must cover.
        cluster.instance("a").signal_group(signal.SIGKILL)
        client.join(60)
        assert not client.is_alive()
        failed = [(i, path, status) for i, (path, status) in enumerate(answers) if status != 200]
        assert len(answers) == 200 and failed == []
        with pytest.raises(requests.ConnectionError):
            http().get(f"{cluster.url('a')}/healthz", timeout=2)

        log = [line for line in cluster.nginx_access_log() if line.startswith(tuple(paths))][-200:]
        a, b = f"127.0.0.1:{cluster.ports['a']}", f"127.0.0.1:{cluster.ports['b']}"
        served_by = [line.split(" upstream=")[1].split(" statuses=")[0] for line in log]
        assert {a, b} <= set(served_by[:killed_after])  # round robin before the kill
        retried = [s for s in served_by if s == f"{a}, {b}"]
        assert retried, "no request was retried on B: the kill did not hit a request routed to A"
    finally:
        client.join(60)
        cluster.procs.stop("a")  # reaps it; later tests (if any) get A back
        cluster.start_instance("a")
        cluster.wait_ready("a")


def publish_announcement(cluster, title: str) -> None:
    """Publish a notice through the app's models in the shared database (as the organiser's page does)."""
    from contest import create_app
    from contest import clock
    from contest.extensions import db
    from contest.models import Contest
    from contest.models.awards import Announcement, AnnouncementKind

    app = create_app(environ=cluster.env)
    with app.app_context():
        contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "demo"))
        db.session.add(Announcement(contest_id=contest.id, title=title, body="今晚维护", kind=AnnouncementKind.OTHER,
                                    published_at=clock.now()))
        db.session.commit()
        db.engine.dispose()


def test_nginx_shares_signed_out_pages_only_and_serves_static_files(cluster):
    """``deploy/nginx.conf``: a signed-out visitor's page is kept for a second and shared (keyed on
    host, path and query); a signed-in visitor always reaches an instance and gets their own page."""
    base = cluster.url("nginx")
    visitor = http()
    first = visitor.get(f"{base}/winners?contest=demo", timeout=10)
    second = visitor.get(f"{base}/winners?contest=demo", timeout=10)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.headers["X-Cache"] == "MISS" and second.headers["X-Cache"] in ("HIT", "REVALIDATED")  # from its copy
    assert second.text == first.text and "Set-Cookie" not in second.headers and "X-Accel-Expires" not in second.headers
    assert second.headers["Content-Encoding"] == "gzip"  # requests asks for it
    assert visitor.get(f"{base}/winners?contest=demo", headers={"If-None-Match": second.headers["ETag"]},
                       timeout=10).status_code == 304
    assert visitor.cookies.get("zzcontest_session") is None

    citizen = http()
    login = citizen.get(f"{base}/accounts/login", timeout=10)
    assert login.headers["X-Cache"] == "MISS" and "Set-Cookie" in login.headers  # not stored: it has a cookie
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', login.text).group(1)
    signed_in = citizen.post(f"{base}/accounts/login", data={"phone": "13800000004", "password": "zhuzhou2020",
                                                             "csrf_token": token}, timeout=10, allow_redirects=False)
    assert signed_in.status_code == 302, signed_in.text
    mine = citizen.get(f"{base}/winners?contest=demo", timeout=10)  # the page nginx has just stored
    assert mine.headers["X-Cache"] == "BYPASS" and "退出（" in mine.text and mine.text != first.text
    assert visitor.get(f"{base}/winners?contest=demo", timeout=10).text == first.text  # and nothing of theirs stored

    css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"', first.text).group(1)
    static = visitor.get(base + css, timeout=10)
    assert static.status_code == 200 and static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "X-Request-ID" not in static.headers  # nginx served it from disk


def test_a_change_reaches_nginx_within_its_second(cluster):
    base = cluster.url("nginx")
    before = http().get(f"{base}/announcements?contest=demo", timeout=10)
    assert "系统维护通知" not in before.text
    publish_announcement(cluster, "系统维护通知")
    assert "系统维护通知" in page(cluster, "b", "/announcements")  # at once on the instances
    time.sleep(2.1)  # NGINX_SECONDS (nginx counts whole seconds), then one revalidation
    after = http().get(f"{base}/announcements?contest=demo", timeout=10)
    assert "系统维护通知" in after.text, (after.headers, cluster.nginx_access_log()[-5:])


def test_a_forged_host_never_reaches_a_qr_code_or_share_link_nginx_keeps(cluster):
    """Issue 23, item 1: ``X-Forwarded-Host`` (and a forged ``Host``) sent through nginx change no
    absolute URL: QR codes, share links and the feed carry ``CONTEST_PUBLIC_URL``; nginx stores only
    what the app marked (the QR code's week of Cache-Control is for browsers, not for nginx)."""
    base = cluster.url("nginx")
    entry_id = next(iter(staff_entries(cluster, "a", "approved").values()))["id"]
    page_url = f"{PUBLIC_URL}/gallery/{entry_id}"
    forged = [{"X-Forwarded-Host": "evil.example"}, {"Host": "evil.example"},
              {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}]
    for headers in [*forged, *forged, {}]:
        qr = http().get(f"{base}/gallery/{entry_id}/qr.svg", headers=headers, timeout=10)
        assert (qr.status_code, qr.content, qr.headers["X-Cache"]) == (200, qr_svg(page_url), "MISS")
        entry_page = http().get(f"{base}/gallery/{entry_id}", headers=headers, timeout=10)
        assert f'value="{page_url}"' in entry_page.text and "evil.example" not in entry_page.text
        feed = http().get(f"{base}/announcements.atom", params={"contest": "demo"}, headers=headers, timeout=10)
        assert f"{PUBLIC_URL}/announcements?contest=demo" in feed.text and "evil.example" not in feed.text
    assert qr.headers["Server"] == "nginx"  # server_tokens off: no version


def test_the_deployed_access_log_keeps_no_query_string(cluster):
    """Issue 23, item 10: a phone number in a query string never reaches the access log."""
    response = http().get(f"{cluster.url('nginx')}/gallery", params={"contest": "demo", "q": "13912345678"}, timeout=10)
    assert response.status_code == 200
    deadline = time.monotonic() + 5  # nginx writes its log line after the answer has gone
    while not (lines := [line for line in cluster.contest_access_log() if '"GET /gallery HTTP/1.1" 200' in line]):
        assert time.monotonic() < deadline, cluster.contest_access_log()
        time.sleep(0.05)
    assert not [line for line in cluster.contest_access_log() if "13912345678" in line or "?" in line]
