"""Running slogan checks in the background.

With ``CONTEST_SLOGAN_WORKER=rq`` (the default when ``CONTEST_REDIS_URL`` is set) each check is
an RQ job on the queue ``contest-slogan``; run workers with::

    rq worker --url "$CONTEST_REDIS_URL" contest-slogan

Otherwise (``thread``) each web process runs one worker thread that takes checks in turn;
``inline`` runs the check in the request (tests). A check is claimed by moving it from
queued to running in one transaction, so a check enqueued twice runs once. Whatever
happens, the uploaded original is deleted when the check ends; a copy the entrant agreed to keep
for blind judging is deleted by :func:`release_judging_videos` once its time is over.
"""

from __future__ import annotations

import io
import logging
import queue
import threading

from flask import Flask
from PIL import Image

from contest import clock
from contest.domain import judging_videos
from contest.domain.slogan_checks import fail_check, finish_check, start_check
from contest.integrations.evidence import EvidenceStore
from contest.extensions import db
from contest.models import CheckState, SloganCheck
from contest.slogan.detect import check_video, evidence_times
from contest.slogan.frames import VideoError, grab
from contest.slogan.uploads import UploadError, UploadStore

QUEUE = "contest-slogan"
EVIDENCE_SHORT_SIDE = 480
FAILED = "检查时出错了，请稍后重新上传。"
log = logging.getLogger(__name__)


def run_check(check_id: int) -> str:
    """Run one check in the current app context; returns its final state."""
    from flask import current_app

    config = current_app.config
    check = db.session.get(SloganCheck, check_id, with_for_update=True)
    if check is None or check.state is not CheckState.QUEUED:
        db.session.rollback()
        return check.state.value if check else "missing"
    start_check(check, now=clock.now())
    db.session.commit()
    uploads = UploadStore.from_config(config)
    try:
        path = uploads.path(check.upload_name or "")
    except UploadError as exc:
        fail_check(check, message=exc.message, now=clock.now())
        db.session.commit()
        return check.state.value
    contest = check.entry.contest
    try:
        findings = check_video(path, slogan=contest.slogan, min_seconds=contest.slogan_subtitle_seconds)
        frames = _evidence(path, findings["subtitle"].longest, EvidenceStore.from_config(config))
        finish_check(check, result={kind: f.as_json() for kind, f in findings.items()}, frames=frames,
                     now=clock.now())
    except VideoError as exc:
        fail_check(check, message=exc.message, now=clock.now())
    except Exception:  # a job must end in a state the entrant can see
        log.exception("slogan check %s failed", check_id)
        db.session.rollback()
        check = db.session.get(SloganCheck, check_id)
        fail_check(check, message=FAILED, now=clock.now())
    finally:
        path.unlink(missing_ok=True)
    db.session.commit()
    return check.state.value


def _evidence(path, segment, store: EvidenceStore) -> list[dict]:
    """Three JPEG frames from the longest segment, stored as evidence: ``[{"time", "name"}]``."""
    if segment is None:
        return []
    out = []
    for t, image in grab(path, evidence_times(segment), short_side=EVIDENCE_SHORT_SIDE):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=80)
        buffer.seek(0)
        out.append({"time": round(t, 2), "name": store.save(buffer)})
    return out


def release_judging_videos(config) -> int:
    """Delete every original kept for blind judging whose time is over (the results are published, the
    entry closed or its author gone: :func:`contest.domain.judging_videos.to_release`); how many."""
    names = judging_videos.to_release(clock.now())
    db.session.commit()
    uploads = UploadStore.from_config(config)
    for name in names:
        uploads.discard_kept(name)
    return len(names)


# --- where checks run ---------------------------------------------------------------------

def enqueue(app: Flask, check_id: int) -> None:
    mode = app.config["CONTEST_SLOGAN_WORKER"]
    if mode == "rq":
        from redis import Redis
        from rq import Queue

        Queue(QUEUE, connection=Redis.from_url(app.config["CONTEST_REDIS_URL"])).enqueue(
            run_check_job, check_id, job_timeout=1800)
    elif mode == "thread":
        _local_worker(app).put(check_id)
    else:
        _run_in(app, check_id)


def _run_in(app: Flask, check_id: int) -> str:
    with app.app_context():
        try:
            return run_check(check_id)
        finally:
            db.session.remove()


_workers: dict[int, queue.Queue] = {}
_workers_lock = threading.Lock()


def _local_worker(app: Flask) -> queue.Queue:
    """This process's one worker thread for ``app`` (started on first use)."""
    with _workers_lock:
        work = _workers.get(id(app))
        if work is None:
            work = _workers[id(app)] = queue.Queue()

            def loop():
                while True:
                    check_id = work.get()
                    try:
                        _run_in(app, check_id)
                    except Exception:  # keep the worker alive for the next check
                        log.exception("slogan check %s could not run", check_id)
                    finally:
                        work.task_done()

            threading.Thread(target=loop, name="slogan-checks", daemon=True).start()
        return work


def wait_for_local_checks(app: Flask) -> None:
    """Block until this process's worker thread has run every check given to it (tests)."""
    work = _workers.get(id(app))
    if work is not None:
        work.join()


def run_check_job(check_id: int) -> str:
    from contest.jobs.queue import _worker_app

    return _run_in(_worker_app(), check_id)


__all__ = ["enqueue", "release_judging_videos", "run_check", "run_check_job", "wait_for_local_checks"]


def sweep_abandoned_uploads(config, *, max_age: int | None = None):
    """Delete the uploads untouched for ``max_age`` seconds (default CONTEST_SLOGAN_UPLOAD_MAX_AGE):
    ``flask sweep-uploads`` and the poller after each sweep. What was deleted (files, bytes)."""
    swept = UploadStore.from_config(config).sweep(max_age=max_age or config["CONTEST_SLOGAN_UPLOAD_MAX_AGE"])
    if swept.files:
        log.info("abandoned uploads deleted: %d files, %d bytes", swept.files, swept.bytes)
    return swept
