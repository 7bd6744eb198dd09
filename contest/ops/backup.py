"""Backups and restores of the site's database (``flask --app contest backup PATH`` and
``restore PATH --yes``).

* **SQLite**: SQLite's online backup API copies the live file under one read lock, so the copy
  is a single consistent state even while the site writes (writers wait for it, within their
  busy timeout). A restore copies the other way, under a write lock.
* **PostgreSQL**: ``pg_dump --format=custom`` (one consistent snapshot of the database) and
  ``pg_restore --clean --if-exists --no-owner --single-transaction`` (all or nothing). The
  password reaches the tools in ``PGPASSWORD``, never on their command line.

A backup is written beside PATH and renamed into place once complete, so PATH never holds a
half-written copy. Evidence screenshots live outside the database (``CONTEST_EVIDENCE_DIR``):
back that folder up with the files tools you already use.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from contest.domain.errors import DomainError


class BackupError(DomainError):
    """A backup or restore could not be made; ``message`` says why, in Chinese."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    tables: int
    seconds: float

    def line(self) -> str:
        return (f"备份完成：{self.path}，{self.size / 1024 / 1024:.1f} MiB，{self.tables} 张表，"
                f"用时 {self.seconds:.1f} 秒。")


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    tables: int
    seconds: float

    def line(self) -> str:
        return f"恢复完成：已用 {self.path} 覆盖数据库，{self.tables} 张表，用时 {self.seconds:.1f} 秒。"


def describe(url: sa.URL) -> str:
    """The database for messages, without its password or driver."""
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def backup(engine: sa.Engine, path: Path) -> BackupReport:
    """Copy the database behind ``engine`` to ``path`` (replacing a file there)."""
    started = time.monotonic()
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} 是一个目录，请给出备份文件的路径。")
    if not path.parent.is_dir():
        raise BackupError(f"目录不存在：{path.parent}")
    partial = path.with_name(path.name + ".partial")
    try:
        if engine.dialect.name == "sqlite":
            database = _sqlite_file(engine.url, must_exist=True)
            _refuse_same(path, database)
            tables = _sqlite_copy(database, partial, check_source=False)
        elif engine.dialect.name == "postgresql":
            _run("pg_dump", "--format=custom", "--no-password", "--file", str(partial), url=engine.url)
            tables = _pg_tables(engine)
        else:
            raise BackupError(f"不支持备份 {engine.dialect.name} 数据库。")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(path=path, size=path.stat().st_size, tables=tables, seconds=time.monotonic() - started)


def restore(engine: sa.Engine, path: Path) -> RestoreReport:
    """Replace every table of the database behind ``engine`` with the backup at ``path``.
    Stop the web instances and workers first: a restore is not meant to race live writes."""
    started = time.monotonic()
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    engine.dispose()  # our own idle connections would hold locks the restore needs
    if engine.dialect.name == "sqlite":
        database = _sqlite_file(engine.url, must_exist=False)
        _refuse_same(path, database)
        tables = _sqlite_copy(path, database, check_source=True)
    elif engine.dialect.name == "postgresql":
        _run("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--no-password",
             str(path), url=engine.url, url_flag="--dbname")
        tables = _pg_tables(engine)
    else:
        raise BackupError(f"不支持恢复 {engine.dialect.name} 数据库。")
    engine.dispose()
    return RestoreReport(path=path, tables=tables, seconds=time.monotonic() - started)


# --- SQLite ----------------------------------------------------------------------------------

def _sqlite_file(url: sa.URL, *, must_exist: bool) -> Path:
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复。")
    database = Path(url.database)
    if must_exist and not database.is_file():
        raise BackupError(f"数据库文件不存在：{database}")
    return database


def _refuse_same(backup_file: Path, database: Path) -> None:
    if backup_file.exists() and database.exists() and os.path.samefile(backup_file, database):
        raise BackupError("备份文件不能就是正在使用的数据库文件。")


def _sqlite_copy(source: Path, target: Path, *, check_source: bool) -> int:
    """Copy ``source`` onto ``target`` with the backup API; the number of tables copied."""
    try:
        reader = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise BackupError(f"无法打开 {source}：{exc}") from exc
    try:
        if check_source:
            _check_sqlite_backup(reader, source)
        writer = sqlite3.connect(target, timeout=30)
        try:
            reader.backup(writer)  # all pages in one step: one consistent state of the source
            return writer.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchone()[0]
        finally:
            writer.close()
    except sqlite3.Error as exc:
        raise BackupError(f"复制 SQLite 数据库失败：{exc}") from exc
    finally:
        reader.close()


def _check_sqlite_backup(connection: sqlite3.Connection, path: Path) -> None:
    """``path`` must be a sound SQLite database with tables before it may replace the site's."""
    try:
        verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} 不是有效的 SQLite 数据库（{exc}）。") from exc
    if verdict != "ok":
        raise BackupError(f"{path} 已损坏（{verdict}）。")
    if not tables:
        raise BackupError(f"{path} 里没有任何数据表，不像是本站的备份。")


# --- PostgreSQL ------------------------------------------------------------------------------

def _run(tool: str, *args: str, url: sa.URL, url_flag: str | None = None) -> None:
    """Run a PostgreSQL client tool against ``url`` (password in the environment only)."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"找不到 {tool}：请安装 PostgreSQL 客户端工具（Debian：apt-get install postgresql-client），"
                          f"并确保它在 PATH 中，且版本不低于数据库服务器。")
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    target = [url_flag, dsn] if url_flag else [dsn]
    result = subprocess.run([executable, *args, *target], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = " ".join(line.strip() for line in result.stderr.strip().splitlines()[-3:])
        raise BackupError(f"{tool} 失败（退出码 {result.returncode}）：{detail or '没有输出'}")


def _pg_tables(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.text(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"))
