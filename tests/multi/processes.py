"""Real processes on loopback, for the two-instance test and ``bench/http_load.py``: free
ports, subprocesses in process groups of their own with their output kept in log files, a
scratch PostgreSQL database and a Redis database index of one's own."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests
import sqlalchemy as sa

from tests.redis_claims import claimed_redis_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtualenv's flask, gunicorn and rq
POSTGRES_URL = os.environ.get("CONTEST_SCRATCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CONTEST_SCRATCH_REDIS_URL", "redis://127.0.0.1:6379")


class ProcessError(RuntimeError):
    """A process failed to start or a command failed; the message carries its output."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: never a proxy from the environment
    return session


def base_environ(**settings: str) -> dict[str, str]:
    """This process's environment without any ``CONTEST_*`` setting of the caller's, plus ``settings``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
    environ.update(settings)
    return environ


class Proc:
    """One subprocess, the leader of its own process group (so that its children die with it)."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log: Path, cwd: Path = ROOT):
        self.name, self.args, self.log = name, args, log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self._out,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, grace: float = 5.0) -> None:
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        self.signal_group(signal.SIGKILL)  # also any child the leader left behind
        try:
            self.popen.wait(grace)
        finally:
            self._out.close()

    def output(self, tail: int | None = None) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-tail:] if tail else lines)


class Processes:
    """The processes one run starts, each logging to ``<workdir>/<name>.log``; stopped together."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir, self.env = workdir, env
        self.running: dict[str, Proc] = {}
        self.logs: dict[str, Path] = {}

    def _log(self, name: str) -> Path:
        return self.logs.setdefault(name, self.workdir / f"{name}.log")

    def start(self, name: str, args: list[str], **env: str) -> Proc:
        proc = Proc(name, args, env={**self.env, **env}, log=self._log(name))
        self.running[name] = proc
        return proc

    def run(self, name: str, args: list[str], *, timeout: float = 120, **env: str) -> str:
        """Run a command to its end; its output, or :class:`ProcessError` with it when it fails."""
        proc = self.start(name, args, **env)
        try:
            code = proc.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            code = None
        proc.stop()
        del self.running[name]
        if code != 0:
            raise ProcessError(f"{' '.join(args)} → {'timed out' if code is None else f'exit {code}'}:\n"
                               f"{proc.output(tail=80)}")
        return proc.output()

    def flask(self, name: str, *args: str, timeout: float = 120, **env: str) -> str:
        return self.run(name, [str(BIN / "flask"), "--app", "contest", *args], timeout=timeout, **env)

    def stop(self, name: str) -> None:
        proc = self.running.pop(name, None)
        if proc is not None:
            proc.stop()

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def report(self, tail: int = 60) -> str:
        """The end of every log, for a failure message."""
        parts = []
        for name, path in self.logs.items():
            lines = path.read_text(errors="replace").splitlines() if path.exists() else []
            parts.append(f"----- {name} ({path}) -----\n" + "\n".join(lines[-tail:]))
        return "\n".join(parts)


def wait_http(url: str, *, proc: Proc | None = None, timeout: float = 30, ok=(200,)) -> requests.Response:
    """Poll ``url`` until it answers one of ``ok``; fail at once when ``proc`` has exited."""
    session = http()
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise ProcessError(f"{proc.name} exited ({proc.popen.returncode}) before {url} answered:\n"
                               f"{proc.output(tail=80)}")
        try:
            response = session.get(url, timeout=2)
            if response.status_code in ok:
                return response
            last = f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as exc:
            last = exc.__class__.__name__
        time.sleep(0.1)
    raise ProcessError(f"{url} did not answer within {timeout} s ({last})"
                       + (f":\n{proc.output(tail=80)}" if proc else ""))


def _admin_engine() -> sa.Engine:
    url = sa.engine.make_url(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database ``<prefix>_<random>``, dropped afterwards; yields its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield engine.url.set(database=name).render_as_string(hide_password=False) \
            .replace("postgresql+psycopg://", "postgresql://", 1)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@contextmanager
def scratch_redis() -> Iterator[str]:
    """A Redis database index nobody else holds, flushed before and after; yields its URL."""
    with claimed_redis_url(REDIS_URL) as url:
        yield url
