"""The slogan check's limits hold on what is decoded, not on what the file's header claims
(issue 23, item 2): a header that claims 10 s over 400 s of frames, and 8192×8192 frames, are
refused with a clear message — at the upload, and by the check itself (the CLI and the job)."""

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import SloganCheck
from contest.slogan import frames
from contest.slogan.detect import SubtitleDetector, check_video
from tests.support.uploads import upload
from tests.slogan_clips import SLOGAN, claim_duration, make_huge_frames, make_plain_clip

TOO_LONG = "视频实际播放长度超过 5 分钟（文件头里写的时长与画面不符），无法检查，请上传不超过 5 分钟的原视频。"
TOO_LARGE = "视频画面太大（超过 4096×4096 像素），无法检查，请上传手机拍摄的原视频。"


@pytest.fixture(scope="module")
def lying(tmp_path_factory):
    """400 s of 64×64 frames, 2 a second, whose header claims 10 s."""
    path = make_plain_clip(tmp_path_factory.mktemp("lying") / "lying.mp4", seconds=400, fps=2)
    return claim_duration(path, 10)


@pytest.fixture(scope="module")
def huge(tmp_path_factory):
    return make_huge_frames(tmp_path_factory.mktemp("huge") / "huge.mp4", side=8192, frames=2)


def test_the_crafted_files_are_what_they_claim_to_be(lying, huge):
    assert frames.probe(lying) == frames.VideoInfo(duration=10.0, width=64, height=64)
    assert frames.probe(huge) == frames.VideoInfo(duration=2.0, width=8192, height=8192)
    assert lying.stat().st_size < 100_000 and huge.stat().st_size < 300_000


def test_decoding_stops_at_the_longest_duration_by_the_frames_timestamps(lying):
    with pytest.raises(frames.VideoError) as refused:
        check_video(lying, slogan=SLOGAN, min_seconds=2)
    assert refused.value.message == TOO_LONG
    # The limit is on timestamps, not on the header, and is checked before any frame is read.
    reads = []
    with pytest.raises(frames.VideoError):
        SubtitleDetector(reader=lambda image: reads.append(1) or []).detect(lying, slogan=SLOGAN, min_seconds=2)
    assert reads == []
    seen = [t for t, _image in frames.decode(lying, short_side=64, max_seconds=500)]
    assert (len(seen), seen[-1]) == (800, 399.5)


def test_more_frames_a_second_than_a_video_has_is_refused(tmp_path):
    crowded = make_plain_clip(tmp_path / "crowded.mp4", seconds=2, fps=240)
    with pytest.raises(frames.VideoError) as refused:
        list(frames.decode(crowded, short_side=64, max_seconds=2.5))
    assert refused.value.message == TOO_LONG


def test_frames_larger_than_4096_pixels_are_refused_before_decoding(huge):
    with pytest.raises(frames.VideoError) as refused:
        check_video(huge, slogan=SLOGAN, min_seconds=2)
    assert refused.value.message == TOO_LARGE


def test_the_upload_is_refused_with_the_message(client, login, slogan_entry, lying, huge):
    login(slogan_entry["author"])
    for video, message in ((lying, TOO_LONG), (huge, TOO_LARGE)):
        _name, answer = upload(client, slogan_entry["entry"].id, video.read_bytes())
        assert (answer.status_code, answer.get_json()) == (422, {"error": message})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SloganCheck)) == 0
