"""Public pages for signed-out visitors (issue 13): one stored page for everyone, served in front of
Flask, with nothing personal in it; never served to a signed-in visitor; replaced the moment the
public-data version moves, and at the latest at the next minute or window boundary; 304s for repeat
visits; fingerprinted static files with year-long immutable caching."""

import re
from datetime import timedelta

import pytest
from flask import request_started

from contest import clock
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import EntryStatus, SnapshotSource
from contest.models.awards import Announcement, AnnouncementKind
from contest.web.signed_in import VISITOR_REGION
from tests.conftest import CSRF_META

PAGES = ["/", "/leaderboards", "/gallery", "/winners", "/rules", "/announcements", "/privacy"]


@pytest.fixture
def entry(at, make_contest, linked_author, entry_of):
    at("2020-06-20T09:00:00+08:00")
    contest = make_contest()
    made = entry_of(contest, linked_author("ou_pages"), likes=100)
    record_snapshot(made, observed_at=clock.now(), likes=100, source=SnapshotSource.PLATFORM)
    db.session.commit()
    return made


@pytest.fixture
def flask_requests(app):
    """The paths Flask itself handled (a stored page never reaches it)."""
    seen = []

    def note(sender, **extra):
        from flask import request
        seen.append(request.full_path.rstrip("?"))
    request_started.connect(note, app)
    yield seen
    request_started.disconnect(note, app)


def pages_of(entry) -> list[str]:
    return [*PAGES, f"/gallery/{entry.id}", f"/people/{entry.user_id}"]


def test_signed_out_pages_carry_no_cookie_no_token_and_are_stored(app, entry, flask_requests):
    entry.show_nickname = True
    db.session.commit()
    client = app.test_client()
    for path in pages_of(entry):
        first, second = client.get(path), client.get(path)
        assert (first.status_code, second.status_code) == (200, 200), path
        for response in (first, second):
            assert "Set-Cookie" not in response.headers, path
            assert not CSRF_META.search(response.get_data(as_text=True)), path
            assert response.headers["Cache-Control"] == "no-cache"
            assert response.headers["X-Accel-Expires"] == "1"
            assert "X-Public-Cache-Until" not in response.headers
        assert second.get_data() == first.get_data() and second.headers["ETag"] == first.headers["ETag"]
        assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert client.get_cookie("zzcontest_session") is None
    assert flask_requests == pages_of(entry)  # every second view came from the store


def test_a_repeat_visit_gets_a_304(client, entry, flask_requests):
    first = client.get("/leaderboards")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)
    same = client.get("/leaderboards", headers={"If-None-Match": etag})
    assert (same.status_code, same.get_data(), same.headers["ETag"]) == (304, b"", etag)
    assert client.get("/leaderboards", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/leaderboards", headers={"If-None-Match": '"other"'}).status_code == 200
    # Flask answers the 304 too when the page is not stored yet.
    assert client.get("/rules").status_code == 200
    record_snapshot(entry, observed_at=clock.now() + timedelta(minutes=1), likes=120, source=SnapshotSource.PLATFORM)
    db.session.commit()
    rules = client.get("/rules")
    assert client.get("/rules", headers={"If-None-Match": rules.headers["ETag"]}).status_code == 304
    # A change to the public data: the page (and so its ETag) changes with it.
    changed = client.get("/leaderboards", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and "120" in changed.get_data(as_text=True)
    assert flask_requests == ["/leaderboards", "/rules", "/rules", "/leaderboards"]


def test_a_signed_in_visitor_never_gets_a_stored_page(app, entry, make_user, login, client, flask_requests):
    anonymous = app.test_client()
    stored = anonymous.get("/leaderboards")
    assert anonymous.get("/leaderboards").get_data() == stored.get_data()  # stored now
    user = make_user(nickname="王小明")
    login(user)  # then opens the page that is stored
    mine = client.get("/leaderboards")
    page = mine.get_data(as_text=True)
    assert "退出（王小明）" in page and CSRF_META.search(page)
    assert "X-Accel-Expires" not in mine.headers and "ETag" not in mine.headers
    assert client.get("/leaderboards", headers={"If-None-Match": stored.headers["ETag"]}).status_code == 200
    # Their copy is the stored page's body with their own header, token, messages and footer in it.
    assert VISITOR_REGION.sub("", page) == VISITOR_REGION.sub("", stored.get_data(as_text=True))
    assert "我的个人信息" in page and "我的个人信息" not in stored.get_data(as_text=True)
    # …and what they were shown is never stored for anyone else.
    home_signed_in = client.get("/").get_data(as_text=True)
    assert "王小明" in home_signed_in
    home = anonymous.get("/").get_data(as_text=True)
    assert "王小明" not in home and "登录" in home and not CSRF_META.search(home)
    # / is rendered once, as a signed-out visitor gets it, and stored for both (contest.web.signed_in).
    assert flask_requests.count("/leaderboards") == 3 and flask_requests.count("/") == 1


def test_a_signed_in_visitor_sees_their_own_messages_on_a_stored_page(app, entry, make_user, login, client):
    app.test_client().get("/gallery")  # stored
    login(make_user(nickname="王小明"))
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "审核结果已发送到消息中心。")]
    page = client.get("/gallery").get_data(as_text=True)
    assert '<p class="flash flash-info">审核结果已发送到消息中心。</p>' in page and "退出（王小明）" in page
    assert "审核结果已发送到消息中心。" not in client.get("/gallery").get_data(as_text=True)  # shown once
    assert "王小明" not in app.test_client().get("/gallery").get_data(as_text=True)


def test_a_visitor_with_a_session_but_signed_out_is_served_by_flask(app, entry, flask_requests, csrf):
    client = app.test_client()
    csrf(client)  # the sign-in page gives a session (its form's token)
    client.get("/gallery")
    client.get("/gallery")
    # The first also stores the signed-out page (through the store, as for a visitor without a cookie).
    assert flask_requests == ["/accounts/login", "/gallery", "/gallery", "/gallery"]


def test_a_change_is_on_the_next_page_view(client, entry, linked_author, entry_of, flask_requests):
    assert "共 1 件作品" in client.get("/gallery").get_data(as_text=True)
    other = entry_of(entry.contest, linked_author("ou_second"), status=EntryStatus.PENDING)
    assert "共 1 件作品" in client.get("/gallery").get_data(as_text=True)  # a pending entry moves nothing shown…
    other.status = EntryStatus.APPROVED  # …a review does
    db.session.commit()
    assert "共 2 件作品" in client.get("/gallery").get_data(as_text=True)
    # An announcement is public data too (the home page shows the latest three).
    assert "闭幕通知" not in client.get("/").get_data(as_text=True)
    db.session.add(Announcement(contest_id=entry.contest_id, title="闭幕通知", body="感谢参与", kind=AnnouncementKind.OTHER,
                                published_at=clock.now()))
    db.session.commit()
    assert "闭幕通知" in client.get("/").get_data(as_text=True)


def test_a_stored_page_holds_until_the_next_minute_or_window_boundary(client, entry, freeze, flask_requests):
    freeze("2020-07-17T23:57:10+08:00")
    assert ">距离截止还有 2 分<" in client.get("/").get_data(as_text=True)
    freeze("2020-07-17T23:57:59+08:00")
    assert ">距离截止还有 2 分<" in client.get("/").get_data(as_text=True)  # stored
    freeze("2020-07-17T23:58:30+08:00")  # the next minute: rendered again
    assert ">距离截止还有 1 分<" in client.get("/").get_data(as_text=True)
    board = client.get("/leaderboards").get_data(as_text=True)
    assert "实时排行" in board
    freeze("2020-07-18T00:00:00+08:00")  # the close: frozen at once
    assert "实时排行" not in client.get("/leaderboards").get_data(as_text=True)
    assert flask_requests == ["/", "/", "/leaderboards", "/leaderboards"]


def test_each_allowed_host_has_its_own_stored_page(client, entry):
    """Without CONTEST_PUBLIC_URL the page's own URL is the request's, so each allowed host is
    stored apart (with one, every host is answered as the canonical origin: test_canonical_url)."""
    one = client.get(f"/gallery/{entry.id}", base_url="http://localhost").get_data(as_text=True)
    two = client.get(f"/gallery/{entry.id}", base_url="http://127.0.0.1").get_data(as_text=True)
    assert f"http://localhost/gallery/{entry.id}" in one and f"http://127.0.0.1/gallery/{entry.id}" in two


def test_caption_check_works_without_a_cookie_and_state_changes_keep_csrf(app, make_contest, freeze):
    freeze("2020-06-20T09:00:00+08:00")
    make_contest()
    client = app.test_client()  # a cold visitor: no cookie, nothing stored yet
    answer = client.post("/caption-check", data={"caption": "株洲真美 #动力株洲文旅通 @株洲足迹"})
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    assert '<p class="ok-note">作品描述里有话题和@，可以发布了。</p>' in answer.get_data(as_text=True)
    assert not CSRF_META.search(answer.get_data(as_text=True))
    api = client.post("/api/v1/caption-check", json={"caption": "株洲真美"})
    assert api.status_code == 200 and api.get_json()["ok"] is False and "Set-Cookie" not in api.headers
    # A state change without its token is still refused.
    refused = client.post("/accounts/login", data={"phone": "13900000000", "password": "x"})
    assert refused.status_code == 400


def test_static_files_are_fingerprinted_and_immutable(client, entry):
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert {a.split("?")[0] for a in assets} >= {"/static/css/site.css", "/static/js/site.js", "/static/favicon.svg"}
    for asset in assets:
        assert re.fullmatch(r"/static/\S+\?v=[0-9a-f]{12}", asset), asset
        response = client.get(asset)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "immutable" not in client.get("/static/css/site.css").headers.get("Cache-Control", "")


def test_the_edge_cache_time_is_a_setting(database_url, sandbox, make_contest):
    from contest import create_app
    from tests.conftest import make_environ

    make_contest()
    for value, header in (("0", None), ("3", "3")):
        app = create_app(environ=make_environ(database_url, sandbox.url, CONTEST_EDGE_CACHE_SECONDS=value))
        with app.app_context():
            response = app.test_client().get("/privacy")
            assert response.status_code == 200 and response.headers.get("X-Accel-Expires") == header
            db.engine.dispose()


def test_a_stored_page_ends_when_published_results_stop_being_the_default(client, make_contest, freeze,
                                                                           flask_requests):
    """docs/rules.md §11: the default contest changes when the recent-results days end; the stored
    page of ``/`` must not outlive that instant (nor the next minute)."""
    from datetime import datetime

    from contest.models.awards import AwardKind, AwardList, AwardStatus

    old = make_contest("zhuzhou-2020", name="2020 活动")
    make_contest("zhuzhou-2021", "2021-06-18", "2021-07-17", name="2021 活动")
    for kind in AwardKind:
        db.session.add(AwardList(contest_id=old.id, kind=kind, version=1, status=AwardStatus.PUBLISHED,
                                 notice_starts_at=old.closes_at, notice_ends_at=old.closes_at,
                                 published_at=datetime.fromisoformat("2020-08-01T10:00:30+08:00")))
    db.session.commit()
    name = re.compile(r'<span class="contest-bar-name">([^<]+)</span>')
    freeze("2020-08-31T10:00:10+08:00")
    assert name.findall(client.get("/").get_data(as_text=True)) == ["2020 活动"]
    freeze("2020-08-31T10:00:29+08:00")
    assert name.findall(client.get("/").get_data(as_text=True)) == ["2020 活动"]  # stored
    freeze("2020-08-31T10:00:30+08:00")  # thirty days after publication: the next contest is the default
    assert name.findall(client.get("/").get_data(as_text=True)) == ["2021 活动"]
    assert flask_requests == ["/", "/"]
