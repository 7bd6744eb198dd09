"""Detectors of the slogan in a video, behind one protocol.

:class:`SubtitleDetector` looks for the slogan on screen. It decodes the video once and takes
a sample every ``step`` seconds, downscaled; where two neighbouring samples disagree it bisects
between them on a finer grid of frames kept from that second (``precision`` apart), so each
edge of a segment is placed within ``precision / 2`` of the truth at the cost of about
log2(step / precision) more reads. A segment's start and end are the midpoints between the
last frame without and the first frame with the slogan (and back).

Text is read (OCR, the expensive part) only where the picture's text may have changed
(``gated``, the default): a cheap pass compares each sample with the one before on a small
grey image — the *overlay map*, pixels on strong edges that stayed the same from one sample to
the next, which is where text laid over a moving picture is — and reads a sample only when
that map, or the map of edges itself (which is enough over a still picture), changed in some
band of rows clearly more than elsewhere (a subtitle appeared, changed or went). A subtitle
that appears over a moving picture shows in the overlay map one sample late, so when a read
disagrees with what came before, the sample before it is read too and the edge bisected in the
right second. The first two samples and the last frame are always read. Over a moving picture a
subtitle shown for less than two samples (under two seconds: never enough for the rule) may go
unread.

A sample read to place an edge (the sample before, and the frames bisected) only has to say
whether the slogan is still where it was seen, so only that *band* is read: the rows of the lines
that carried it, and twice the block's height above and below (:func:`_band`) — about a quarter of
the picture, which the text detector, the costly half of a read, pays for by area.

A speech detector (none ships: no Chinese speech model installs from the package index
here) would implement :class:`Detector` with ``kind = "speech"`` and join
:data:`DETECTORS`; everything downstream reads :class:`Finding` values by kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from contest.slogan import frames as video
from contest.slogan.match import Line, as_read, slogan_lines


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
    gated: bool = True  # read only samples whose overlay map changed (see the module's notes)

    def detect(self, path, *, slogan: str, min_seconds: float) -> Finding:
        from contest.slogan.ocr import read_lines

        search = _Search(slogan, self.reader or read_lines, gated=self.gated)
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
        if search.latest is not None and search.latest.t < last[0]:
            search.sample(last[0], last[1], between, final=True)  # the last frame decides how the video ends
        end = last[0] + (gap or 1 / 30)
        return Finding(kind=self.kind, segments=search.finish(end), min_seconds=float(min_seconds),
                       duration=end, reads=search.reads)


EDGE = 40  # grey levels between neighbouring pixels: an edge
STILL = 8  # grey levels a pixel may move between two samples and still be the same
BAND = 8  # rows of the small grey image compared together (a line of subtitle text spans 1–3)
DETECTOR_GRID = 32  # the text detector reads pictures whose sides are multiples of this


def _grey(image: np.ndarray) -> np.ndarray:
    """A small grey copy (half the sample's size each way) for the cheap pass."""
    small = image[::2, ::2]
    return (small[:, :, 0] * 0.299 + small[:, :, 1] * 0.587 + small[:, :, 2] * 0.114).astype(np.int16)


def _edges(grey: np.ndarray) -> np.ndarray:
    edges = np.zeros(grey.shape, dtype=bool)
    edges[:, 1:] |= np.abs(np.diff(grey, axis=1)) > EDGE
    edges[1:, :] |= np.abs(np.diff(grey, axis=0)) > EDGE
    return edges


def _changed(before: np.ndarray, now: np.ndarray) -> bool:
    """Whether a map (the overlay map, or the edges) changed in some band of rows by clearly more
    than it changes everywhere (a moving picture's own changes and chance coincidences)."""
    if before.shape != now.shape:
        return True
    moved = before ^ now
    rows = moved.shape[0] // BAND * BAND
    if rows == 0:
        return bool(moved.any())
    bands = moved[:rows].reshape(-1, BAND, moved.shape[1]).sum(axis=(1, 2))
    return bool(bands.max() > max(24, 8 * float(np.percentile(bands, 25))))


def _band(lines: list[Line], *, height: int) -> tuple[int, int]:
    """The rows to read for the slogan that ``lines`` carried on a picture of ``height`` rows:
    theirs and twice the block's height above and below (with less context the detector misses
    small text over a busy picture), grown to a multiple of 32 rows (the detector scales a picture to
    one, which would squeeze the text)."""
    first, last = min(line.top for line in lines), max(line.bottom for line in lines)
    margin = max(2 * (last - first), 32)
    start, end = max(0, int(first - margin)), int(last + margin) + 1
    end = start + -(-(end - start) // DETECTOR_GRID) * DETECTOR_GRID
    if end > height:
        start, end = max(0, start - (end - height)), height
    return start, end


UNREAD = object()  # a sample not read: taken to show what the sample before it showed


@dataclass
class _Sample:
    t: float
    picture: np.ndarray
    between: list[tuple[float, Callable]]  # the fine grid since the sample before
    grey: np.ndarray | None = None
    edges: np.ndarray | None = None
    overlay: np.ndarray | None = None  # against the sample before
    text: object = UNREAD  # str (the slogan as read), None (not seen) or UNREAD


@dataclass
class _Search:
    """The state of one pass: the recent samples, the open segment and those closed."""

    slogan: str
    reader: Reader
    gated: bool = True
    reads: int = 0
    recent: list[_Sample] = field(default_factory=list)  # the last three samples
    shown: str | None = None  # what the samples so far show (the last read, or taken from it)
    open_at: tuple[float, str] | None = None
    segments: list[Segment] = field(default_factory=list)
    band: tuple[int, int] | None = None  # the rows where the slogan was last seen (see _band)

    @property
    def latest(self) -> _Sample | None:
        return self.recent[-1] if self.recent else None

    def read(self, image: Callable[[], np.ndarray], *, in_band: bool = False) -> str | None:
        """The slogan as read on ``image``, or None; ``in_band``: on the band where it was last
        seen only (the whole picture while it has not been seen)."""
        self.reads += 1
        picture = image()
        top, bottom = self.band if in_band and self.band is not None else (0, len(picture))
        found = slogan_lines(self.slogan, self.reader(picture[top:bottom]))
        if found is None:
            return None
        if (top, bottom) == (0, len(picture)):  # the band follows a whole picture's read only
            self.band = _band(found, height=len(picture))
        return as_read(found)

    def _read_sample(self, sample: _Sample, *, in_band: bool = False) -> str | None:
        if sample.text is UNREAD:
            sample.text = self.read(lambda: sample.picture, in_band=in_band)
        return sample.text

    def sample(self, t: float, image: Callable, between: list[tuple[float, Callable]], *, final: bool = False) -> None:
        now = _Sample(t, image(), between)
        before = self.latest
        self.recent = [*self.recent[-2:], now]
        if self.gated:
            now.grey = _grey(now.picture)
            now.edges = _edges(now.grey)
            if before is not None and before.grey is not None and before.grey.shape == now.grey.shape:
                now.overlay = (np.abs(now.grey - before.grey) < STILL) & before.edges & now.edges
        if before is None:
            self.shown = self._read_sample(now)
            if self.shown is not None:
                self.open_at = (t, self.shown)
            return
        if not (not self.gated or final or before.overlay is None or now.overlay is None
                or _changed(before.overlay, now.overlay) or _changed(before.edges, now.edges)):
            return  # neither the overlay map nor the edges changed: the sample shows what the one before showed
        text = self._read_sample(now)
        seen = text is not None
        if (self.shown is not None) == seen:
            self.shown = text
            return
        # What is shown changed: in the second before this sample or, seen one sample late over a
        # moving picture, in the second before that one (then the sample before shows it already).
        earlier = (len(self.recent) == 3 and before.text is UNREAD
                   and (self._read_sample(before, in_band=True) is not None) == seen)
        if earlier:
            edge = self._bisect(self.recent[0].t, not seen, before.t, before.between)
        else:
            edge = self._bisect(before.t, not seen, t, between)
        if seen:
            self.open_at = (edge, before.text if earlier else text)
        else:
            self.segments.append(Segment(self.open_at[0], edge, self.open_at[1]))
            self.open_at = None
        self.shown = text

    def _bisect(self, lo: float, lo_seen: bool, hi: float, between: list[tuple[float, Callable]]) -> float:
        """The edge between a sample at ``lo`` and one at ``hi`` that disagree: bisect the
        frames between them, return the midpoint of the last pair that still disagrees."""
        candidates = list(between)
        while candidates:
            mid = len(candidates) // 2
            t, image = candidates[mid]
            if (self.read(image, in_band=True) is not None) == lo_seen:
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
