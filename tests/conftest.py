"""Shared fixtures: a live Douyin sandbox over real HTTP, the app on SQLite (or on
PostgreSQL when CONTEST_TEST_DATABASE_URL is set), a frozen clock and factories.

The fixtures shared by several directories live in ``tests/support/`` and are registered below
(``pytest_plugins``); the markers that sort the suite (``browser``, ``multi``, ``postgres``,
``redis``, ``slow``) are put on each test by :func:`pytest_collection_modifyitems`. docs/testing.md
has the map."""

from __future__ import annotations

import copy
import logging
import os
import re
import threading
from datetime import datetime
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from contest import create_app
from contest import clock
from contest.extensions import cache, csrf, db, limiter, login_manager, migrate
from flask.testing import FlaskClient
from tests.redis_claims import claimed_redis_url

# Fixtures shared across directories (each module's docstring says what it offers).
pytest_plugins = [
    "tests.support.entries",
    "tests.support.linked",
    "tests.support.awards",
    "tests.support.objections",
    "tests.support.review",
    "tests.support.staff_likes",
    "tests.support.gallery",
    "tests.support.leaderboards",
    "tests.support.polling",
    "tests.support.rate_limits",
    "tests.support.sms",
    "tests.support.world",
    "tests.support.live",
    "tests.support.requests_seen",
]

# What a test needs beyond SQLite and the in-process sandbox, or that it is slow: by directory, file or
# test (a prefix of its node id, relative to tests/) and by fixture. ``make test-quick`` leaves out
# every test marked here.
MARKS_BY_PATH = {
    "browser/": ("browser",),                 # Chromium through Playwright
    "multi/": ("multi", "postgres"),          # gunicorn, nginx and a scratch PostgreSQL database
    "reliability/": ("slow",),                # live servers, subprocesses, fuzzing
    "api/": ("slow",),                        # schemathesis, and the seeded world built for every test
    "slogan/test_detect.py": ("slow",),       # OCR on real clips
    "slogan/test_cli.py": ("slow",),
    "test_seed_scale.py": ("slow",),
    "test_demo.py": ("slow",),
    "test_demo_phases.py": ("slow",),
    "test_health.py::test_gunicorn": ("slow",),  # a gunicorn process
    # Sweeps over every route or every caller, and the longest simulations and images (each took 4 s or
    # more in a measured run on a loaded machine; docs/testing.md).
    "blueprints/test_api.py::test_json_endpoints_never_answer_500": ("slow",),
    "blueprints/test_staff_authorization.py::test_every_staff_route_for_each_caller": ("slow",),
    "blueprints/test_staff_authorization.py::test_page_posts_still_need_a_csrf_token": ("slow",),
    "blueprints/test_judging_awards.py::test_every_judging_and_award_endpoint_is_guarded": ("slow",),
    "blueprints/test_judging_awards.py::test_admin_award_flow_through_the_pages": ("slow",),
    "blueprints/test_contest_switcher.py::test_every_staff_page_has_the_switcher_with_every_contest": ("slow",),
    "blueprints/test_contest_switcher.py::test_the_choice_is_remembered_for_the_session_and_only_there": ("slow",),
    "blueprints/test_review.py::test_queue_pages_fifty_at_a_time": ("slow",),
    "blueprints/test_objections.py::test_admin_upholds_an_objection_and_the_list_moves_up": ("slow",),
    "blueprints/test_accounts.py::test_signup_flow_creates_the_account_and_signs_in": ("slow",),
    "blueprints/test_douyin_auth.py::test_listing_failures_offer_the_pasted_link": ("slow",),
    "blueprints/test_gallery.py::test_gallery_pages_twenty_at_a_time_with_links": ("slow",),
    "blueprints/test_poster.py": ("slow",),   # QR codes read back from the images
    "blueprints/test_tally_corrections.py::test_the_api_corrects_with_the_documented_answer": ("slow",),
    "domain/test_flags.py::test_a_planted_burst_at_night_is_flagged_with_its_numbers": ("slow",),
    "domain/test_awards.py::test_full_flow_notice_disqualify_publish_correct": ("slow",),
}
MARKS_BY_FIXTURE = {
    "page": ("browser",),
    "cluster": ("multi", "postgres"),
    "scratch_databases": ("postgres",),
    "worker_redis_url": ("redis",),
    "world": ("slow",),     # the API's seeded world: a Douyin sign-in, videos, entries, awards, a token
    "limited": ("slow",),   # an app of its own with the rate limits on
    "live_site": ("slow",),
}


def pytest_collection_modifyitems(config, items):
    """Mark each test by where it lives and what it uses, so that ``-m "not slow and not …"`` selects."""
    for item in items:
        relative = item.nodeid.removeprefix("tests/")  # e.g. "domain/test_review.py::test_bulk[2]"
        names = set()
        for prefix, marks in MARKS_BY_PATH.items():
            if relative.startswith(prefix):
                names.update(marks)
        for fixture in set(getattr(item, "fixturenames", ())) & MARKS_BY_FIXTURE.keys():
            names.update(MARKS_BY_FIXTURE[fixture])
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            names.add("slow")  # property tests: a hundred generated examples each
        for name in sorted(names):
            item.add_marker(name)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _no_flush_to_disk(dbapi_connection, connection_record):
    """The suite's databases need not survive a power cut: no fsync on commit (SQLite) and no wait for
    the WAL flush (PostgreSQL). Each commit then costs well under a millisecond instead of tens of
    milliseconds on a virtual disk; what other connections see and when is unchanged."""
    module = type(dbapi_connection).__module__
    cursor = dbapi_connection.cursor()
    if module.startswith("sqlite3"):
        cursor.execute("PRAGMA synchronous = OFF")
    elif module.startswith("psycopg"):
        cursor.execute("SET synchronous_commit TO OFF")
        dbapi_connection.commit()
    cursor.close()


class LiveSandbox:
    """The sandbox app served on a free loopback port for the whole test session."""

    def __init__(self):
        from contest.douyin.sandbox import create_sandbox_app

        self.app = create_sandbox_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.http = requests.Session()
        self.http.trust_env = False

    def control(self, path: str, payload: dict | None = None) -> dict:
        """POST to a control route (``/__sandbox__/<path>``) and return its JSON, failing loudly."""
        response = self.http.post(f"{self.url}/__sandbox__/{path}", json=payload or {}, timeout=5)
        assert response.status_code < 400, response.text
        return response.json()

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="session")
def sandbox():
    live = LiveSandbox()
    yield live
    live.stop()


@pytest.fixture(autouse=True)
def _fresh_sandbox(request):
    if "sandbox" in request.fixturenames or "app" in request.fixturenames:
        request.getfixturevalue("sandbox").control("reset")
    yield


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """SQLite in a temporary file, or ``CONTEST_TEST_DATABASE_URL``; under pytest-xdist each
    worker gets a database of its own (``test_gw0``, ``test_gw1``, … created when missing)."""
    url = os.environ.get("CONTEST_TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    if worker_id == "master":
        return url
    base = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_{worker_id}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def worker_redis_url() -> Iterator[str]:
    """A Redis database of this pytest process's own, claimed so that overlapping runs on one
    machine (xdist workers, other checkouts) never share one."""
    with claimed_redis_url() as url:
        yield url


@pytest.fixture(scope="session")
def worker_id(request):
    """The pytest-xdist worker ("gw0", …), or "master" when not distributed."""
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


def make_environ(database_url: str, sandbox_url: str, **extra: str) -> dict:
    environ = {
        "CONTEST_ENV": "testing",
        "CONTEST_SECRET_KEY": "test-secret",
        "CONTEST_DATABASE_URL": database_url,
        "CONTEST_DOUYIN_SANDBOX_URL": sandbox_url,
        "CONTEST_RATELIMIT_ENABLED": "false",
        "CONTEST_DEMO_MODE": "true",
        "CONTEST_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production keeps scrypt
    }
    environ.update(extra)
    return environ


@pytest.fixture(scope="session")
def _site(database_url, sandbox):
    """The one app of the session, on a fresh schema, and what each test gets back (see ``app``).

    Building an app costs more than most tests (its URL map, its engine, and the templates each
    new app compiles again), so the tests share this one."""
    app = create_app(environ=make_environ(database_url, sandbox.url))
    app.test_client_class = FreshContextClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    root = logging.getLogger()
    # Flask-Limiter, Flask-Caching and the others keep what the last init_app read on the extension
    # object itself (whether rate limits are on, the storage…): an app built by a test changes them.
    extensions = {ext: dict(vars(ext)) for ext in (cache, csrf, limiter, login_manager, migrate)}
    yield app, copy.deepcopy(dict(app.config)), (list(root.handlers), root.level), extensions
    with app.app_context():
        db.engine.dispose()


def _restore(app, config: dict, logging_state, extensions: dict) -> None:
    """The app as it was built: its settings, a new Douyin client, the process-wide token cipher,
    password hashing, log handlers and extension objects (another app built during a test changes
    those), an empty cache."""
    from contest.crypto import cipher_from_config, use_token_cipher
    from contest.domain import accounts
    from contest.douyin.client import DouyinClient

    for ext, state in extensions.items():
        vars(ext).clear()
        vars(ext).update(state)
    app.config.clear()
    app.config.update(copy.deepcopy(config))
    previous = app.extensions.get("douyin")
    if previous is not None:
        previous.http.close()
    app.extensions["douyin"] = DouyinClient.from_config(app.config)
    use_token_cipher(cipher_from_config(app.config))
    accounts.use_hash_method(app.config["CONTEST_PASSWORD_HASH_METHOD"])
    handlers, level = logging_state
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)
    cache.clear()


def _empty_tables():
    """Every table empty and, on PostgreSQL, ids restarting at 1 (as they do on SQLite).

    DELETE, not a transaction rolled back after each test: the test client's requests, live servers
    and sweeps work on connections of their own, and PostgreSQL sequences do not roll back. On
    PostgreSQL the statements go in one round trip (a quarter of the time of one each)."""
    from contest.integrations import caching

    statements = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)
                  if table.name != "cache_version"]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # DELETE is much faster than TRUNCATE on tiny tables
            statements += [f'ALTER SEQUENCE IF EXISTS "{table.name}_id_seq" RESTART'
                           for table in db.metadata.sorted_tables if "id" in table.c and table.c.id.primary_key]
            conn.exec_driver_sql(";\n".join(statements))
        else:
            for statement in statements:
                conn.exec_driver_sql(statement)
        # Keep counting up: a cache shared between tests (Redis) never serves an older test's data.
        caching.bump(conn)


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (fresh ``g`` and database session), as in
    production, although the test itself holds one open for its own queries."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(_site):
    """The site, its tables empty, inside an app context. One app serves the whole session: each test
    gets it back as it was built (settings, Douyin client, cache), so a test may change
    ``app.config`` freely; a test that adds routes or hooks takes ``fresh_app`` instead."""
    with _site[0].app_context():
        _restore(*_site)
        _empty_tables()
        yield _site[0]
        db.session.remove()


@pytest.fixture
def fresh_app(app, _site, database_url, sandbox):
    """An app of this test's own on the same (emptied) database, for a test that adds routes or hooks
    to it; ``app``'s context stays pushed for the test's queries."""
    made = create_app(environ=make_environ(database_url, sandbox.url))
    made.test_client_class = FreshContextClient
    yield made
    with made.app_context():
        db.engine.dispose()
    _restore(*_site)


@pytest.fixture
def evidence_dir(app, tmp_path):
    """Evidence files (screenshots, slogan frames) of this test, in its own temporary folder."""
    path = tmp_path / "evidence"
    app.config["CONTEST_EVIDENCE_DIR"] = str(path)
    return path


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def _unfreeze_clock():
    yield
    clock.freeze(None)


@pytest.fixture
def freeze():
    """``freeze("2020-06-18T08:00:00+08:00")`` freezes the one clock at that instant."""
    def _freeze(when: str | datetime) -> datetime:
        instant = datetime.fromisoformat(when) if isinstance(when, str) else when
        clock.freeze(instant)
        return clock.now()
    return _freeze


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_from(client, path: str = "/accounts/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_META.search(html)
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


@pytest.fixture
def csrf():
    return csrf_from


IN_WINDOW = "2020-06-25T12:00:00+08:00"  # a week after the default contest opens


@pytest.fixture
def make_contest(app, freeze):
    """``make_contest(frozen_at=IN_WINDOW, popularity_award_size=2)``: a committed contest; the clock is frozen
    at ``frozen_at`` first when given, and any other keyword sets that column."""
    from contest.domain.contests import create_contest, parse_instant

    def _make(slug="zhuzhou-2020", opens="2020-06-18", closes="2020-07-17", name="测试活动", *,
              frozen_at: str | datetime | None = None, **columns):
        if frozen_at is not None:
            freeze(frozen_at)
        contest = create_contest(
            slug=slug, name=name,
            opens_at=parse_instant(opens, end_of_day=False),
            closes_at=parse_instant(closes, end_of_day=True),
        )
        for column, value in columns.items():
            setattr(contest, column, value)
        db.session.commit()
        return contest
    return _make


@pytest.fixture
def contest(request, make_contest):
    """The default contest (June 18 to July 17, 2020), with the clock frozen inside its window (IN_WINDOW).

    A module or a test that needs another contest says so with a marker rather than a fixture of its own:
    ``pytest.mark.contest(frozen_at=…, popularity_award_size=2, …)`` takes make_contest's keywords, and
    ``sandbox_clock=True`` moves the sandbox's clock to ``frozen_at`` as well (the ``at`` fixture)."""
    marker = request.node.get_closest_marker("contest")
    options = {"frozen_at": IN_WINDOW, **(marker.kwargs if marker else {})}
    if options.pop("sandbox_clock", False):
        request.getfixturevalue("at")(options.pop("frozen_at"))
    return make_contest(**options)


@pytest.fixture
def make_user(app):
    from contest.domain.accounts import create_user
    from contest.models import Role

    counter = iter(range(10_000_000))

    def _make(role: str = "citizen", phone: str | None = None, nickname: str = "测试用户", password: str = "secret-pass-1"):
        phone = phone or f"139{next(counter):08d}"
        user = create_user(phone=phone, nickname=nickname, password=password, role=Role(role), now=clock.now())
        db.session.commit()
        return user
    return _make


@pytest.fixture
def admin(make_user):
    """An organiser (not signed in)."""
    return make_user(role="admin", nickname="管理员")


@pytest.fixture
def login(client):
    """Sign ``user`` in on the test client by posting the real login form."""
    def _login(user, password: str = "secret-pass-1"):
        token = csrf_from(client, "/accounts/login")
        response = client.post("/accounts/login", data={"phone": user.phone, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response
    return _login


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def video_id_at(when: str | datetime, n: int = 1) -> str:
    """A Douyin-shaped id published at ``when`` (the top 32 bits are the Unix time)."""
    instant = datetime.fromisoformat(when) if isinstance(when, str) else when
    return str((int(instant.timestamp()) << 32) | n)


@pytest.fixture
def publish(sandbox):
    """Publish a video in the sandbox; returns its id. ``code`` also makes a short link."""
    serial = iter(range(1, 1_000_000))

    def _publish(when: str = "2020-06-20T12:00:00+08:00", *,
                 title: str = "株洲的早晨 #动力株洲文旅通 @株洲足迹", code: str | None = None,
                 public: bool = True, open_id: str = "ou_test_author", digg_count: int = 0) -> str:
        video_id = video_id_at(when, next(serial))
        sandbox.control("users", {"open_id": open_id, "nickname": "测试作者"})
        sandbox.control("videos", {
            "video_id": video_id, "open_id": open_id, "title": title,
            "create_time": int(datetime.fromisoformat(when).timestamp()), "digg_count": digg_count,
            "public": public,
        })
        if code:
            sandbox.control("shortlinks", {"code": code, "video_id": video_id})
        return video_id
    return _publish


def build_entry(contest, user, *, video_id: str, theme: str = "life", area: str | None = None,
                status=None, at: datetime | None = None, **fields):
    """An ``Entry`` row added to the session directly (no Douyin calls): theme and area by key
    (the contest's first area by default), submitted, accepted and last changed at ``at``
    (default now), any other column from ``fields``. Its ownership is proven by the platform
    at ``at`` unless ``owner_verified_at=None`` says otherwise (an approved entry is always
    proven: contest.domain.ownership). The caller commits."""
    from contest.models import Entry, EntryStatus, OwnerProof

    when = at or clock.now()
    values = dict(submitted_text=video_id, rules_accepted_at=when, submitted_at=when, status_changed_at=when,
                  owner_verified_at=when, owner_proof=OwnerProof.PLATFORM)
    if fields.get("owner_verified_at", when) is None:
        values["owner_proof"] = None
    values.update(fields)
    entry = Entry(contest=contest, user=user, video_id=video_id, status=status or EntryStatus.APPROVED,
                  theme=next(t for t in contest.themes if t.key == theme),
                  area=next(a for a in contest.areas if a.key == area) if area else contest.areas[0], **values)
    db.session.add(entry)
    return entry
