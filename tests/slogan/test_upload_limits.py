"""Slogan-check uploads cannot fill the disk (issue 23, item 3): a few unfinished uploads per entry
and per account, a per-account rate limit, abandoned ``.part`` files swept (``flask sweep-uploads``
and after every like sweep); odd bodies and offsets are 400s (item 6)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from contest import create_app
from contest.extensions import db
from contest.jobs.polling import Pacer, run_sweep
from contest.models import EntryStatus
from contest.slogan.uploads import TOO_MANY_FOR_ACCOUNT, TOO_MANY_FOR_ENTRY
from contest.web.json_body import TOO_DEEP
from tests.conftest import FreshContextClient, build_entry, csrf_from, make_environ

DAY = 24 * 3600


@pytest.fixture
def entries(slogan_app, make_contest, make_user, freeze):
    freeze("2020-06-25T10:00:00+08:00")
    contest = make_contest()
    author = make_user(nickname="小李")
    made = [build_entry(contest, author, video_id=f"100{i}", status=EntryStatus.PENDING) for i in range(3)]
    db.session.commit()
    return author, [e.id for e in made]


def start(client, entry_id: int, *, size: int = 209_715_200, token: str | None = None):
    token = token or csrf_from(client, "/entries/mine")
    return client.post(f"/entries/{entry_id}/slogan/uploads", json={"size": size}, headers={"X-CSRFToken": token})


def age(folder: Path, seconds: int) -> None:
    """Every upload file in ``folder`` last written ``seconds`` ago."""
    then = time.time() - seconds
    for path in folder.iterdir():
        os.utime(path, (then, then))


def uploads_in(folder: Path) -> list[str]:
    return sorted(p.suffix for p in folder.iterdir())


def test_a_few_unfinished_uploads_per_entry_and_per_account_then_429(client, login, entries, slogan_app):
    author, (first, second, _) = entries
    login(author)
    token = csrf_from(client, "/entries/mine")
    assert [start(client, first, token=token).status_code for _ in range(2)] == [201, 201]
    refused = start(client, first, token=token)
    assert (refused.status_code, refused.get_json()) == (429, {"error": TOO_MANY_FOR_ENTRY.format(limit=2)})
    assert start(client, second, token=token).status_code == 201
    refused = start(client, second, token=token)
    assert (refused.status_code, refused.get_json()) == (429, {"error": TOO_MANY_FOR_ACCOUNT.format(limit=3)})
    folder = Path(slogan_app.config["CONTEST_SLOGAN_UPLOAD_DIR"])
    assert uploads_in(folder) == [".json"] * 3 + [".part"] * 3
    age(folder, 6 * 3600 + 1)  # abandoned: they no longer count
    assert start(client, first, token=token).status_code == 201


def test_the_account_may_start_only_so_many_uploads_an_hour(entries, database_url, sandbox, slogan_app, tmp_path):
    author, (first, second, third) = entries
    limited = create_app(environ=make_environ(
        database_url, sandbox.url, CONTEST_RATELIMIT_ENABLED="true", CONTEST_RATELIMIT_STORAGE_URI="memory://",
        CONTEST_SLOGAN_UPLOAD_LIMIT="2/hour", CONTEST_SLOGAN_UPLOAD_DIR=str(tmp_path / "limited")))
    limited.test_client_class = FreshContextClient
    client = limited.test_client()
    token = csrf_from(client, "/accounts/login")
    assert client.post("/accounts/login", data={"phone": author.phone, "password": "secret-pass-1",
                                                "csrf_token": token}).status_code == 302
    token = csrf_from(client, "/entries/mine")
    statuses = [start(client, entry_id, token=token).status_code for entry_id in (first, second, third)]
    assert statuses == [201, 201, 429]


def test_sweep_uploads_deletes_abandoned_parts_only(client, login, entries, slogan_app, runner):
    author, (first, second, _) = entries
    login(author)
    folder = Path(slogan_app.config["CONTEST_SLOGAN_UPLOAD_DIR"])
    old = start(client, first).get_json()["upload"]
    age(folder, DAY)
    fresh = start(client, second).get_json()["upload"]
    finished = folder / "0123456789abcdef0123456789abcdef.mp4"  # its check's, never swept
    finished.write_bytes(b"checking")
    os.utime(finished, (time.time() - DAY,) * 2)
    result = runner.invoke(args=["sweep-uploads"])
    assert (result.exit_code, result.output) == (0, "已删除 2 个废弃的上传文件，共 63 字节。\n")  # the .json: 63 B (entry, account, size, the consent to keep it)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{fresh}.json", f"{fresh}.part", "0123456789abcdef0123456789abcdef.mp4"])
    assert not (folder / f"{old}.part").exists()
    age(folder, 61)
    result = runner.invoke(args=["sweep-uploads", "--older-than", "60"])
    assert (result.exit_code, sorted(p.name for p in folder.iterdir())) == (
        0, ["0123456789abcdef0123456789abcdef.mp4"])


def test_every_like_sweep_also_sweeps_abandoned_uploads(client, login, entries, slogan_app):
    author, (first, _, _) = entries
    login(author)
    folder = Path(slogan_app.config["CONTEST_SLOGAN_UPLOAD_DIR"])
    start(client, first)
    age(folder, DAY)
    run_sweep(slogan_app, client=slogan_app.extensions["douyin"], pacer=Pacer(1000), concurrency=1)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(("body", "message"), [
    (b"[" * 100_000, TOO_DEEP), (b'{"size": 1e400}', "请告诉我们文件大小（size，字节）。"),
    (b'{"size": "100"}', "请告诉我们文件大小（size，字节）。"), (b'{"size": true}', "请告诉我们文件大小（size，字节）。"),
    (b'{"size": ' + b"9" * 400 + b"}", "请告诉我们文件大小（size，字节）。"),
])
def test_an_odd_start_body_is_a_400_never_a_500(client, login, entries, body, message):
    author, (first, _, _) = entries
    login(author)
    response = client.post(f"/entries/{first}/slogan/uploads", data=body, content_type="application/json",
                           headers={"X-CSRFToken": csrf_from(client, "/entries/mine")})
    assert (response.status_code, response.get_json()) == (400, {"error": message})


@pytest.mark.parametrize("offset", ["٣", "0x1", "-1", "", "9" * 400, "１"])
def test_a_chunk_offset_is_ascii_digits_only(client, login, entries, offset):
    author, (first, _, _) = entries
    login(author)
    token = csrf_from(client, "/entries/mine")
    name = start(client, first, size=10, token=token).get_json()["upload"]
    response = client.put(f"/entries/{first}/slogan/uploads/{name}", query_string={"offset": offset},
                          data=b"\x00\x00\x00\x18ftypmp42", headers={"X-CSRFToken": token})
    assert (response.status_code, response.get_json()) == (400, {"error": "缺少上传位置（offset）。"})
