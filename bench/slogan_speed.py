"""Seconds of work per second of video for the slogan check (issue 15: goal ≤ 0.5), and its
ratio to merely decoding the same clip at 1 fps on one thread (issue 22: goal ≤ 2×).

Run on demand, never as a test::

    .venv/bin/python bench/slogan_speed.py [--seconds 60] [--rounds 3] [--naive]

Generates a 60-second 720×1280 H.264 clip at 30 fps (a moving, busy background; other Chinese
text throughout; the slogan from 20.0 s to 23.2 s), then runs the subtitle detector on it
``--rounds`` times and reports the median wall time and CPU time per second of video, the
frames read (OCR) and the segment found; then, as many rounds side by side (alternating), the cost
of decoding the clip at 1 fps with FFmpeg's decoder on one thread (PyAV: every frame decoded, one a
second converted to RGB, as ``ffmpeg -threads 1 -i clip -vf fps=1 -f null -`` does) and the ratio
of the check's cost to it, in CPU and in wall time (the models are loaded before: the marginal cost). ``--naive`` also times the naive pass the issue
describes (four frames a second at full resolution) on the first 10 seconds.
The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import av  # noqa: E402

from contest.slogan.detect import SubtitleDetector  # noqa: E402
from tests.slogan_clips import SLOGAN, Text, make_clip  # noqa: E402


def decode_at_1fps(path: Path) -> int:
    """Decode every frame on one thread and convert one a second to RGB; the frames kept."""
    kept, next_second = 0, 0.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type, stream.codec_context.thread_count = "SLICE", 1
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= next_second - 1e-6:
                frame.to_ndarray(format="rgb24")
                kept += 1
                next_second += 1.0
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--naive", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        started = time.perf_counter()
        make_clip(path, seconds=args.seconds, size=(720, 1280), fps=30, busy=True, texts=[
            Text(["株洲美好生活秀", "@株洲足迹"], 0, args.seconds, y=0.12, size=0.05),
            Text([SLOGAN], 20.0, 23.2, y=0.78, size=0.055),
        ])
        print(f"clip: {args.seconds:.0f} s, 720×1280, 30 fps, {path.stat().st_size / 1e6:.1f} MB, "
              f"made in {time.perf_counter() - started:.1f} s")
        detector = SubtitleDetector()
        detector.detect(path, slogan=SLOGAN, min_seconds=2)  # warm: load the models once
        walls, cpus, decode_walls, decode_cpus = [], [], [], []
        for _ in range(args.rounds):
            wall, cpu = time.perf_counter(), time.process_time()
            decode_at_1fps(path)
            decode_walls.append(time.perf_counter() - wall)
            decode_cpus.append(time.process_time() - cpu)
            wall, cpu = time.perf_counter(), time.process_time()
            finding = detector.detect(path, slogan=SLOGAN, min_seconds=2)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        decode_wall, decode_cpu = statistics.median(decode_walls), statistics.median(decode_cpus)
        print(f"found: {finding.as_json()}")
        print(f"frames read: {finding.reads} for {finding.duration:.1f} s of video")
        print(f"wall: {wall:.1f} s = {wall / finding.duration:.3f} s per second of video "
              f"(rounds: {', '.join(f'{w:.1f}' for w in walls)}); cpu: {cpu / finding.duration:.3f} s/s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"decoding at 1 fps, one thread: wall {decode_wall:.1f} s, cpu {decode_cpu:.1f} s "
              f"(rounds: {', '.join(f'{w:.1f}' for w in decode_walls)}); the check costs "
              f"**{cpu / decode_cpu:.2f}×** its CPU and {wall / decode_wall:.2f}× its wall time "
              f"(rounds, CPU: {', '.join(f'{c / d:.2f}' for c, d in zip(cpus, decode_cpus))}; goal ≤ 2×)")
        if args.naive:
            naive = SubtitleDetector(step=0.25, precision=0.25, short_side=100000)
            short = Path(folder) / "first10.mp4"
            make_clip(short, seconds=10, size=(720, 1280), fps=30, busy=True,
                      texts=[Text(["株洲美好生活秀", "@株洲足迹"], 0, 10, y=0.12, size=0.05)])
            started = time.perf_counter()
            naive.detect(short, slogan=SLOGAN, min_seconds=2)
            print(f"naive (4 frames/s, full resolution): {(time.perf_counter() - started) / 10:.3f} s per second of video")


if __name__ == "__main__":
    main()
