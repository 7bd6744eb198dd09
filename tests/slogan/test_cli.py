"""``flask --app contest check-slogan PATH [--contest SLUG]``."""

import json
import os
import subprocess
import sys

from tests.slogan_clips import make_audio_only


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_check_slogan_prints_the_finding_last(runner, slogan_clip):
    result = runner.invoke(args=["check-slogan", str(slogan_clip)])
    assert result.exit_code == 0, result.output
    found = last_json(result.stdout)
    assert (found["found"], found["meets_rule"]) == (True, True)
    assert abs(found["longest_seconds"] - 2.5) <= 0.5
    assert [(round(s["start"]), s["text"]) for s in found["segments"]] == [(0, "动力株洲文旅通，美好生活抖起来")]
    assert abs(found["segments"][0]["start"] - 0.5) <= 0.25 and abs(found["segments"][0]["end"] - 3.0) <= 0.25


def test_check_slogan_uses_the_contests_rule(runner, make_contest, slogan_clip):
    contest = make_contest(slug="strict")
    contest.slogan_subtitle_seconds = 3
    from contest.extensions import db
    db.session.commit()
    result = runner.invoke(args=["check-slogan", str(slogan_clip), "--contest", "strict"])
    assert result.exit_code == 0, result.output
    assert last_json(result.stdout)["meets_rule"] is False
    contest.slogan = "欢迎来到株洲"
    db.session.commit()
    assert last_json(runner.invoke(args=["check-slogan", str(slogan_clip), "--contest", "strict"]).stdout) == {
        "found": False, "meets_rule": False, "longest_seconds": 0.0, "segments": []}


def test_check_slogan_refuses_what_is_not_a_video(runner, tmp_path):
    text = tmp_path / "a.mp4"
    text.write_text("hello")
    result = runner.invoke(args=["check-slogan", str(text)])
    assert (result.exit_code, result.stderr.strip()) == (1, "无法读取这个文件：它不是可以播放的视频（请上传手机相册里的原视频，文件名以 .mp4 或 .mov 结尾）。")
    result = runner.invoke(args=["check-slogan", str(make_audio_only(tmp_path / "voice.mp4"))])
    assert (result.exit_code, result.stderr.strip()) == (1, "这个文件里没有视频画面。")
    result = runner.invoke(args=["check-slogan", str(tmp_path / "missing.mp4")])
    assert (result.exit_code, result.stderr.strip()) == (1, f"找不到文件：{tmp_path / 'missing.mp4'}")


def test_check_slogan_unknown_contest(runner, slogan_clip, make_contest):
    make_contest()
    result = runner.invoke(args=["check-slogan", str(slogan_clip), "--contest", "nope"])
    assert result.exit_code == 1
    assert "没有找到活动“nope”。" in result.output


def test_check_slogan_as_a_process_has_no_traceback(tmp_path, database_url):
    broken = tmp_path / "broken.mov"
    broken.write_bytes(b"\0\0\0\x18ftypqt  " + os.urandom(2000))
    env = dict(os.environ, CONTEST_DATABASE_URL=database_url, CONTEST_ENV="testing", CONTEST_SECRET_KEY="x")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "contest", "check-slogan", str(broken)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() in ("无法读取这个文件：它不是可以播放的视频（请上传手机相册里的原视频，文件名以 .mp4 或 .mov 结尾）。",
                                   "视频文件已损坏或不完整，无法读完（请重新导出或重新上传）。")
