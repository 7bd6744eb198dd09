"""Absolute URLs come from the canonical origin (CONTEST_PUBLIC_URL) or an allowed host, never
from a client's Host or X-Forwarded-Host (issue 23, item 1); production refuses demo mode."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from contest import create_app
from contest.blueprints.public.gallery import qr_svg
from contest.config import ConfigError, load_config
from contest.crypto import new_key
from contest.extensions import db
from contest.models.awards import Announcement, AnnouncementKind
from tests.conftest import FreshContextClient, build_entry, make_environ, video_id_at

PUBLIC = "https://contest.example"
EVIL = {"X-Forwarded-Host": "evil.example"}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def entry(contest, make_user):
    made = build_entry(contest, make_user(nickname="张三丰"), video_id=video_id_at("2020-06-20T12:00:00+08:00"))
    db.session.add(Announcement(contest_id=contest.id, title="活动启动", body="正文", kind=AnnouncementKind.OTHER,
                                published_at=contest.opens_at))
    db.session.commit()
    return made


@pytest.fixture
def canonical(app, database_url, sandbox):
    """A client of the site with CONTEST_PUBLIC_URL set."""
    site = create_app(environ=make_environ(database_url, sandbox.url, CONTEST_PUBLIC_URL=PUBLIC + "/"))
    site.test_client_class = FreshContextClient
    return site.test_client()


def feed_links(response) -> list[str]:
    feed = ET.fromstring(response.data)
    return [link.get("href") for link in feed.iter(f"{ATOM}link")]


@pytest.mark.parametrize("how", [{"headers": EVIL}, {"base_url": "http://evil.example"},
                                 {"base_url": "http://evil.example", "headers": EVIL}])
def test_qr_share_link_and_feed_use_the_canonical_origin_whatever_host_is_named(canonical, entry, how):
    page_url = f"{PUBLIC}/gallery/{entry.id}"
    qr = canonical.get(f"/gallery/{entry.id}/qr.svg", **how)
    assert (qr.status_code, qr.data) == (200, qr_svg(page_url))
    page = canonical.get(f"/gallery/{entry.id}", **how).get_data(as_text=True)
    assert f'value="{page_url}"' in page and "evil.example" not in page
    feed = canonical.get("/announcements.atom?contest=zhuzhou-2020", **how)
    assert feed_links(feed) == [f"{PUBLIC}/announcements.atom?contest=zhuzhou-2020",
                                f"{PUBLIC}/announcements?contest=zhuzhou-2020",
                                f"{PUBLIC}/announcements?contest=zhuzhou-2020#announcement-1"]
    assert b"evil.example" not in feed.data


def test_without_a_canonical_origin_an_unknown_host_is_refused_and_x_forwarded_host_ignored(client, entry):
    refused = client.get(f"/gallery/{entry.id}/qr.svg", base_url="http://evil.example")
    assert (refused.status_code, refused.get_data(as_text=True)) == (400, "未知的站点地址（Host）。")
    ignored = client.get(f"/gallery/{entry.id}/qr.svg", headers=EVIL)
    assert (ignored.status_code, ignored.data) == (200, qr_svg(f"http://localhost/gallery/{entry.id}"))
    allowed = client.get(f"/gallery/{entry.id}/qr.svg", base_url="http://127.0.0.1:5000")
    assert allowed.data == qr_svg(f"http://127.0.0.1:5000/gallery/{entry.id}")


PRODUCTION = {"CONTEST_ENV": "production", "CONTEST_SECRET_KEY": "s" * 32}


@pytest.mark.parametrize(("extra", "message"), [
    ({}, "CONTEST_PUBLIC_URL must be set in production"),
    ({"CONTEST_PUBLIC_URL": "https://contest.example/path"}, "CONTEST_PUBLIC_URL must be an origin"),
    ({"CONTEST_PUBLIC_URL": "contest.example"}, "CONTEST_PUBLIC_URL must be an origin"),
    ({"CONTEST_PUBLIC_URL": PUBLIC, "CONTEST_DEMO_MODE": "true"},
     "CONTEST_DEMO_MODE=true is refused in production: demo mode shows one-time codes to anyone"),
])
def test_production_refuses_to_start_without_an_origin_or_with_demo_mode(tmp_path, extra, message):
    with pytest.raises(ConfigError, match=message):
        load_config({**PRODUCTION, "CONTEST_TOKEN_KEYS": new_key(), **extra}, str(tmp_path))


def test_the_origin_and_the_allowed_hosts_are_read_as_documented(tmp_path):
    config = load_config({**PRODUCTION, "CONTEST_TOKEN_KEYS": new_key(), "CONTEST_PUBLIC_URL": "HTTPS://Contest.Example/",
                          "CONTEST_ALLOWED_HOSTS": " staging.example , 10.0.0.5"}, str(tmp_path))
    assert (config["CONTEST_PUBLIC_URL"], config["CONTEST_ALLOWED_HOSTS"], config["CONTEST_DEMO_MODE"]) == (
        "https://contest.example", ("staging.example", "10.0.0.5"), False)
    assert load_config({}, str(tmp_path))["CONTEST_ALLOWED_HOSTS"] == ("localhost", "127.0.0.1", "::1")
