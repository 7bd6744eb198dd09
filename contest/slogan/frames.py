"""Frames from a video file with PyAV (which bundles FFmpeg: no ``ffmpeg`` binary needed).

Decoding is one sequential pass (seeking to each sample would decode most of a GOP per
sample anyway); only the frames picked are converted, downscaled, to RGB arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterator

import av
import numpy as np

NOT_A_VIDEO = "无法读取这个文件：它不是可以播放的视频（请上传手机相册里的原视频，文件名以 .mp4 或 .mov 结尾）。"
NO_VIDEO_STREAM = "这个文件里没有视频画面。"
BROKEN = "视频文件已损坏或不完整，无法读完（请重新导出或重新上传）。"
NOT_MP4 = "只能上传手机拍摄的原视频（文件名以 .mp4 或 .mov 结尾）。"
TOO_LONG = "视频实际播放长度超过 5 分钟（文件头里写的时长与画面不符），无法检查，请上传不超过 5 分钟的原视频。"
TOO_LARGE_FRAME = "视频画面太大（超过 4096×4096 像素），无法检查，请上传手机拍摄的原视频。"

# Limits on what is decoded, whatever the file's header claims (issue 23): the original's longest
# duration (docs/rules.md: at most 5 minutes, as contest.domain.slogan_checks.MAX_SECONDS checks on
# the header), and the largest picture. Decoding stops at the first frame past either.
MAX_SECONDS = 5 * 60 + 0.5
MAX_SIDE = 4096
MAX_FPS = 120  # frames a second of video at most: more frames than that is not a filmed video


class VideoError(Exception):
    """A file that is not a readable video; ``message`` is for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class VideoInfo:
    duration: float  # seconds
    width: int
    height: int


def is_mp4_or_mov(head: bytes) -> bool:
    """An ISO base media file (MP4, MOV, M4V): an ``ftyp`` box first, or a QuickTime file
    that starts with another top-level atom (older MOVs start with ``wide``/``moov``/``mdat``)."""
    if len(head) < 12:
        return False
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")


def _open(path) -> av.container.InputContainer:
    try:
        container = av.open(str(path), "r")
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        raise VideoError(NOT_A_VIDEO) from None
    if not container.streams.video:
        container.close()
        raise VideoError(NO_VIDEO_STREAM)
    return container


def _duration(container, stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def probe(path) -> VideoInfo:
    """Duration and size from the container's header, without decoding."""
    with _open(path) as container:
        stream = container.streams.video[0]
        return VideoInfo(duration=_duration(container, stream),
                         width=stream.codec_context.width, height=stream.codec_context.height)


def check_limits(path, *, max_seconds: float = MAX_SECONDS, max_side: int = MAX_SIDE) -> None:
    """:class:`VideoError` unless the picture is at most ``max_side`` pixels each way and every
    frame's timestamp within ``max_seconds`` (at most ``MAX_FPS`` frames a second of that), read
    from the packets themselves — cheap: nothing is decoded — whatever the header says."""
    with _open(path) as container:
        stream = container.streams.video[0]
        if max(stream.codec_context.width or 0, stream.codec_context.height or 0) > max_side:
            raise VideoError(TOO_LARGE_FRAME)
        start = stream.start_time or 0
        base = stream.time_base or Fraction(1, 90000)
        max_frames = int(max_seconds * MAX_FPS)
        count = 0
        try:
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                count += 1
                if count > max_frames or float((packet.pts - start) * base) > max_seconds:
                    raise VideoError(TOO_LONG)
        except av.FFmpegError:
            pass  # a broken file is reported by the decoding, after the frames it could read


def scaled_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """``(width, height)`` with the shorter side ``short_side`` (never upscaled), both even."""
    scale = min(1.0, short_side / max(1, min(width, height)))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def decode(path, *, short_side: int, max_seconds: float = MAX_SECONDS,
           max_side: int = MAX_SIDE) -> Iterator[tuple[float, Callable[[], np.ndarray]]]:
    """``(time, to_image)`` for every frame in order; ``to_image()`` converts that frame to an
    RGB array with the shorter side ``short_side``. A file that breaks off mid-way raises
    :class:`VideoError` after the frames read so far (when none were read, at once); so does a
    frame past ``max_seconds`` (by its own timestamp), more frames than ``MAX_FPS`` a second of
    that, or a picture wider or taller than ``max_side`` (as the stream says, and as decoded)."""
    check_limits(path, max_seconds=max_seconds, max_side=max_side)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        # One thread, as the OCR engine: the check runs in the background beside the web processes,
        # and FFmpeg's frame threads cost a quarter more CPU for the same frames (bench/RESULTS.md).
        stream.thread_type, stream.codec_context.thread_count = "SLICE", 1
        start = stream.start_time or 0
        base = stream.time_base or Fraction(1, 90000)
        size = None
        count = 0
        max_frames = int(max_seconds * MAX_FPS)
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                if max(frame.width, frame.height) > max_side:
                    raise VideoError(TOO_LARGE_FRAME)
                t = float((frame.pts - start) * base)
                if t > max_seconds or count >= max_frames:
                    raise VideoError(TOO_LONG)
                if size is None:
                    size = scaled_size(frame.width, frame.height, short_side)
                count += 1
                width, height = size
                yield t, (
                    lambda f=frame: f.to_ndarray(format="rgb24", width=width, height=height, interpolation="AREA"))
        except av.FFmpegError:
            raise VideoError(BROKEN if count else NOT_A_VIDEO) from None
        if count == 0:
            raise VideoError(BROKEN)
    finally:
        container.close()


def grab(path, times: list[float], *, short_side: int) -> list[tuple[float, np.ndarray]]:
    """The frames at (the first frame at or after) each of ``times``, in one pass."""
    wanted = sorted(times)
    out: list[tuple[float, np.ndarray]] = []
    last = None
    for t, image in decode(path, short_side=short_side):
        last = (t, image)
        while wanted and t >= wanted[0] - 1e-6:
            wanted.pop(0)
            out.append((t, image()))
        if not wanted:
            break
    if wanted and last is not None:  # past the end: the last frame stands in
        out += [(last[0], last[1]()) for _ in wanted]
    return out
