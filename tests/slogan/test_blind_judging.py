"""Blind judging (docs/rules.md §8): the original an entrant agreed to keep plays to the judges in a plain
<video>, with no author on the page; without one the judge page says that the Douyin player shows the
author, as the rules page does; a kept original is deleted once the results are published."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain.judging_videos import PLAYER_SHOWS_AUTHOR
from contest.extensions import db
from contest.jobs.slogan import release_judging_videos
from contest.models import AuditEvent, Entry, EntryStatus
from contest.models.awards import AwardKind, AwardList, AwardStatus
from tests.conftest import build_entry, csrf_from

NICKNAME = "老张的乡村"
NOTICE = "该作品的抖音播放器会显示作者"


@pytest.fixture
def judged(slogan_app, make_contest, make_user, freeze):
    freeze("2020-07-20T10:00:00+08:00")
    contest = make_contest()
    author = make_user(nickname=NICKNAME, phone="13900000100")
    kept = build_entry(contest, author, video_id="1001", caption="乡村的早晨 #动力株洲文旅通 @株洲足迹")
    plain = build_entry(contest, author, video_id="1002", caption="乡村的傍晚 #动力株洲文旅通 @株洲足迹")
    db.session.commit()
    return {"contest": contest, "author": author, "kept": kept, "plain": plain,
            "judge": make_user(role="judge", nickname="评委甲", phone="13900000200")}


def upload(client, entry_id: int, data: bytes, **body):
    headers = {"X-CSRFToken": csrf_from(client, "/entries/mine")}
    started = client.post(f"/entries/{entry_id}/slogan/uploads", json={"size": len(data), **body}, headers=headers)
    if started.status_code != 201:
        return started
    name = started.get_json()["upload"]
    return client.put(f"/entries/{entry_id}/slogan/uploads/{name}?offset=0", data=data, headers=headers,
                      content_type="application/octet-stream")


def uploads_dir(app) -> Path:
    return Path(app.config["CONTEST_SLOGAN_UPLOAD_DIR"])


def keep_original(client, login, judged, clip) -> bytes:
    login(judged["author"])
    data = clip.read_bytes()
    response = upload(client, judged["kept"].id, data, keep_for_judging=True)
    assert response.status_code == 201, response.get_json()
    db.session.expire_all()
    return data


def main_of(html: str) -> str:
    return html.split("<main")[1].split("</main>")[0]


def test_the_entrant_keeps_the_original_and_the_judge_watches_it_with_no_author(client, login, judged, slogan_clip,
                                                                                 slogan_app):
    data = keep_original(client, login, judged, slogan_clip)
    entry = db.session.get(Entry, judged["kept"].id)
    assert (entry.judging_video is not None, entry.judging_video_consent_at) == (True, clock.now())
    kept = uploads_dir(slogan_app) / "kept" / entry.judging_video
    assert kept.read_bytes() == data
    # The check deleted its own copy; the kept one is all that is left.
    assert sorted(p.relative_to(uploads_dir(slogan_app)).as_posix() for p in uploads_dir(slogan_app).rglob("*")) == [
        "kept", f"kept/{entry.judging_video}"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "entry.judging_video.keep"))
    assert (event.actor_id, event.target_id, event.changes) == (
        None, entry.id, {"consented_by": judged["author"].id, "replaced": False})
    mine = client.get("/entries/mine").get_data(as_text=True)
    assert "原视频已保留，只用于匿名评审，获奖名单公布后删除。" in mine
    assert "同意保留这个原视频，只用于匿名评审：评委看原视频，看不到作者；获奖名单公布后立即删除。" in mine

    login(judged["judge"])
    page = client.get(f"/staff/judging/{entry.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(rf'<video class="player" controls preload="metadata" playsinline width="270" height="480"\s+'
                     rf'src="/staff/judging/{entry.id}/video"', html)
    assert NICKNAME not in html and NICKNAME[0] + "*" not in html and judged["author"].phone[-4:] not in html
    assert "<iframe" not in html and NOTICE not in html and "open.douyin.com" not in html

    video = client.get(f"/staff/judging/{entry.id}/video")
    assert (video.status_code, video.mimetype, video.headers["Cache-Control"]) == (200, "video/mp4", "no-store")
    assert video.get_data() == data
    part = client.get(f"/staff/judging/{entry.id}/video", headers={"Range": "bytes=0-99"})
    assert (part.status_code, len(part.get_data()), part.headers["Content-Range"]) == (
        206, 100, f"bytes 0-99/{len(data)}")


def test_without_a_kept_original_the_judge_page_says_the_player_shows_the_author(client, login, judged):
    assert PLAYER_SHOWS_AUTHOR == NOTICE
    login(judged["judge"])
    html = client.get(f"/staff/judging/{judged['plain'].id}").get_data(as_text=True)
    assert f'<p class="flash" role="note"><strong>{NOTICE}</strong>：参赛者没有保留原视频供匿名评审' in html
    assert "<iframe" in html and "<video" not in html and NICKNAME not in html
    missing = client.get(f"/staff/judging/{judged['plain'].id}/video")
    assert missing.status_code == 404


def test_the_rules_page_says_which_entries_are_judged_blind(client, judged):
    html = client.get(f"/rules?contest={judged['contest'].slug}").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "评委看不到点赞数，作者身份是否对评委隐藏见下面的匿名评审。" in text
    assert ("勾选的作品，评委看的是这个原视频，看不到作者，是匿名评审。保留的原视频在获奖名单公布后立即删除；"
            "作品撤回、未通过审核或账号注销时也随即删除。") in text
    assert (f"没有保留原视频的作品，评委只能在抖音播放器里观看，{NOTICE}（抖音昵称），这样的作品不能做到匿名评审；"
            "评审页面会向评委明确提示。") in text
    assert "评委看不到点赞数和作者身份" not in text


@pytest.mark.parametrize("role, status", [("citizen", 403), ("reviewer", 403), ("judge", 200), ("admin", 200)])
def test_only_judges_and_admins_may_watch_a_kept_original(client, login, make_user, judged, slogan_clip, role, status):
    keep_original(client, login, judged, slogan_clip)
    login(make_user(role=role))
    assert client.get(f"/staff/judging/{judged['kept'].id}/video").status_code == status


def test_only_the_entrant_may_agree_to_keep_the_original(client, login, make_user, judged, slogan_clip):
    login(make_user(role="admin"))
    response = upload(client, judged["kept"].id, slogan_clip.read_bytes(), keep_for_judging=True)
    assert (response.status_code, response.get_json()) == (403, {"error": "只有作者本人可以同意保留原视频供匿名评审。"})
    login(judged["author"])
    response = upload(client, judged["kept"].id, slogan_clip.read_bytes(), keep_for_judging="yes")
    assert (response.status_code, response.get_json()) == (
        400, {"error": "是否保留原视频供匿名评审（keep_for_judging）要填 true 或 false。"})


def test_kept_originals_are_deleted_once_the_results_are_published(client, login, judged, slogan_clip, slogan_app,
                                                                   freeze):
    keep_original(client, login, judged, slogan_clip)
    entry = db.session.get(Entry, judged["kept"].id)
    kept = uploads_dir(slogan_app) / "kept" / entry.judging_video
    contest, now = judged["contest"], clock.now()
    # In its notice: still kept.
    db.session.add(AwardList(contest_id=contest.id, kind=AwardKind.EXCELLENCE, version=1, status=AwardStatus.NOTICE,
                             notice_starts_at=now, notice_ends_at=now + timedelta(days=5)))
    db.session.commit()
    assert release_judging_videos(slogan_app.config) == 0 and kept.is_file()

    published = db.session.scalar(sa.select(AwardList))
    published.status, published.published_at = AwardStatus.PUBLISHED, freeze(now + timedelta(days=6))
    db.session.commit()
    login(judged["judge"])
    # At once: the judge page and the route stop using it, before any sweep.
    assert client.get(f"/staff/judging/{entry.id}/video").status_code == 404
    assert NOTICE in client.get(f"/staff/judging/{entry.id}").get_data(as_text=True)
    assert release_judging_videos(slogan_app.config) == 1
    assert not kept.exists()
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert (entry.judging_video, entry.judging_video_consent_at) == (None, None)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "entry.judging_video.delete"))
    assert (event.actor_id, event.target_id, event.contest_id) == (None, entry.id, contest.id)
    assert release_judging_videos(slogan_app.config) == 0


def test_a_withdrawn_entrys_original_goes_at_the_next_sweep(client, login, judged, slogan_clip, slogan_app):
    keep_original(client, login, judged, slogan_clip)
    entry = db.session.get(Entry, judged["kept"].id)
    kept = uploads_dir(slogan_app) / "kept" / entry.judging_video
    entry.status = EntryStatus.WITHDRAWN
    db.session.commit()
    assert release_judging_videos(slogan_app.config) == 1 and not kept.exists()


def test_the_cli_deletes_what_is_over(runner, judged, slogan_app):
    result = runner.invoke(args=["delete-judging-videos"])
    assert result.exit_code == 0 and result.output == "供匿名评审的原视频已清理。\n"
