"""Polling split into RQ jobs (when ``CONTEST_REDIS_URL`` is set): one job per author,
then one that closes the sweep once all have run. Any number of workers run them::

    rq worker --url "$CONTEST_REDIS_URL" contest-polling

Workers share one request pace through Redis (:class:`RedisPacer`).
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cache

from flask import Flask
from redis import Redis
from rq import Queue
from rq.job import Dependency, Job

from contest import clock
from contest.extensions import db
from contest.jobs.polling import AuthorResult, SweepReport, finish, poll_author, start_or_resume, work
from contest.jobs.ratelimit import RedisPacer

QUEUE = "contest-polling"


@cache
def _worker_app() -> Flask:
    """The app a worker process runs jobs in, configured from its environment."""
    from contest import create_app

    return create_app()


def _redis(app: Flask) -> Redis:
    return Redis.from_url(app.config["CONTEST_REDIS_URL"])


def enqueue_sweep(app: Flask) -> tuple[int, int]:
    """Plan (or resume) a sweep and queue its jobs. Returns ``(sweep id, author jobs)``."""
    with app.app_context():
        sweep, _resumed = start_or_resume(clock.now())
        plan = work(sweep, clock.now())
        sweep.entries_total = sum(map(len, plan.values()))
        db.session.commit()
        sweep_id = sweep.id
    queue = Queue(QUEUE, connection=_redis(app))
    jobs = [queue.enqueue(poll_author_job, sweep_id, user_id, entry_ids, job_timeout=900)
            for user_id, entry_ids in plan.items()]
    queue.enqueue(finish_sweep_job, sweep_id, [j.id for j in jobs],
                  depends_on=Dependency(jobs=jobs, allow_failure=True) if jobs else None)
    return sweep_id, len(jobs)


def poll_author_job(sweep_id: int, user_id: int, entry_ids: list[int]) -> dict:
    app = _worker_app()
    with app.app_context():
        pacer = RedisPacer(_redis(app), app.config["CONTEST_POLL_RATE"])
        result = poll_author(sweep_id, user_id, entry_ids, client=app.extensions["douyin"], pacer=pacer)
    return asdict(result)


def finish_sweep_job(sweep_id: int, job_ids: list[str]) -> str:
    app = _worker_app()
    report = SweepReport(sweep_id=sweep_id, authors=len(job_ids))
    for job in Job.fetch_many(job_ids, connection=_redis(app)):
        result = AuthorResult(**job.return_value()) if job is not None and job.return_value() else None
        if result is None:  # the job failed or vanished: Douyin's answer is unknown
            report.failures["unavailable"] += 1
            continue
        report.add(result)
    with app.app_context():
        from contest.models import Sweep

        sweep = db.session.get(Sweep, sweep_id)
        report.entries = sweep.entries_total
        report.seconds = (clock.now() - sweep.started_at).total_seconds()
        finish(sweep_id, report, clock.now())
    return report.line()
