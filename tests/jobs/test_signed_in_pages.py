"""A signed-in visitor's public pages without Flask (issue 22): after Flask has answered a session
once, its header regions are kept and spliced into the stored page in front of Flask, checked each
time against the session's row and the account (one statement). Signing out ends that at once;
a change of nickname or unread count shows on the next page; one person's header is never
served to another."""

import re

import pytest

from contest import clock
from contest.domain import notify, sessions
from contest.domain.likes import record_snapshot
from contest.models import SnapshotSource
from contest.extensions import db
from contest.web.signed_in import VISITOR_REGION
from tests.conftest import CSRF_META, csrf_from

SIGNED_OUT_LINK = '<a class="bar-link" href="/accounts/login">登录</a>'


@pytest.fixture
def entry(at, make_contest, linked_author, entry_of):
    at("2020-06-20T09:00:00+08:00")
    made = entry_of(make_contest(), linked_author("ou_pages"), likes=100)
    record_snapshot(made, observed_at=clock.now(), likes=100, source=SnapshotSource.PLATFORM)
    db.session.commit()
    return made


@pytest.fixture
def signed_in(app, entry, make_user):
    """``signed_in(nickname)``: a new test client signed in as a new citizen, its pages stored and
    its regions kept (it has opened a public page twice); returns ``(client, user)``."""
    def _make(nickname: str):
        user = make_user(nickname=nickname)
        client = app.test_client()
        token = csrf_from(client)
        assert client.post("/accounts/login", data={"phone": user.phone, "password": "secret-pass-1",
                                                    "csrf_token": token}).status_code == 302
        app.test_client().get("/leaderboards")  # the signed-out page is stored
        client.get("/leaderboards")  # the sign-in message is shown (the session changes)
        client.get("/leaderboards")  # Flask answers; the regions are kept
        return client, user
    return _make


def test_a_signed_in_page_is_answered_in_front_of_flask_and_is_the_same_page(app, signed_in, flask_paths):
    client, _ = signed_in("王小明")
    assert "退出（王小明）" in client.get("/gallery").get_data(as_text=True)  # not stored yet: Flask renders it
    stored = app.test_client().get("/gallery")
    assert app.test_client().get("/").status_code == 200
    flask_paths.clear()
    pages = [client.get(path) for path in ("/leaderboards", "/gallery", "/", "/leaderboards")]
    assert flask_paths == []
    assert [p.status_code for p in pages] == [200] * 4
    assert VISITOR_REGION.sub("", pages[1].get_data(as_text=True)) == VISITOR_REGION.sub("", stored.get_data(as_text=True))
    for response in pages:
        page = response.get_data(as_text=True)
        assert "退出（王小明）" in page and CSRF_META.search(page) and SIGNED_OUT_LINK not in page
        assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers
        assert "X-Accel-Expires" not in response.headers and "Set-Cookie" not in response.headers
        assert response.headers["Content-Length"] == str(len(response.get_data()))
    # The token on the page is this session's: a form posted with it is accepted.
    token = CSRF_META.search(pages[-1].get_data(as_text=True)).group(1)
    assert client.post("/accounts/logout", data={"csrf_token": token}).status_code == 302


def test_signing_out_ends_the_session_at_once_also_for_a_copy_of_the_cookie(app, signed_in, flask_paths):
    client, _ = signed_in("王小明")
    copy = app.test_client()
    copy.set_cookie("zzcontest_session", client.get_cookie("zzcontest_session").value)
    assert "退出（王小明）" in copy.get("/leaderboards").get_data(as_text=True)
    token = CSRF_META.search(client.get("/leaderboards").get_data(as_text=True)).group(1)
    assert client.post("/accounts/logout", data={"csrf_token": token}).status_code == 302
    after = copy.get("/leaderboards").get_data(as_text=True)
    assert "王小明" not in after and SIGNED_OUT_LINK in after


def test_ending_every_session_of_an_account_ends_the_kept_ones(app, signed_in):
    client, user = signed_in("王小明")
    assert "退出（王小明）" in client.get("/leaderboards").get_data(as_text=True)
    sessions.end_sessions(user)  # as a password or role change does
    db.session.commit()
    page = client.get("/leaderboards").get_data(as_text=True)
    assert "王小明" not in page and SIGNED_OUT_LINK in page


def test_a_new_message_and_a_new_nickname_show_on_the_next_page(app, signed_in, flask_paths):
    client, user = signed_in("王小明")
    notify.to_inbox(user, kind="entry.approved", title="作品已通过", body="您的作品已通过审核。", now=clock.now())
    db.session.commit()
    page = client.get("/leaderboards").get_data(as_text=True)
    assert re.search(r'我的<span class="badge">1</span>', page)
    user.nickname = "王大明"
    db.session.commit()
    page = client.get("/leaderboards").get_data(as_text=True)
    assert "退出（王大明）" in page and "王小明" not in page
    app.test_client().get("/leaderboards")  # a nickname is public data: the signed-out page is stored anew
    client.get("/leaderboards")
    flask_paths.clear()
    assert "退出（王大明）" in client.get("/leaderboards").get_data(as_text=True)
    assert flask_paths == []  # kept again, with the new nickname and count


def test_one_persons_header_is_never_served_to_another(app, signed_in):
    first, _ = signed_in("王小明")
    second, _ = signed_in("李小红")
    for _ in range(3):
        for client, mine, theirs in ((first, "王小明", "李小红"), (second, "李小红", "王小明")):
            for path in ("/leaderboards", "/gallery"):
                page = client.get(path).get_data(as_text=True)
                assert f"退出（{mine}）" in page and theirs not in page
    assert "王小明" not in app.test_client().get("/leaderboards").get_data(as_text=True)


def test_signed_in_visitors_alone_keep_the_stored_pages(app, signed_in, flask_paths, freeze):
    """When the stored page has ended (the next minute) and only signed-in visitors come, the page
    is rendered once as a signed-out visitor gets it — stored for everyone — and spliced."""
    client, _ = signed_in("王小明")
    freeze("2020-06-20T09:02:30+08:00")  # every stored page has ended (the session was seen at 09:00)
    flask_paths.clear()
    pages = [client.get("/leaderboards").get_data(as_text=True) for _ in range(3)]
    assert flask_paths == ["/leaderboards"]  # once, signed out
    assert all("退出（王小明）" in page for page in pages)
    anonymous = app.test_client().get("/leaderboards")
    assert flask_paths == ["/leaderboards"] and "王小明" not in anonymous.get_data(as_text=True)
    assert "Set-Cookie" not in anonymous.headers and not CSRF_META.search(anonymous.get_data(as_text=True))
