"""Detectors of the slogan in a video, behind one protocol.

:class:`SubtitleDetector` looks for the slogan on screen. It decodes the video once, reads
text (OCR) on a coarse grid of frames, one every ``step`` seconds, downscaled; where two
neighbouring samples disagree it bisects between them on a finer grid of frames kept from
that second (``precision`` apart), so each edge of a segment is placed within
``precision / 2`` of the truth at the cost of about log2(step / precision) more reads. A
segment's start and end are the midpoints between the last frame without and the first
frame with the slogan (and back). The cost is about ``1 / step`` reads a second of video.

A speech detector (none ships: no Chinese speech model installs from the package index
here) would implement :class:`Detector` with ``kind = "speech"`` and join
:data:`DETECTORS`; everything downstream reads :class:`Finding` values by kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from contest.slogan import frames as video
from contest.slogan.match import Line, find_slogan


@dataclass(frozen=True)
class Segment:
    start: float  # seconds from the start of the video
    end: float
    text: str  # as read

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Finding:
    """What one detector found. ``as_json()`` is the public shape (CLI, stored results)."""

    kind: str
    segments: list[Segment]
    min_seconds: float
    duration: float = 0.0
    reads: int = 0  # frames read (OCR) or windows heard: the cost

    @property
    def longest(self) -> Segment | None:
        return max(self.segments, key=lambda s: s.seconds, default=None)

    @property
    def longest_seconds(self) -> float:
        return round(self.longest.seconds, 2) if self.segments else 0.0

    @property
    def found(self) -> bool:
        return bool(self.segments)

    @property
    def meets_rule(self) -> bool:
        """One continuous appearance longer than the contest's minimum (strictly)."""
        return self.longest_seconds > self.min_seconds

    def as_json(self) -> dict:
        return {"found": self.found, "meets_rule": self.meets_rule, "longest_seconds": self.longest_seconds,
                "segments": [{"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text}
                             for s in self.segments]}


class Detector(Protocol):
    kind: str

    def detect(self, path, *, slogan: str, min_seconds: float) -> Finding:
        """Look for ``slogan`` in the video at ``path``; :class:`frames.VideoError` when unreadable."""


Reader = Callable[[np.ndarray], list[Line]]


@dataclass
class SubtitleDetector:
    kind = "subtitle"
    step: float = 1.0
    precision: float = 0.25
    short_side: int = 480  # pixels, after downscaling (a 720×1280 frame is read at 480×854)
    reader: Reader | None = None

    def detect(self, path, *, slogan: str, min_seconds: float) -> Finding:
        from contest.slogan.ocr import read_lines

        search = _Search(slogan, self.reader or read_lines)
        next_sample = next_fine = 0.0
        between: list[tuple[float, Callable]] = []  # frames on the fine grid since the last sample
        last = None
        gap = None  # the shortest time between two frames: how long the last one shows
        for t, image in video.decode(path, short_side=self.short_side):
            if last is not None:
                if t <= last[0]:
                    continue  # a frame out of order: keep time moving forward
                if t - last[0] > 1e-3:
                    gap = min(gap or 1.0, t - last[0])
            last = (t, image)
            if t >= next_sample - 1e-6:
                search.sample(t, image, between)
                between = []
                while next_sample <= t + 1e-6:
                    next_sample += self.step
                while next_fine <= t + 1e-6:
                    next_fine += self.precision
            elif t >= next_fine - 1e-6:
                between.append((t, image))
                while next_fine <= t + 1e-6:
                    next_fine += self.precision
        if last is None:
            raise video.VideoError(video.BROKEN)
        if search.previous is not None and search.previous[0] < last[0]:
            search.sample(last[0], last[1], between)  # the last frame decides how the video ends
        end = last[0] + (gap or 1 / 30)
        return Finding(kind=self.kind, segments=search.finish(end), min_seconds=float(min_seconds),
                       duration=end, reads=search.reads)


@dataclass
class _Search:
    """The state of one pass: the previous sample, the open segment and those closed."""

    slogan: str
    reader: Reader
    reads: int = 0
    previous: tuple[float, str | None] | None = None  # (time, text read or None)
    open_at: tuple[float, str] | None = None
    segments: list[Segment] = field(default_factory=list)

    def read(self, image: Callable[[], np.ndarray]) -> str | None:
        self.reads += 1
        return find_slogan(self.slogan, self.reader(image()))

    def sample(self, t: float, image: Callable, between: list[tuple[float, Callable]]) -> None:
        text = self.read(image)
        if self.previous is None:
            if text is not None:
                self.open_at = (t, text)
            self.previous = (t, text)
            return
        before_t, before = self.previous
        if (before is None) != (text is None):
            edge = self._bisect(before_t, before is not None, t, between)
            if text is not None:
                self.open_at = (edge, text)
            else:
                self.segments.append(Segment(self.open_at[0], edge, self.open_at[1]))
                self.open_at = None
        self.previous = (t, text)

    def _bisect(self, lo: float, lo_seen: bool, hi: float, between: list[tuple[float, Callable]]) -> float:
        """The edge between a sample at ``lo`` and one at ``hi`` that disagree: bisect the
        frames between them, return the midpoint of the last pair that still disagrees."""
        candidates = list(between)
        while candidates:
            mid = len(candidates) // 2
            t, image = candidates[mid]
            if (self.read(image) is not None) == lo_seen:
                lo, candidates = t, candidates[mid + 1:]
            else:
                hi, candidates = t, candidates[:mid]
        return (lo + hi) / 2

    def finish(self, end: float) -> list[Segment]:
        if self.open_at is not None:
            self.segments.append(Segment(self.open_at[0], end, self.open_at[1]))
            self.open_at = None
        return self.segments


DETECTORS: list[Detector] = [SubtitleDetector()]


def check_video(path, *, slogan: str, min_seconds: float,
                detectors: list[Detector] | None = None) -> dict[str, Finding]:
    """Every detector's finding, by kind; :class:`frames.VideoError` when the file is unreadable."""
    return {d.kind: d.detect(path, slogan=slogan, min_seconds=min_seconds) for d in (detectors or DETECTORS)}


def evidence_times(segment: Segment) -> list[float]:
    """Three instants inside a segment to show as evidence: near its start, its middle, near its end."""
    inset = min(0.25, segment.seconds / 4)
    return [round(segment.start + inset, 2), round((segment.start + segment.end) / 2, 2),
            round(segment.end - inset, 2)]


__all__ = ["Detector", "Finding", "Segment", "SubtitleDetector", "DETECTORS", "check_video", "evidence_times"]
