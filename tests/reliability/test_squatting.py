"""A stranger enters someone else's public video; the real author, signing in with Douyin,
still enters it — over real HTTP (the site on a loopback port, the Douyin sandbox's
authorize page, the OAuth callback, the JSON API), as a browser would."""

from __future__ import annotations

import html
import re

import requests
import sqlalchemy as sa

from contest.domain import ownership
from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryStatus, OwnerProof
from contest.models.notification import Notification
from tests.support.douyin import consent
from tests.conftest import CSRF_META
from tests.support.sessions_http import signed_in_session

IN_WINDOW = "2020-06-25T12:00:00+08:00"
AUTHOR = "ou_squat_author"


def page_csrf(http: requests.Session, url: str) -> str:
    return CSRF_META.search(http.get(url, timeout=30).text).group(1)


def link_douyin(base: str, sandbox, http: requests.Session | None = None) -> tuple[requests.Session, str]:
    """Sign in with Douyin (or link it to the signed-in ``http``): the site's redirect, the
    sandbox's authorize page answered as AUTHOR, the site's callback. Returns the session
    and its CSRF token."""
    if http is None:
        http = requests.Session()
        http.trust_env = False
    start = http.get(f"{base}/auth/douyin?next=/entries/mine", allow_redirects=False, timeout=30)
    assert start.status_code == 302 and start.headers["Location"].startswith(sandbox.url)
    back = consent(sandbox, start.headers["Location"], open_id=AUTHOR)
    assert back.startswith(f"{base}/auth/douyin/callback?")
    done = http.get(back, allow_redirects=False, timeout=30)
    assert (done.status_code, done.headers["Location"]) == (302, "/entries/mine")
    return http, page_csrf(http, f"{base}/entries/mine")


def enter(base: str, http: requests.Session, token: str, video_id: str) -> requests.Response:
    body = {"text": f"7.43 pda:/ 看看 https://www.douyin.com/video/{video_id} 复制此链接，打开Dou音搜索",
            "theme": "life", "area": "tianyuan", "accept_rules": True, "show_nickname": False}
    return http.post(f"{base}/api/v1/entries", json=body, headers={"X-CSRFToken": token}, timeout=30)


def my_entries(base: str, http: requests.Session) -> list[dict]:
    return http.get(f"{base}/api/v1/me/entries", timeout=30).json()["entries"]


def visible(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_squatted_video_is_entered_by_its_author_and_the_squatter_is_told(live_site, at, make_contest, make_user,
                                                                           publish, sandbox):
    at(IN_WINDOW)
    make_contest()
    video_id = publish(open_id=AUTHOR)
    stranger = make_user(nickname="路人甲")
    squatter, squatter_token = signed_in_session(live_site, stranger.phone)

    squatted = enter(live_site, squatter, squatter_token, video_id)
    assert squatted.status_code == 201
    squatted_id = squatted.json()["id"]
    assert ownership.UNPROVEN_LABEL in visible(squatter.get(f"{live_site}/entries/mine", timeout=30).text)

    author, author_token = link_douyin(live_site, sandbox)
    entered = enter(live_site, author, author_token, video_id)
    assert entered.status_code == 201, entered.text
    assert entered.json() == {"id": entered.json()["id"], "status": "pending", "problems": []}
    assert entered.json()["id"] != squatted_id
    [own] = my_entries(live_site, author)
    assert (own["video_id"], own["status"], own["owner_proof"]) == (video_id, "pending", "platform")

    [closed] = my_entries(live_site, squatter)
    assert (closed["id"], closed["status"], closed["status_reason"], closed["owner_proof"]) == (
        squatted_id, "rejected", ownership.DISPLACED_REASON, None)
    inbox = visible(squatter.get(f"{live_site}/entries/inbox", timeout=30).text)
    assert "报名已关闭：视频作者本人已报名" in inbox

    db.session.expire_all()
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_id == squatted_id)).all() == [
        "entry.closed_for_author"]
    assert db.session.scalar(sa.select(Notification.kind).where(Notification.user_id == stranger.id)) == \
        "entry.closed_for_author"
    # A second try by the stranger now meets the author's proven entry.
    again = enter(live_site, squatter, squatter_token, video_id)
    assert (again.status_code, again.json()["problems"]) == (409, [ownership.ALREADY_ENTERED.as_dict()])


def test_a_withdrawn_squat_never_blocks_the_author(live_site, at, make_contest, make_user, publish, sandbox):
    at(IN_WINDOW)
    make_contest()
    video_id = publish(open_id=AUTHOR)
    squatter, token = signed_in_session(live_site, make_user(nickname="路人乙").phone)
    squatted_id = enter(live_site, squatter, token, video_id).json()["id"]
    withdrawn = squatter.post(f"{live_site}/entries/{squatted_id}/withdraw", data={"csrf_token": token},
                              allow_redirects=False, timeout=30)
    assert withdrawn.status_code == 302
    author, author_token = link_douyin(live_site, sandbox)
    entered = enter(live_site, author, author_token, video_id)
    assert entered.status_code == 201, entered.text
    db.session.expire_all()
    assert sorted((e.status.value, e.owner_proof) for e in db.session.scalars(sa.select(Entry))) == [
        ("pending", OwnerProof.PLATFORM), ("withdrawn", None)]


def test_a_phone_author_links_douyin_and_the_entry_keeps_its_place(live_site, at, make_contest, make_user, publish,
                                                                   sandbox):
    at(IN_WINDOW)
    make_contest()
    video_id = publish(open_id=AUTHOR)
    http, token = signed_in_session(live_site, make_user(nickname="手机作者").phone)
    entry_id = enter(live_site, http, token, video_id).json()["id"]
    [before] = my_entries(live_site, http)
    mine = visible(http.get(f"{live_site}/entries/mine", timeout=30).text)
    assert ownership.UNPROVEN_LABEL in mine and ownership.WHY_LINK in mine

    later = at("2020-06-26T08:00:00+08:00")
    link_douyin(live_site, sandbox, http)
    [after] = my_entries(live_site, http)
    assert (after["id"], after["submitted_at"], after["status"], after["owner_proof"]) == (
        entry_id, before["submitted_at"], "pending", "platform")
    assert ownership.UNPROVEN_LABEL not in visible(http.get(f"{live_site}/entries/mine", timeout=30).text)
    db.session.expire_all()
    assert db.session.get(Entry, entry_id).owner_verified_at == later
    assert db.session.get(Entry, entry_id).status is EntryStatus.PENDING
