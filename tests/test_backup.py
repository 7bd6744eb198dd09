"""``backup PATH`` and ``restore PATH --yes``: SQLite's online backup while the site writes, a restore
into a fresh database with every row equal, and (with CONTEST_TEST_DATABASE_URL) the same on PostgreSQL."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest import create_app
from contest import clock
from contest.extensions import cache, db
from contest.models import EntryTally, Snapshot, SnapshotSource, Sweep
from tests.conftest import build_entry, count, make_environ

SUMMARY = re.compile(r"备份完成：(.+)，\d+\.\d MiB，(\d+) 张表，用时 \d+\.\d 秒。")


def _rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
                    sa.select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables}


@pytest.fixture
def populated(app, make_contest, make_user, freeze, database_url):
    """A contest with 20 approved entries and one sweep of readings, in the suite's SQLite database."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's backup; PostgreSQL has its own test below")
    now = freeze("2020-07-01T12:00:00+08:00")
    contest = make_contest()
    user = make_user(nickname="备份测试")
    entries = [build_entry(contest, user, video_id=str(7_000_000 + n)) for n in range(20)]
    sweep = Sweep(started_at=now, finished_at=now, entries_total=20, snapshots=20)
    db.session.add(sweep)
    db.session.flush()
    for n, entry in enumerate(entries):
        db.session.add(Snapshot(entry_id=entry.id, observed_at=now, likes=n, source=SnapshotSource.PLATFORM,
                                sweep_id=sweep.id))
        db.session.add(EntryTally(entry_id=entry.id, likes=n, observed_at=now, reached_at=now,
                                  source=SnapshotSource.PLATFORM, latest_likes=n, latest_observed_at=now))
    db.session.commit()
    return contest, [e.id for e in entries]


def _keep_writing(url: str, entry_ids: list[int], stop: threading.Event, written: list[int]) -> None:
    """What a poll does, as fast as it can: a sweep row and its readings in one transaction,
    the sweep saying how many readings it holds. A torn copy would break that count."""
    engine = sa.create_engine(url, connect_args={"timeout": 30})
    try:
        at = clock.now()
        while not stop.is_set():
            with engine.begin() as connection:
                at += timedelta(minutes=10)
                sweep_id = connection.execute(sa.insert(Sweep.__table__).values(
                    started_at=at, finished_at=at, entries_total=len(entry_ids), snapshots=len(entry_ids),
                    failures=0)).inserted_primary_key[0]
                connection.execute(sa.insert(Snapshot.__table__), [
                    {"entry_id": entry_id, "observed_at": at, "likes": 100, "source": SnapshotSource.PLATFORM,
                     "sweep_id": sweep_id, "created_at": at} for entry_id in entry_ids])
            written.append(sweep_id)
    finally:
        engine.dispose()


def test_sqlite_backup_while_the_site_writes_is_consistent(app, runner, populated, database_url, tmp_path):
    _, entry_ids = populated
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_keep_writing, args=(database_url, entry_ids, stop, written))
    writer.start()

    def wait_for(sweeps: int) -> int:
        for _ in range(3000):
            if len(written) >= sweeps or not writer.is_alive():
                break
            time.sleep(0.01)
        assert len(written) >= sweeps, "the writer stopped"
        return len(written)

    try:
        during = wait_for(20)  # the writer is well under way before the backup starts
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
        after = len(written)
        wait_for(after + 5)  # and goes on after it
    finally:
        stop.set()
        writer.join()

    assert result.exit_code == 0, result.output
    first, summary = result.output.splitlines()
    assert first.startswith("正在备份 sqlite:///") and first.endswith(f" 到 {tmp_path / 'copy.sqlite3'} …")
    match = SUMMARY.fullmatch(summary)
    assert match and match.group(1) == str(tmp_path / "copy.sqlite3")
    assert int(match.group(2)) == len(db.metadata.sorted_tables)
    assert not (tmp_path / "copy.sqlite3.partial").exists()

    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    sweeps = copy.execute("SELECT count(*) FROM sweep").fetchone()[0]
    # One consistent moment: every sweep has exactly the readings it says, and the copy holds
    # the sweeps written before the backup started, at least, and none written after it ended.
    assert copy.execute(
        "SELECT count(*) FROM sweep s WHERE s.snapshots != (SELECT count(*) FROM snapshot WHERE sweep_id = s.id)"
    ).fetchone()[0] == 0
    assert 1 + during <= sweeps <= 1 + after
    assert copy.execute("SELECT count(*) FROM snapshot").fetchone()[0] == 20 * sweeps
    copy.close()


def test_sqlite_restore_into_a_fresh_database_gives_every_row_back(app, runner, populated, sandbox, tmp_path):
    assert runner.invoke(args=["backup", str(tmp_path / "site.backup")]).exit_code == 0
    fresh = create_app(environ=make_environ(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", sandbox.url))
    with fresh.app_context():
        cache.set("pub:popularity:v1:contest=zhuzhou-2020", "from before the restore")
        result = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "site.backup"), "--yes"])
        assert cache.get("pub:popularity:v1:contest=zhuzhou-2020") is None
        restored = _rows(db.engine)
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"恢复完成：已用 {re.escape(str(tmp_path / 'site.backup'))} 覆盖数据库，"
                        rf"{len(db.metadata.sorted_tables)} 张表，用时 \d+\.\d 秒。", result.output.splitlines()[-1])
    original = _rows(db.engine)
    assert restored == original
    assert len(original["snapshot"]) == 20 and len(original["entry"]) == 20


def test_restore_refuses_without_yes(app, runner, populated, tmp_path):
    assert runner.invoke(args=["backup", str(tmp_path / "site.backup")]).exit_code == 0
    db.session.execute(sa.delete(EntryTally))
    db.session.commit()
    result = runner.invoke(args=["restore", str(tmp_path / "site.backup")])
    assert result.exit_code == 1
    assert "恢复会用" in result.output and "确认无误后加 --yes 再运行" in result.output
    assert count(EntryTally) == 0  # nothing was restored


def test_restore_refuses_what_is_not_a_backup(app, runner, populated, tmp_path):
    (tmp_path / "notes.txt").write_text("not a database at all, just some text" * 100)
    sqlite3.connect(tmp_path / "empty.sqlite3").close()
    (tmp_path / "zero.sqlite3").write_bytes(b"")
    cases = {
        "notes.txt": f"{tmp_path / 'notes.txt'} 不是有效的 SQLite 数据库",
        "zero.sqlite3": f"{tmp_path / 'zero.sqlite3'} 里没有任何数据表，不像是本站的备份。",
        "missing.sqlite3": f"备份文件不存在：{tmp_path / 'missing.sqlite3'}",
    }
    for name, message in cases.items():
        result = runner.invoke(args=["restore", str(tmp_path / name), "--yes"])
        assert result.exit_code == 1, name
        assert message in result.output, result.output
    assert count(Snapshot) == 20


def test_backup_refuses_to_overwrite_the_live_database(app, runner, populated, database_url):
    live = sa.engine.make_url(database_url).database
    result = runner.invoke(args=["backup", live])
    assert result.exit_code == 1
    assert "备份文件不能就是正在使用的数据库文件。" in result.output
    assert count(Snapshot) == 20


def test_backup_refuses_a_missing_folder(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "no" / "such" / "copy.sqlite3")])
    assert result.exit_code == 1
    assert f"目录不存在：{tmp_path / 'no' / 'such'}" in result.output


def test_postgresql_backup_needs_pg_dump_on_the_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump here
    app = create_app(environ=make_environ("postgresql://postgres@127.0.0.1:1/test", ""))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "site.dump")])
    assert result.exit_code == 1
    assert "找不到 pg_dump：请安装 PostgreSQL 客户端工具" in result.output
    assert not (tmp_path / "site.dump").exists()


@pytest.fixture
def scratch_databases(sandbox):
    """Two PostgreSQL databases of our own (never the suite's), dropped afterwards: on the suite's server
    when it runs on PostgreSQL, else on the local one CI always has (so this runs in both passes)."""
    url = os.environ.get("CONTEST_TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgresql://postgres@127.0.0.1:5432/test"
    server = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    suffix = uuid.uuid4().hex[:10]
    names = [f"backup_scratch_{suffix}", f"restore_scratch_{suffix}"]
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield [create_app(environ=make_environ(server.set(database=name).render_as_string(hide_password=False),
                                               sandbox.url)) for name in names]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_backup_and_restore_round_trip(scratch_databases, tmp_path, freeze):
    source, target = scratch_databases
    with source.app_context():
        db.create_all()
        from contest.domain.contests import create_contest, parse_instant
        from contest.domain.accounts import create_user
        from contest.models import Role

        now = freeze("2020-07-01T12:00:00+08:00")
        contest = create_contest(slug="pg-backup", name="备份", opens_at=parse_instant("2020-06-18", end_of_day=False),
                                 closes_at=parse_instant("2020-07-17", end_of_day=True))
        user = create_user(phone="13912340000", nickname="甲", password="secret-pass-1", role=Role.CITIZEN, now=now)
        entry = build_entry(contest, user, video_id="9000001")
        db.session.flush()
        db.session.add(Snapshot(entry_id=entry.id, observed_at=now, likes=5, source=SnapshotSource.PLATFORM))
        db.session.commit()
        result = source.test_cli_runner().invoke(args=["backup", str(tmp_path / "site.dump")])
        assert result.exit_code == 0, result.output
        assert SUMMARY.fullmatch(result.output.splitlines()[-1])
        assert (tmp_path / "site.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        original = _rows(db.engine)
        db.engine.dispose()
    with target.app_context():
        db.create_all()  # a restore replaces existing tables too (--clean --if-exists)
        result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "site.dump"), "--yes"])
        assert result.exit_code == 0, result.output
        restored = _rows(db.engine)
        db.engine.dispose()
    assert restored == original
    assert (len(restored["contest"]), len(restored["entry"]), len(restored["snapshot"])) == (1, 1, 1)
