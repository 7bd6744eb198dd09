"""The subtitle detector on generated clips with known truth (a few seconds each, 10 fps)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from contest.slogan.detect import Finding, Segment, SubtitleDetector, check_video, evidence_times
from contest.slogan.frames import BROKEN, NO_VIDEO_STREAM, NOT_A_VIDEO, VideoError, grab, is_mp4_or_mov, probe
from contest.slogan.match import Line
from contest.slogan.ocr import read_lines
from tests.slogan_clips import SLOGAN, Text, make_audio_only, make_clip

OTHER = Text(["欢迎来到株洲", "一起来打卡"], 0, 99, y=0.2)
NEAR_MISS = "动力株洲文旅通，美好生活嗨起来"

# name: (texts, seconds, size, busy, truth: (start, end) or None)
CLIPS = {
    "three_seconds": ([OTHER, Text([SLOGAN], 0.5, 3.5)], 4.5, (360, 640), False, (0.5, 3.5)),
    "one_point_two": ([Text([SLOGAN], 1.0, 2.2)], 3.5, (360, 640), False, (1.0, 2.2)),
    "absent": ([OTHER, Text(["株洲的夜景真好看"], 0, 3)], 3.0, (360, 640), False, None),
    "near_miss": ([Text([NEAR_MISS], 0.5, 3.5)], 4.0, (360, 640), False, None),
    "two_lines": ([Text(["动力株洲文旅通，", "美好生活抖起来"], 0.3, 2.8, size=0.08)], 3.5, (360, 640), False, (0.3, 2.8)),
    "landscape": ([Text([SLOGAN], 1.0, 4.0, size=0.04)], 4.5, (640, 360), False, (1.0, 4.0)),
    "small_busy": ([Text([SLOGAN], 0.0, 3.0, size=0.05, y=0.85)], 3.5, (360, 640), True, (0.0, 3.0)),
    "no_comma": ([Text(["动力株洲文旅通 美好生活抖起来"], 0.6, 3.4)], 4.0, (360, 640), False, (0.6, 3.4)),
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    made = {}
    for name, (texts, seconds, size, busy, _truth) in CLIPS.items():
        suffix = ".mov" if name == "landscape" else ".mp4"
        made[name] = make_clip(folder / f"{name}{suffix}", texts=texts, seconds=seconds, size=size, busy=busy)
    return made


@pytest.fixture(scope="module")
def findings(clips):
    """Each clip's finding, computed once for the module (OCR is the slow part)."""
    done = {}

    def finding(name):
        if name not in done:
            done[name] = SubtitleDetector().detect(clips[name], slogan=SLOGAN, min_seconds=2)
        return done[name]
    return finding


@pytest.mark.parametrize("name", list(CLIPS))
def test_detector_finds_the_truth(findings, name):
    truth = CLIPS[name][4]
    finding = findings(name)
    result = finding.as_json()
    if truth is None:
        assert result == {"found": False, "meets_rule": False, "longest_seconds": 0.0, "segments": []}
        return
    start, end = truth
    assert result["found"] is True
    assert len(result["segments"]) == 1, result
    segment = result["segments"][0]
    assert abs(segment["start"] - start) <= 0.25 and abs(segment["end"] - end) <= 0.25, result
    assert abs(result["longest_seconds"] - (end - start)) <= 0.5
    assert result["meets_rule"] is (end - start > 2)
    assert "美好生活抖起来" in segment["text"]


def test_detector_reads_about_one_frame_a_second(findings):
    finding = findings("three_seconds")
    # 5 samples (0–4 s and the last frame) and at most 2 more for each of the two edges.
    assert finding.reads <= 5 + 1 + 4
    assert finding.duration == pytest.approx(4.5, abs=0.01)


def test_edges_are_placed_reading_only_the_band_where_the_slogan_was_seen(clips):
    """The reads that place an edge take the rows around the slogan, not the whole picture, and
    still find the truth (0.0–3.0 s) on the clip whose small slogan sits on a busy picture."""
    heights = []

    def reader(image):
        heights.append(image.shape[0])
        return read_lines(image)

    finding = SubtitleDetector(reader=reader).detect(clips["small_busy"], slogan=SLOGAN, min_seconds=2)
    (segment,) = finding.segments
    assert segment.start == pytest.approx(0.0, abs=0.25) and segment.end == pytest.approx(3.0, abs=0.25)
    full = max(heights)  # 640: the clip is 360×640
    assert full == 640 and heights.count(full) == 4  # the first two samples, the sample at 3 s, the last frame
    assert sorted(set(heights) - {full}) == [160]  # the slogan's 26 rows and 52 above and below, on a grid of 32


def test_the_rule_is_the_contests(findings):
    """A contest asking for more than 3.5 seconds: the 3-second subtitle no longer meets it."""
    finding = dataclasses.replace(findings("three_seconds"), min_seconds=3.5)
    assert (finding.found, finding.meets_rule) == (True, False)


def test_bisection_places_edges_with_a_fake_reader(tmp_path):
    """The search itself, with a reader that 'sees' the slogan on frames that are bright."""
    path = make_clip(tmp_path / "flash.mp4", texts=[Text(["亮"], 1.3, 2.6, size=0.9, y=0.5)], seconds=4.0)
    def seen(image):
        white = image.min(axis=2) > 230
        rows = np.flatnonzero(white.any(axis=1))
        return [Line(SLOGAN, 0, rows[0], image.shape[1], rows[-1] + 1)] if white.mean() > 0.02 else []

    finding = SubtitleDetector(reader=seen).detect(path, slogan=SLOGAN, min_seconds=1)
    (segment,) = finding.segments
    assert segment.start == pytest.approx(1.3, abs=0.2) and segment.end == pytest.approx(2.6, abs=0.2)


def test_check_video_answers_by_kind_for_the_slogan_given(clips):
    """Another contest's slogan is found where the 2020 one is not."""
    found = check_video(clips["absent"], slogan="欢迎来到株洲，一起来打卡", min_seconds=2)
    assert list(found) == ["subtitle"]
    assert found["subtitle"].meets_rule is True
    assert found["subtitle"].longest_seconds == pytest.approx(3.0, abs=0.1)


def test_finding_json_and_evidence_times():
    finding = Finding(kind="subtitle", min_seconds=2, segments=[Segment(0.5, 1.2, "a"), Segment(2.0, 5.25, "b")])
    assert finding.as_json() == {"found": True, "meets_rule": True, "longest_seconds": 3.25, "segments": [
        {"start": 0.5, "end": 1.2, "text": "a"}, {"start": 2.0, "end": 5.25, "text": "b"}]}
    assert evidence_times(finding.longest) == [2.25, 3.62, 5.0]
    exactly_two = Finding(kind="subtitle", min_seconds=2, segments=[Segment(1.0, 3.0, "a")])
    assert exactly_two.meets_rule is False  # more than 2 seconds, strictly


def test_grab_and_probe(clips):
    info = probe(clips["landscape"])
    assert (info.width, info.height) == (640, 360) and info.duration == pytest.approx(4.5, abs=0.1)
    frames = grab(clips["landscape"], [0.0, 2.0, 99.0], short_side=180)
    assert [round(t, 1) for t, _ in frames] == [0.0, 2.0, 4.4]
    assert frames[0][1].shape == (180, 320, 3)


def test_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("这不是视频" * 100)
    with pytest.raises(VideoError) as exc:
        SubtitleDetector().detect(path, slogan=SLOGAN, min_seconds=2)
    assert exc.value.message == NOT_A_VIDEO


def test_truncated_video(clips, tmp_path):
    data = clips["three_seconds"].read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError) as exc:
        SubtitleDetector().detect(path, slogan=SLOGAN, min_seconds=2)
    assert exc.value.message in (NOT_A_VIDEO, BROKEN)


def test_no_video_stream(tmp_path):
    path = make_audio_only(tmp_path / "voice.mp4")
    with pytest.raises(VideoError) as exc:
        SubtitleDetector().detect(path, slogan=SLOGAN, min_seconds=2)
    assert exc.value.message == NO_VIDEO_STREAM


def test_mp4_or_mov_by_bytes(clips):
    assert is_mp4_or_mov(clips["landscape"].read_bytes()[:16])
    assert is_mp4_or_mov(clips["absent"].read_bytes()[:16])
    assert not is_mp4_or_mov(b"\x89PNG\r\n\x1a\n" + b"\0" * 8)
    assert not is_mp4_or_mov(b"\x1aE\xdf\xa3" + b"\0" * 12)  # Matroska/WebM
    assert not is_mp4_or_mov(b"\0\0\0\x18ftyp")  # too short to tell
