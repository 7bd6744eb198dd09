"""Polling split into RQ jobs, run by a real RQ worker against the local Redis."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue, SimpleWorker

from contest.extensions import db
from contest.jobs import queue as jobs_queue
from contest.models import Snapshot, Sweep
from tests.conftest import count

OPENS = datetime.fromisoformat("2020-06-18T00:00:00+08:00")


@pytest.fixture
def redis_app(app, monkeypatch, worker_redis_url):
    url = worker_redis_url
    app.config["CONTEST_REDIS_URL"] = url
    redis = Redis.from_url(url)
    redis.flushdb()
    # The worker runs jobs in this process, in the test's app (no second configuration to keep in step).
    monkeypatch.setattr(jobs_queue, "_worker_app", lambda: app)
    yield redis
    redis.flushdb()


def test_a_sweep_split_into_rq_jobs(redis_app, make_contest, linked_author, entry_of, at, runner):
    at("2020-06-18T09:00:00+08:00")
    contest = make_contest()
    authors = [linked_author(f"ou_q{i}") for i in range(3)]
    for i in range(6):
        entry_of(contest, authors[i % 3], likes=100 + i)
    at(OPENS + timedelta(days=1))
    result = runner.invoke(args=["poll-likes"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "扫描 #1 已拆分为 3 个任务交给 RQ 队列 contest-polling（rq worker 执行）。"
    assert count(Snapshot) == 0
    queue = Queue(jobs_queue.QUEUE, connection=redis_app)
    SimpleWorker([queue], connection=redis_app).work(burst=True)
    db.session.expire_all()
    assert count(Snapshot) == 6
    assert sorted(db.session.scalars(sa.select(Snapshot.likes))) == [100, 101, 102, 103, 104, 105]
    sweep = db.session.get(Sweep, 1)
    assert sweep.finished_at is not None
    assert sweep.summary.startswith("扫描 #1 完成：作者 3 位，作品 6 个，新快照 6 条，未返回 0 个，失败 0 位作者")
