"""The public cache: boards are served from it, and a change made anywhere (an ORM write in any
process, a poll sweep) moves the version stored in the database, so every cache misses at once."""

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import request_started
from redis import Redis

from contest import create_app

from contest.integrations import caching
from contest import clock
from contest.domain.likes import record_snapshot
from contest.extensions import cache, db
from contest.models import EntryStatus, EntryTally, SnapshotSource
from tests.conftest import CSRF_META, FreshContextClient, make_environ

OPENS = datetime.fromisoformat("2020-06-18T00:00:00+08:00")


def board_likes(client) -> list[int]:
    body = client.get("/api/v1/leaderboards/popularity").get_json()
    return [row["likes"] for row in body["entries"]]


@pytest.fixture
def entry(at, make_contest, linked_author, entry_of):
    at("2020-06-20T09:00:00+08:00")
    contest = make_contest()
    made = entry_of(contest, linked_author("ou_cache"), likes=100)
    record_snapshot(made, observed_at=clock.now(), likes=100, source=SnapshotSource.PLATFORM)
    db.session.commit()
    return made


def test_board_is_served_from_the_cache_until_the_version_moves(client, entry):
    assert board_likes(client) == [100]
    # A write that bypasses the ORM (and so the listener) is not seen: the board comes from the cache…
    db.session.execute(sa.update(EntryTally).values(likes=999))
    db.session.commit()
    assert board_likes(client) == [100]
    # …until the version moves.
    with db.engine.begin() as conn:
        caching.bump(conn)
    assert board_likes(client) == [999]


def test_orm_changes_to_public_data_move_the_version(client, entry, make_user):
    before = caching.current_version()
    record_snapshot(entry, observed_at=clock.now() + timedelta(minutes=5), likes=150, source=SnapshotSource.PLATFORM)
    db.session.commit()
    after_reading = caching.current_version()
    entry.status = EntryStatus.REJECTED
    db.session.commit()
    after_status = caching.current_version()
    entry.user.nickname = "改名了"
    db.session.commit()
    after_nickname = caching.current_version()
    entry.user.area_keys = ["hetang"]  # not public: no move
    make_user(role="reviewer")  # a new staff account: no public list shows it
    after_private = caching.current_version()
    assert (after_reading - before, after_status - after_reading, after_nickname - after_status) == (1, 1, 1)
    assert after_private == after_nickname


def test_a_rollback_leaves_the_version_alone(client, entry):
    before = caching.current_version()
    record_snapshot(entry, observed_at=clock.now() + timedelta(minutes=5), likes=150, source=SnapshotSource.PLATFORM)
    db.session.flush()
    db.session.rollback()
    assert caching.current_version() == before


def test_a_sweep_by_another_app_reaches_this_apps_cache(app, client, entry, database_url, sandbox, at):
    """Two app instances with caches of their own (two processes): the one that polls and the one that serves."""
    assert board_likes(client) == [100]
    sandbox.control(f"videos/{entry.video_id}/stats", {"digg_count": 420})
    at(OPENS + timedelta(days=3))
    poller = create_app(environ=make_environ(database_url, sandbox.url))
    with poller.app_context():
        result = poller.test_cli_runner().invoke(args=["poll-likes"])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert board_likes(client) == [420]


@pytest.fixture
def redis_cached_app(database_url, sandbox, worker_redis_url):
    """``redis_cached_app()`` → an app instance whose cache is in Redis (its own database per worker), and Redis."""
    redis = Redis.from_url(worker_redis_url)
    redis.flushdb()
    prefix = f"test-{uuid.uuid4().hex[:8]}:"  # nothing another run left in this Redis database can match
    made = []

    def _make():
        app = create_app(environ=make_environ(database_url, sandbox.url, CONTEST_REDIS_URL=worker_redis_url,
                                              CONTEST_CACHE_PREFIX=prefix))
        app.test_client_class = FreshContextClient
        made.append(app)
        return app, redis
    yield _make, prefix
    for app in made:
        with app.app_context():
            db.engine.dispose()
    redis.flushdb()


def test_nothing_user_specific_is_cached(entry, make_user, redis_cached_app, csrf):
    """A signed-in visitor's pages fill the shared cache with public values only."""
    hidden = make_user(nickname="王秘密", phone="13912345678")
    entry.user.nickname, entry.show_nickname = "李隐藏", False
    db.session.commit()
    make, prefix = redis_cached_app
    redis_app, redis = make()
    client = redis_app.test_client()
    client.post("/accounts/login", data={"phone": hidden.phone, "password": "secret-pass-1",
                                          "csrf_token": csrf(client)})
    page = client.get("/leaderboards").get_data(as_text=True)
    assert "王秘密" in page  # the header greets the visitor…
    keys = sorted(k.decode() for k in redis.keys(f"{prefix}*"))
    version = caching.current_version()
    assert [k.split(":")[2] for k in keys] == ["popularity", "race", "response"]  # the stored page is the signed-out one
    assert all(k.split(":")[3] == f"v{version}" for k in keys)
    with redis_app.app_context():
        popularity, race, stored = (cache.get(k.removeprefix(prefix)) for k in keys)
    values = [repr(popularity), repr(race), stored[3].decode()]
    # …but the cache holds the masked author only: no visitor, no phone, no hidden nickname.
    assert "'李**'" in values[0] and ">李** · " in values[2] and "登录" in values[2]
    assert not any("王秘密" in v or "1391234" in v or "李隐藏" in v for v in values)


def test_a_signed_in_visitors_regions_kept_by_one_instance_serve_every_instance(entry, make_user, redis_cached_app,
                                                                                 csrf):
    """The regions Flask rendered for a session on one instance (or worker) are shared through
    Redis: another answers that session in front of Flask at once, and stops the moment it ends."""
    visitor = make_user(nickname="王小明", phone="13912345678")
    make, prefix = redis_cached_app
    (one, redis), (other, _) = make(), make()
    client = one.test_client()
    client.post("/accounts/login", data={"phone": visitor.phone, "password": "secret-pass-1",
                                          "csrf_token": csrf(client)})
    client.get("/leaderboards")  # the sign-in message: the session changes, nothing is kept
    assert "退出（王小明）" in client.get("/leaderboards").get_data(as_text=True)  # kept
    shared = [k.decode() for k in redis.keys(f"{prefix}signed-in:*")]
    assert len(shared) == 1 and len(shared[0]) == len(f"{prefix}signed-in:") + 64  # a SHA-256 of the cookie and more
    elsewhere = other.test_client()
    elsewhere.set_cookie("zzcontest_session", client.get_cookie("zzcontest_session").value)
    seen = []
    request_started.connect(seen.append, other, weak=False)
    page = elsewhere.get("/leaderboards")
    assert seen == [] and page.status_code == 200 and "退出（王小明）" in page.get_data(as_text=True)
    token = CSRF_META.search(client.get("/leaderboards").get_data(as_text=True)).group(1)
    assert client.post("/accounts/logout", data={"csrf_token": token}).status_code == 302
    after = elsewhere.get("/leaderboards").get_data(as_text=True)
    assert "王小明" not in after and seen == [other]  # the session's row is gone: Flask answers, signed out
    assert redis.keys(f"{prefix}signed-in:*") == []  # and the shared copy is forgotten


@pytest.fixture
def flask_requests(app):
    """The paths Flask itself handled (a response served by the middleware never reaches it)."""
    seen = []

    def note(sender, **extra):
        from flask import request
        seen.append(request.full_path)
    request_started.connect(note, app)
    yield seen
    request_started.disconnect(note, app)


def test_a_board_response_is_served_in_front_of_flask_until_the_version_moves(client, entry, flask_requests):
    first = client.get("/api/v1/leaderboards/popularity?limit=5")
    second = client.get("/api/v1/leaderboards/popularity?limit=5")
    assert first.get_data() == second.get_data() and second.get_json()["entries"][0]["likes"] == 100
    assert flask_requests == ["/api/v1/leaderboards/popularity?limit=5"]
    assert "X-Public-Cache-Until" not in second.headers and second.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    client.get("/api/v1/leaderboards/popularity?limit=6")  # another query string, another response
    record_snapshot(entry, observed_at=clock.now() + timedelta(minutes=5), likes=130, source=SnapshotSource.PLATFORM)
    db.session.commit()
    assert client.get("/api/v1/leaderboards/popularity?limit=5").get_json()["entries"][0]["likes"] == 130
    assert len(flask_requests) == 3


def test_a_stored_board_response_ends_at_the_close(client, entry, freeze, flask_requests):
    assert client.get("/api/v1/leaderboards/popularity").get_json()["frozen"] is False
    freeze("2020-07-17T23:59:59+08:00")
    assert client.get("/api/v1/leaderboards/popularity").get_json()["frozen"] is False
    freeze("2020-07-18T00:00:00+08:00")
    assert client.get("/api/v1/leaderboards/popularity").get_json()["frozen"] is True
    assert len(flask_requests) == 2


def test_a_board_as_of_now_is_not_stored(client, make_contest, freeze, flask_requests):
    freeze("2020-06-20T09:00:00+08:00")
    make_contest()
    assert client.get("/api/v1/leaderboards/popularity").get_json()["as_of"] == "2020-06-20T09:00:00+08:00"
    freeze("2020-06-20T09:05:00+08:00")
    assert client.get("/api/v1/leaderboards/popularity").get_json()["as_of"] == "2020-06-20T09:05:00+08:00"
    assert len(flask_requests) == 2
