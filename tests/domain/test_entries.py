import threading
from datetime import datetime

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from contest import clock
from contest.domain.entries import EntryRequest, can_withdraw, preflight, submit_entry, withdraw_entry, withdraw_refusal
from contest.domain.ownership import mark_proven
from contest.domain.errors import DomainError, Refused
from contest.extensions import db
from contest.models import Entry, EntryEvent, EntryStatus, OwnerProof
from contest.web.platform import douyin
from tests.conftest import count, video_id_at

IN_WINDOW = "2020-06-25T12:00:00+08:00"


def check(text, contest, user=None):
    return preflight(text, contest, douyin=douyin(), now=clock.now(), user=user)


def codes(result):
    return [p.code for p in result.problems]


def sandbox_calls(sandbox):
    return [(r["endpoint"], r["path"]) for r in sandbox.http.get(f"{sandbox.url}/__sandbox__/log", timeout=5).json()["requests"]]


def test_preflight_accepts_a_good_short_link(contest, publish, sandbox):
    video_id = publish(code="L5pbfdP", title="让你在几秒钟之内记住我 #动力株洲文旅通 @株洲足迹")
    result = check("7.43 pda:/ 让你在几秒钟之内记住我  https://v.douyin.com/L5pbfdP/ 复制此链接，打开Dou音搜索，直接观看视频！", contest)
    assert result.as_json() == {"ok": True, "video_id": video_id,
                                "caption": "让你在几秒钟之内记住我 #动力株洲文旅通 @株洲足迹", "problems": []}
    assert result.published_at == datetime.fromisoformat("2020-06-20T12:00:00+08:00")
    assert result.fact_sources == {"published_at": "video_id", "caption": "embed"}
    assert [e for e, _ in sandbox_calls(sandbox)] == ["shortlink", "get_iframe_by_video"]


def test_preflight_takes_a_full_url_without_resolving(contest, publish, sandbox):
    video_id = publish()
    result = check(f"https://www.douyin.com/video/{video_id}", contest)
    assert result.ok and result.video_id == video_id
    assert [e for e, _ in sandbox_calls(sandbox)] == ["get_iframe_by_video"]


@pytest.mark.parametrize(("kind", "code", "word"), [
    ("user", "not_a_video", "个人主页"),
    ("live", "not_a_video", "直播间"),
    ("note", "not_a_video", "图文"),
    ("expired", "link_expired", "已失效"),
])
def test_preflight_short_links_that_are_not_videos(contest, sandbox, kind, code, word):
    sandbox.control("shortlinks", {"code": "Abc123x", "kind": kind})
    result = check("https://v.douyin.com/Abc123x/", contest)
    assert codes(result) == [code]
    assert word in result.problems[0].message
    assert result.video_id is None


def test_preflight_unknown_short_code_is_expired(contest):
    assert codes(check("https://v.douyin.com/Zz9Zz9Z/", contest)) == ["link_expired"]


def test_preflight_no_link_and_not_douyin(contest):
    assert codes(check("我的视频很好看", contest)) == ["no_link"]
    assert codes(check("https://www.bilibili.com/video/BV1xx411c7mD", contest)) == ["not_douyin"]


def test_preflight_caption_problems(contest, publish):
    video_id = publish(title="株洲真美 #动力株洲文旅通吧 @株洲足迹君")
    result = check(f"https://www.douyin.com/video/{video_id}", contest)
    assert codes(result) == ["missing_hashtag", "missing_mention"]
    assert result.caption == "株洲真美 #动力株洲文旅通吧 @株洲足迹君"


def test_preflight_published_outside_window(contest, publish):
    video_id = publish("2020-06-17T23:59:59+08:00")
    result = check(f"https://www.douyin.com/video/{video_id}", contest)
    assert codes(result) == ["published_outside_window"]
    assert result.problems[0].message.startswith("这个视频发布于 2020年06月17日 23:59，不在活动时间（2020年06月18日 00:00至2020年07月17日 23:59）内。")
    inside = publish("2020-06-18T00:00:00+08:00")
    assert check(f"https://www.douyin.com/video/{inside}", contest).ok


@pytest.mark.parametrize("public", [False])
def test_preflight_private_or_missing_video(contest, publish, public):
    private = publish(public=public)
    assert codes(check(f"https://www.douyin.com/video/{private}", contest)) == ["video_unavailable"]
    missing = video_id_at("2020-06-20T12:00:00+08:00", 999)
    assert codes(check(f"https://www.douyin.com/video/{missing}", contest)) == ["video_unavailable"]


@pytest.mark.parametrize("endpoint", ["shortlink", "get_iframe_by_video"])
@pytest.mark.parametrize("kind", ["http_500", "bad_json", "error_code"])
def test_preflight_platform_errors(contest, publish, sandbox, endpoint, kind):
    publish(code="Abc123x")
    sandbox.control("faults", {"endpoint": endpoint, "kind": kind, "code": 28001005, "times": 1})
    result = check("https://v.douyin.com/Abc123x/", contest)
    if endpoint == "shortlink" and kind != "http_500":
        # A page instead of a redirect (risk control) is not an expired link: Douyin blocked the lookup.
        assert codes(result) == ["platform_error"]
        assert result.problems[0].message == (
            "抖音暂时拦截了这次访问（可能是风控），请稍后再试，或在抖音里打开视频后复制完整的视频链接。")
    else:
        assert codes(result) == ["platform_error"]
        assert result.problems[0].message == "暂时无法连接抖音核对这个视频，请稍后再试。"


def test_preflight_timeout_is_a_platform_error(contest, publish, sandbox, app):
    video_id = publish()
    app.extensions["douyin"].timeout = 0.3
    sandbox.control("faults", {"endpoint": "get_iframe_by_video", "kind": "timeout", "seconds": 1.0, "times": 1})
    assert codes(check(f"https://www.douyin.com/video/{video_id}", contest)) == ["platform_error"]


@pytest.fixture
def other_host():
    """A server that must never be contacted: it counts every request it gets."""
    hits = []

    def wsgi(environ, start_response):
        hits.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"should not be reached"]

    server = make_server("127.0.0.1", 0, wsgi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_no_request_leaves_for_other_hosts(contest, sandbox, other_host):
    host, hits = other_host
    for text in (f"https://v.douyin.com@{host}/Abc123x/", f"http://{host}/share/video/1/",
                 f"https://{host}#@v.douyin.com/Abc123x/", f"https://v.douyin.com.{host}/Abc123x/"):
        assert codes(check(text, contest)) == ["not_douyin"], text
    sandbox.control("shortlinks", {"code": "Evil123", "location": f"http://{host}/share/video/7455266733985729852/"})
    result = check("https://v.douyin.com/Evil123/", contest)
    assert codes(result) == ["not_douyin"]
    assert "抖音以外" in result.problems[0].message
    assert hits == []
    assert [e for e, _ in sandbox_calls(sandbox)] == ["shortlink"]


def make_request(text, **kw):
    fields = dict(theme="life", area="hetang", accept_rules=True, show_nickname=False)
    fields.update(kw)
    return EntryRequest(text=text, **fields)


def test_submit_entry_stores_a_pending_entry_with_its_checks(contest, publish, make_user):
    user = make_user()
    video_id = publish(code="Abc123x")
    text = "2.84 nqe:/ 骑白马的也可以是公主%%百万转场变身https://v.douyin.com/Abc123x/ 复制此链接"
    entry = submit_entry(contest, user, make_request(text, show_nickname=True), douyin=douyin(), now=clock.now())
    db.session.commit()
    row = db.session.scalar(sa.select(Entry))
    assert (row.id, row.video_id, row.status, row.user_id, row.theme.key, row.area.key) == (
        entry.id, video_id, EntryStatus.PENDING, user.id, "life", "hetang")
    assert row.submitted_text == text
    assert row.caption == "株洲的早晨 #动力株洲文旅通 @株洲足迹"
    assert row.published_at == datetime.fromisoformat("2020-06-20T12:00:00+08:00")
    assert row.fact_sources == {"published_at": "video_id", "caption": "embed"}
    assert [c["code"] for c in row.checks] == ["video", "hashtag", "mention", "published_in_window"]
    assert row.checks[-1]["provisional"] is True
    assert row.show_nickname is True
    assert row.submitted_at == clock.now() == row.rules_accepted_at
    assert [(e.from_status, e.to_status, e.actor_id) for e in row.events] == [(None, EntryStatus.PENDING, user.id)]


def test_submit_entry_form_problems_come_first(contest, make_user):
    with pytest.raises(Refused) as exc:
        submit_entry(contest, make_user(), make_request("", theme="dance", area=None, accept_rules=False),
                     douyin=douyin(), now=clock.now())
    assert [p.code for p in exc.value.problems] == ["no_link", "invalid_theme", "invalid_area", "rules_not_accepted"]
    assert exc.value.status == 422


def test_submit_entry_refused_outside_the_window(contest, publish, make_user, freeze):
    video_id = publish()
    freeze("2020-07-18T00:00:00+08:00")
    with pytest.raises(Refused) as exc:
        submit_entry(contest, make_user(), make_request(f"https://www.douyin.com/video/{video_id}"),
                     douyin=douyin(), now=clock.now())
    assert [p.code for p in exc.value.problems] == ["contest_not_open"]
    assert "2020年06月18日 00:00至2020年07月17日 23:59" in exc.value.problems[0].message
    assert count(Entry) == 0


def test_a_video_is_entered_once(contest, publish, make_user):
    video_id = publish()
    text = f"https://www.douyin.com/video/{video_id}"
    submit_entry(contest, make_user(), make_request(text), douyin=douyin(), now=clock.now())
    db.session.commit()
    with pytest.raises(Refused) as exc:
        submit_entry(contest, make_user(), make_request(f"https://www.iesdouyin.com/share/video/{video_id}/"),
                     douyin=douyin(), now=clock.now())
    assert [p.code for p in exc.value.problems] == ["already_entered"]
    assert exc.value.status == 409
    assert count(Entry) == 1


def test_withdraw_then_enter_again_revives_the_same_entry(contest, publish, make_user):
    user, other = make_user(), make_user()
    video_id = publish()
    text = f"https://www.douyin.com/video/{video_id}"
    entry = submit_entry(contest, user, make_request(text), douyin=douyin(), now=clock.now())
    db.session.commit()
    with pytest.raises(DomainError, match="只能撤回自己的作品"):
        withdraw_entry(entry, user=other, now=clock.now())
    assert (can_withdraw(entry, user), can_withdraw(entry, other)) == (True, False)
    withdraw_entry(entry, user=user, now=clock.now())
    assert withdraw_refusal(entry, user) == "作品当前状态为“已撤回”，不能再撤回。"
    db.session.commit()
    again = submit_entry(contest, user, make_request(text, theme="talent"), douyin=douyin(), now=clock.now())
    db.session.commit()
    assert again.id == entry.id and again.status is EntryStatus.PENDING and again.theme.key == "talent"
    assert [(e.from_status, e.to_status) for e in again.events] == [
        (None, EntryStatus.PENDING), (EntryStatus.PENDING, EntryStatus.WITHDRAWN),
        (EntryStatus.WITHDRAWN, EntryStatus.PENDING)]


def test_reviewed_entries_cannot_be_withdrawn(contest, publish, make_user):
    from contest.domain.entries import set_entry_status

    user = make_user()
    entry = submit_entry(contest, user, make_request(f"https://www.douyin.com/video/{publish()}"),
                         douyin=douyin(), now=clock.now())
    mark_proven(entry, OwnerProof.STAFF, now=clock.now())  # a phone account: staff examined the evidence
    set_entry_status(entry, EntryStatus.APPROVED, actor=None, now=clock.now())
    with pytest.raises(DomainError, match="作品当前状态为“已通过”，不能再撤回"):
        withdraw_entry(entry, user=user, now=clock.now())
    with pytest.raises(DomainError, match="不能改为“待修改”"):
        set_entry_status(entry, EntryStatus.NEEDS_FIX, actor=None, now=clock.now())


def test_concurrent_duplicate_entries_make_exactly_one(app, contest, publish, make_user):
    video_id = publish()
    users = [make_user() for _ in range(8)]
    user_ids = [u.id for u in users]
    contest_id = contest.id
    barrier = threading.Barrier(len(user_ids))
    outcomes = []

    def enter(user_id):
        from contest.models import Contest, User

        with app.app_context():
            me, c = db.session.get(User, user_id), db.session.get(Contest, contest_id)
            barrier.wait()
            try:
                submit_entry(c, me, make_request(f"https://www.douyin.com/video/{video_id}"),
                             douyin=douyin(), now=clock.now())
                db.session.commit()
                outcomes.append("created")
            except Refused as exc:
                db.session.rollback()
                outcomes.append([p.code for p in exc.problems])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=enter, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, outcomes)) == sorted(["created"] + [str(["already_entered"])] * 7)
    assert count(Entry) == 1
    assert count(EntryEvent) == 1
