"""Text on a frame, read with RapidOCR (PP-OCR models shipped inside the
``rapidocr-onnxruntime`` wheel: nothing is downloaded at run time).

The frame is read at the size it is given (``det_limit_type="max"``: never upscaled, where
the library's default would blow a small frame up to 736 px on its short side), and without
the 180° text classifier (subtitles are upright).
"""

from __future__ import annotations

import threading
from functools import cache

import numpy as np

from contest.slogan.match import Line

MIN_SCORE = 0.5


@cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    # One thread: a check runs in the background next to the web processes, and on a busy machine
    # ONNX Runtime's extra threads spin and double the CPU a frame costs (measured: bench/RESULTS.md).
    return RapidOCR(det_limit_type="max", det_limit_side_len=960, use_cls=False, print_verbose=False,
                    intra_op_num_threads=1, inter_op_num_threads=1)


_lock = threading.Lock()  # one ONNX session serves the threads of one process in turn


def read_lines(image: np.ndarray) -> list[Line]:
    """The lines of text on an RGB image, with their boxes."""
    with _lock:
        result, _elapsed = _engine()(np.ascontiguousarray(image[:, :, ::-1]), use_cls=False)
    lines = []
    for box, text, score in result or []:
        if float(score) < MIN_SCORE or not text.strip():
            continue
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        lines.append(Line(text=text, left=min(xs), top=min(ys), right=max(xs), bottom=max(ys)))
    return lines
