"""Uploading an original for the slogan check (entrant and reviewer), the check's state, the
review page, the evidence pack and the audit trail."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue

from contest.domain import slogan_checks
from contest.extensions import db
from contest.jobs import slogan as jobs
from contest.models import AuditEvent, CheckState, EntryStatus, SloganCheck
from tests.support.uploads import upload
from tests.conftest import build_entry, csrf_from


def test_entrant_uploads_in_chunks_and_the_check_runs(client, login, slogan_entry, slogan_clip, slogan_app):
    entry = slogan_entry["entry"]
    login(slogan_entry["author"])
    data = slogan_clip.read_bytes()
    _name, response = upload(client, entry.id, data, pieces=3)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["offset"], body["size"]) == (len(data), len(data))
    check = body["check"]
    assert (check["state"], check["state_label"], check["upload_bytes"]) == ("done", "完成", len(data))
    assert (check["uploaded_at"], check["finished_at"]) == ("2020-06-25T10:00:00+08:00", "2020-06-25T10:00:00+08:00")
    assert check["video_seconds"] == pytest.approx(3.5, abs=0.1)
    subtitle = check["result"]["subtitle"]
    assert (subtitle["found"], subtitle["meets_rule"]) == (True, True)
    assert abs(subtitle["longest_seconds"] - 2.5) <= 0.5
    assert check["label"].startswith("字幕检测：") and "（00:00." in check["label"]
    assert [f["index"] for f in check["frames"]] == [0, 1, 2]
    # The original is gone; three frames stay as evidence.
    assert list(Path(slogan_app.config["CONTEST_SLOGAN_UPLOAD_DIR"]).iterdir()) == []
    assert len(list(Path(slogan_app.config["CONTEST_EVIDENCE_DIR"]).rglob("*.jpg"))) == 3
    row = db.session.scalar(sa.select(SloganCheck))
    assert (row.state, row.upload_name, row.uploaded_by_id) == (CheckState.DONE, None, slogan_entry["author"].id)
    actions = db.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.target_id)
                                 .order_by(AuditEvent.id)).all()
    assert actions == [("slogan_check.queued", None, entry.id), ("slogan_check.done", None, entry.id)]
    queued = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id))
    assert queued.changes == {"check_id": row.id, "uploaded_by": slogan_entry["author"].id, "bytes": len(data),
                              "seconds": row.video_seconds}
    state = client.get(f"/entries/{entry.id}/slogan/check").get_json()["check"]
    assert state["state"] == "done" and state["result"] == check["result"]
    frame = client.get(f"/entries/{entry.id}/slogan/frames/1.jpg")
    assert (frame.status_code, frame.mimetype, frame.data[:3]) == (200, "image/jpeg", b"\xff\xd8\xff")
    assert client.get(f"/entries/{entry.id}/slogan/frames/4.jpg").get_json() == {"error": "没有找到这一帧。"}
    page = client.get("/entries/mine").get_data(as_text=True)
    assert "口号字幕检查：" in page and "完成" in page and check["label"] in page
    assert "slogan-upload.js" in page


def test_a_chunk_at_the_wrong_offset_says_where_to_resume(client, login, slogan_entry, slogan_clip):
    entry = slogan_entry["entry"]
    login(slogan_entry["author"])
    token = csrf_from(client, "/entries/mine")
    data = slogan_clip.read_bytes()
    name = client.post(f"/entries/{entry.id}/slogan/uploads", json={"size": len(data)},
                       headers={"X-CSRFToken": token}).get_json()["upload"]
    url = f"/entries/{entry.id}/slogan/uploads/{name}"
    first = client.put(f"{url}?offset=0", data=data[:1000], headers={"X-CSRFToken": token})
    assert first.get_json() == {"offset": 1000, "size": len(data), "check": None}
    again = client.put(f"{url}?offset=0", data=data[:1000], headers={"X-CSRFToken": token})
    assert (again.status_code, again.get_json()) == (409, {"error": "上传位置不对，请从第 1000 字节继续。", "offset": 1000})
    assert client.get(url).get_json() == {"upload": name, "offset": 1000, "size": len(data)}
    done = client.put(f"{url}?offset=1000", data=data[1000:], headers={"X-CSRFToken": token})
    assert done.status_code == 201 and done.get_json()["check"]["state"] == "done"
    assert client.get(url).status_code == 404  # the upload became a check


def test_uploads_are_checked_by_their_bytes_size_and_length(client, login, slogan_entry, slogan_clip, monkeypatch):
    entry = slogan_entry["entry"]
    login(slogan_entry["author"])
    token = csrf_from(client, "/entries/mine")
    headers = {"X-CSRFToken": token}
    too_big = client.post(f"/entries/{entry.id}/slogan/uploads", json={"size": 200 * 1024 * 1024 + 1}, headers=headers)
    assert (too_big.status_code, too_big.get_json()) == (400, {"error": "原视频不能超过 200 MB。"})
    no_size = client.post(f"/entries/{entry.id}/slogan/uploads", json={"size": "1"}, headers=headers)
    assert no_size.get_json() == {"error": "请告诉我们文件大小（size，字节）。"}
    _name, png = upload(client, entry.id, b"\x89PNG\r\n\x1a\n" + b"\0" * 5000, token=token)
    assert (png.status_code, png.get_json()) == (422, {"error": "只能上传手机拍摄的原视频（文件名以 .mp4 或 .mov 结尾）。"})
    data = slogan_clip.read_bytes()
    _name, cut = upload(client, entry.id, data[:24] + b"\0" * 3000, token=token)
    assert cut.status_code == 422
    assert cut.get_json()["error"] in ("无法读取这个文件：它不是可以播放的视频（请上传手机相册里的原视频，文件名以 .mp4 或 .mov 结尾）。",
                                       "视频文件已损坏或不完整，无法读完（请重新导出或重新上传）。")
    monkeypatch.setattr(slogan_checks, "MAX_SECONDS", 2)
    _name, long = upload(client, entry.id, data, token=token)
    assert (long.status_code, long.get_json()) == (422, {"error": "原视频不能超过 5 分钟。"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SloganCheck)) == 0


def test_only_the_author_and_its_reviewers_may_upload(client, login, slogan_entry, make_user):
    entry = slogan_entry["entry"]
    path = f"/entries/{entry.id}/slogan/check"
    assert (client.get(path).status_code, client.get(path).get_json()) == (401, {"error": "请先登录。"})
    login(make_user(nickname="别人"))
    assert client.get(path).get_json() == {"error": "没有找到这个作品。"}
    client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    login(make_user("judge", nickname="评委"))
    assert client.get(path).status_code == 404
    client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    elsewhere = make_user("reviewer", nickname="醴陵审核员")
    elsewhere.area_keys = ["liling"]  # the entry is in 荷塘区
    db.session.commit()
    login(elsewhere)
    assert client.get(path).status_code == 404
    client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    login(make_user("reviewer", nickname="审核员"))
    assert client.get(path).get_json() == {"check": None}
    assert client.put(f"/entries/{entry.id}/slogan/uploads/{'0' * 32}?offset=0", data=b"x").status_code == 400  # CSRF


def test_reviewer_uploads_and_the_review_page_shows_the_result(client, login, slogan_entry, make_user, slogan_clip):
    entry = slogan_entry["entry"]
    page = None
    reviewer = make_user("reviewer", nickname="审核员小陈")
    login(reviewer)
    before = client.get(f"/staff/entries/{entry.id}").get_data(as_text=True)
    assert "没有原视频的字幕检测结果：请看视频确认口号" in before
    _name, response = upload(client, entry.id, slogan_clip.read_bytes(), token=csrf_from(client, f"/staff/entries/{entry.id}"))
    assert response.status_code == 201
    label = response.get_json()["check"]["label"]
    page = client.get(f"/staff/entries/{entry.id}").get_data(as_text=True)
    assert page.count(label) == 3  # beside the checklist's slogan box, above the timeline, in the upload's state
    assert 'class="timeline-segment timeline-longest"' in page
    assert page.count(f"/entries/{entry.id}/slogan/frames/") == 3
    assert db.session.scalar(sa.select(SloganCheck.uploaded_by_id)) == reviewer.id
    assert db.session.scalar(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "slogan_check.queued")) == reviewer.id


def test_no_subtitle_tells_the_reviewer_to_listen(client, login, slogan_entry, make_user, slogan_clip, monkeypatch):
    monkeypatch.setattr(jobs, "check_video", lambda path, **kw: {"subtitle": _nothing()})
    entry = slogan_entry["entry"]
    login(make_user("admin", nickname="管理员"))
    _name, response = upload(client, entry.id, slogan_clip.read_bytes(), token=csrf_from(client, "/"))
    assert response.get_json()["check"]["label"] == "未检测到口号字幕——请听视频确认口述"
    page = client.get(f"/staff/entries/{entry.id}").get_data(as_text=True)
    assert "未检测到口号字幕——请听视频确认口述" in page


def _nothing():
    from contest.slogan.detect import Finding
    return Finding(kind="subtitle", segments=[], min_seconds=2, duration=3.5)


def test_a_check_that_breaks_fails_visibly(client, login, slogan_entry, slogan_clip, monkeypatch, slogan_app):
    def broken(path, **kw):
        raise RuntimeError("boom")
    monkeypatch.setattr(jobs, "check_video", broken)
    login(slogan_entry["author"])
    _name, response = upload(client, slogan_entry["entry"].id, slogan_clip.read_bytes())
    check = response.get_json()["check"]
    assert (check["state"], check["state_label"], check["error"]) == ("failed", "失败", "检查时出错了，请稍后重新上传。")
    assert list(Path(slogan_app.config["CONTEST_SLOGAN_UPLOAD_DIR"]).iterdir()) == []
    assert db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "slogan_check.failed"
    assert "失败" in client.get("/entries/mine").get_data(as_text=True)


def test_thread_worker_runs_checks_in_the_background(client, login, slogan_entry, slogan_clip, slogan_app):
    slogan_app.config["CONTEST_SLOGAN_WORKER"] = "thread"
    login(slogan_entry["author"])
    _name, response = upload(client, slogan_entry["entry"].id, slogan_clip.read_bytes())
    assert response.get_json()["check"]["state"] in ("queued", "running", "done")
    jobs.wait_for_local_checks(slogan_app)
    state = client.get(f"/entries/{slogan_entry['entry'].id}/slogan/check").get_json()["check"]
    assert state["state"] == "done" and state["result"]["subtitle"]["meets_rule"] is True


def test_rq_worker_gets_a_job_on_its_queue(client, login, slogan_entry, slogan_clip, slogan_app, worker_redis_url):
    slogan_app.config.update(CONTEST_SLOGAN_WORKER="rq", CONTEST_REDIS_URL=worker_redis_url)
    queue = Queue(jobs.QUEUE, connection=Redis.from_url(worker_redis_url))
    queue.empty()
    login(slogan_entry["author"])
    _name, response = upload(client, slogan_entry["entry"].id, slogan_clip.read_bytes())
    assert response.get_json()["check"]["state"] == "queued"
    (job,) = queue.get_jobs()
    assert (job.func_name, job.args) == ("contest.jobs.slogan.run_check_job", (response.get_json()["check"]["id"],))
    queue.empty()
    assert jobs.run_check(job.args[0]) == "done"  # what the worker does, in this app
    assert jobs.run_check(job.args[0]) == "done"  # run twice, runs once


def test_evidence_pack_has_the_check_and_its_frames(client, login, slogan_entry, make_user, slogan_clip):
    entry = slogan_entry["entry"]
    login(make_user("admin", nickname="管理员"))
    _name, response = upload(client, entry.id, slogan_clip.read_bytes(), token=csrf_from(client, "/"))
    check = response.get_json()["check"]
    pack = zipfile.ZipFile(io.BytesIO(client.get(f"/staff/exports/evidence/{entry.id}.zip").data))
    record = json.loads(pack.read("entry.json"))
    assert [c["id"] for c in record["slogan_checks"]] == [check["id"]]
    assert record["slogan_checks"][0]["result"] == check["result"]
    names = [f["name"] for f in check["frames"]]
    assert record["evidence_files"] == names
    assert all(pack.read(f"evidence/{n}")[:3] == b"\xff\xd8\xff" for n in names)


def test_privacy_notice_says_originals_are_deleted_once_checked(client, make_contest):
    make_contest()
    page = client.get("/privacy").get_data(as_text=True)
    assert "原视频只保存到检查完成为止，检查完（无论成功与否）立即删除" in page
    assert "本站不公开任何视频文件" in page


@pytest.mark.parametrize("env, worker", [
    ({}, "thread"),
    ({"CONTEST_REDIS_URL": "redis://127.0.0.1:6379/9"}, "rq"),
    ({"CONTEST_REDIS_URL": "redis://127.0.0.1:6379/9", "CONTEST_SLOGAN_WORKER": "thread"}, "thread"),
    ({"CONTEST_SLOGAN_WORKER": "inline"}, "inline"),
])
def test_where_checks_run_by_default(env, worker, tmp_path):
    from contest.config import load_config
    assert load_config(env, str(tmp_path))["CONTEST_SLOGAN_WORKER"] == worker


@pytest.mark.parametrize("env", [{"CONTEST_SLOGAN_WORKER": "celery"}, {"CONTEST_SLOGAN_WORKER": "rq"},
                                 {"CONTEST_SLOGAN_CHUNK_BYTES": "1024"}])
def test_bad_slogan_settings_stop_the_start(env, tmp_path):
    from contest.config import ConfigError, load_config
    with pytest.raises(ConfigError):
        load_config(env, str(tmp_path))
