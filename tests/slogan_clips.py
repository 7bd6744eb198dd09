"""Videos with known truth for the slogan check, made with PyAV and Pillow (Noto CJK)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SLOGAN = "动力株洲文旅通，美好生活抖起来"


@dataclass
class Text:
    """``lines`` shown from ``start`` to ``end`` seconds, centred at ``y`` (a fraction of the height)."""

    lines: list[str]
    start: float
    end: float
    y: float = 0.75
    size: float = 0.06  # font size as a fraction of the frame's width
    x: float | None = None  # left edge as a fraction of the width; None centres it


@cache
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, px)


def _background(width: int, height: int, busy: bool) -> np.ndarray:
    if busy:  # blocks of random colour, 1/45 of the width across (8 px at 360 wide): one scene at any size
        block = max(2, width // 45)
        rng = np.random.default_rng(7)
        small = rng.integers(0, 256, (height // block + 1, width // block + 1, 3), dtype=np.uint8)
        return np.kron(small, np.ones((block, block, 1), dtype=np.uint8))[:height, :width]
    ys = np.linspace(40, 160, height, dtype=np.uint8)[:, None, None]
    return np.broadcast_to(np.concatenate([ys // 2, ys, np.full_like(ys, 150)], axis=2), (height, width, 3)).copy()


def _draw(base: np.ndarray, texts: list[Text]) -> np.ndarray:
    height, width = base.shape[:2]
    image = Image.fromarray(base)
    draw = ImageDraw.Draw(image)
    for text in texts:
        font = _font(max(8, round(text.size * width)))
        line_height = round(text.size * width * 1.4)
        y = text.y * height - line_height * len(text.lines) / 2
        for line in text.lines:
            w = draw.textlength(line, font=font)
            x = text.x * width if text.x is not None else (width - w) / 2
            draw.text((x, y), line, font=font, fill="white", stroke_width=max(1, round(text.size * width / 12)),
                      stroke_fill="black")
            y += line_height
    return np.asarray(image)


def make_clip(path: Path, *, texts: list[Text], seconds: float, size=(360, 640), fps: int = 10,
              busy: bool = False) -> Path:
    """An H.264 video (MP4 or MOV by ``path``'s suffix) ``seconds`` long; the background moves
    a little every frame, as filmed video does."""
    width, height = size
    base = _background(width, height, busy)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(fps * 2)}
        frames = round(seconds * fps)
        cache_key, image = None, None
        for i in range(frames):
            t = i / fps
            shown = [x for x in texts if x.start - 1e-9 <= t < x.end - 1e-9]
            moved = np.roll(base, (i * 3) % width, axis=1)
            image = _draw(moved, shown) if shown else moved
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An MP4 with an audio stream and no video stream."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        samples = int(16000 * seconds)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, samples), dtype=np.float32), format="fltp", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _h264(path: Path, frames, *, fps: int, size: tuple[int, int], keyframes: int | None = None) -> Path:
    """An H.264 video of ``frames`` (``av.VideoFrame`` values, in order), ``fps`` a second."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt, stream.options = "yuv420p", {"preset": "ultrafast", **({"g": str(keyframes)} if keyframes else {})}
        for i, frame in enumerate(frames):
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_plain_clip(path: Path, *, seconds: float, fps: int = 2, size: tuple[int, int] = (64, 64)) -> Path:
    """A small H.264 video of plain frames (a shade that changes every frame), ``seconds`` long."""
    width, height = size
    frames = (av.VideoFrame.from_ndarray(np.full((height, width, 3), i % 255, np.uint8), format="rgb24")
              for i in range(round(seconds * fps)))
    return _h264(path, frames, fps=fps, size=size, keyframes=fps * 10)


def claim_duration(path: Path, seconds: float) -> Path:
    """Rewrite the MP4 header's durations (``mvhd``, ``tkhd``, ``mdhd``, version 0 boxes) to claim
    ``seconds``, leaving every frame in place: a file whose header lies about its length."""
    data = bytearray(path.read_bytes())
    at = data.find(b"mvhd")
    movie_scale = struct.unpack(">I", data[at + 16:at + 20])[0]
    for box, offset in ((b"mvhd", 16), (b"mdhd", 16), (b"tkhd", 20)):
        at = data.find(box)
        while at != -1:
            assert data[at + 4] == 0, f"{box!r} is not a version 0 box"
            scale = movie_scale if box == b"tkhd" else struct.unpack(">I", data[at + 16:at + 20])[0]
            struct.pack_into(">I", data, at + 4 + offset, round(scale * seconds))
            at = data.find(box, at + 4)
    path.write_bytes(bytes(data))
    return path


def make_huge_frames(path: Path, *, side: int, frames: int = 2) -> Path:
    """``frames`` black frames of ``side``×``side`` pixels, H.264 (small on disk, huge decoded)."""
    frame = av.VideoFrame(side, side, "yuv420p")
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    return _h264(path, [frame] * frames, fps=1, size=(side, side))
