"""Two production instances behind nginx, as real processes on loopback: the Douyin sandbox,
two ``gunicorn wsgi:app`` instances and nginx in front of them with the deployment's own
configuration (``deploy/nginx.conf``, its placeholders filled in), sharing a scratch PostgreSQL
database and a Redis database index of their own.

The instances run with ``CONTEST_ENV=production`` (secret key, Fernet token keys, scrypt, JSON
logs, no demo mode, rate limits on): the configuration that is deployed is the one proved here;
only ``CONTEST_COOKIE_SECURE=false``, since this is plain HTTP on loopback.
"""

from __future__ import annotations

import os
import secrets
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from contest.crypto import new_key
from contest.domain.staff_tokens import MARKER
from tests.multi.processes import (
    BIN, ROOT, Proc, Processes, ProcessError, base_environ, free_port, http, scratch_postgres, scratch_redis, wait_http,
)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"  # Debian puts it in sbin, not always on PATH
STAFF_PHONE = "13800000002"  # the demo reviewer (seed-demo)
PREFLIGHT_LIMIT = 5
PUBLIC_URL = "http://contest.test"  # the canonical origin (CONTEST_PUBLIC_URL): never looked up, only printed
DEPLOYED_NGINX = ROOT / "deploy" / "nginx.conf"  # the documented production configuration
NGINX_CONF = """\
{user}worker_processes 1;
worker_rlimit_nofile 8192;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format upstreams '$request_uri $status upstream=$upstream_addr statuses=$upstream_status cache=$upstream_cache_status';
    access_log {tmp}/nginx-access.log upstreams;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/contest.conf;
}}
"""


def deployed_nginx(*, listen: str, app_a: str, app_b: str, cache: Path) -> str:
    """``deploy/nginx.conf`` with its placeholders filled in."""
    text = DEPLOYED_NGINX.read_text()
    for name, value in {"LISTEN": listen, "APP_A": app_a, "APP_B": app_b, "STATIC": f"{ROOT / 'static'}/",
                        "CACHE": str(cache), "ACCESS_LOG": str(cache.parent / "contest-access.log")}.items():
        text = text.replace(f"@@{name}@@", value)
    assert not [line for line in text.splitlines() if "@@" in line and not line.startswith("#")], text
    return text


@dataclass
class Cluster:
    procs: Processes
    tmp: Path
    sandbox: str
    ports: dict[str, int]
    redis_url: str
    env: dict[str, str]
    token: str = ""  # the demo reviewer's staff API token
    workers: int = 1  # gunicorn sync workers an instance

    def url(self, name: str) -> str:
        """``a`` or ``b`` (an instance, directly) or ``nginx``."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def start_instance(self, name: str) -> Proc:
        """``gunicorn wsgi:app`` with :attr:`workers` sync workers on the instance's port (not waited for)."""
        return self.procs.start(name, [str(BIN / "gunicorn"), "-w", str(self.workers), "-k", "sync",
                                       "-b", f"127.0.0.1:{self.ports[name]}", "wsgi:app"])

    def wait_ready(self, name: str) -> None:
        wait_http(f"{self.url(name)}/healthz", proc=self.procs.running[name])

    def instance(self, name: str) -> Proc:
        return self.procs.running[name]

    def staff(self, method: str, name: str, path: str, **kwargs):
        return http().request(method, f"{self.url(name)}/api/v1/staff{path}",
                              headers={"Authorization": f"Bearer {self.token}"}, timeout=10, **kwargs)

    def sandbox_control(self, path: str, payload: dict) -> dict:
        response = http().post(f"{self.sandbox}/__sandbox__/{path}", json=payload, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def nginx_access_log(self) -> list[str]:
        return (self.tmp / "nginx-access.log").read_text().splitlines()

    def contest_access_log(self) -> list[str]:
        """The deployed configuration's own access log (``contest_private``)."""
        return (self.tmp / "contest-access.log").read_text().splitlines()


def _start_nginx(procs: Processes, tmp: Path, ports: dict[str, int]) -> Proc:
    # The master runs as root here (CI is root); its worker must not drop to nobody, who cannot
    # write the temp paths under pytest's tmp directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp / "contest.conf").write_text(deployed_nginx(
        listen=f"127.0.0.1:{ports['nginx']}", app_a=f"127.0.0.1:{ports['a']}", app_b=f"127.0.0.1:{ports['b']}",
        cache=tmp / "nginx-cache"))
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, tmp=tmp))
    proc = procs.start("nginx", [NGINX, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf),
                                 "-g", "daemon off;"])
    wait_http(f"http://127.0.0.1:{ports['nginx']}/healthz", proc=proc)
    return proc


@contextmanager
def running_cluster(tmp: Path, *, seed: tuple[str, ...] = (), workers: int = 1, **settings: str) -> Iterator[Cluster]:
    """The whole production layout on loopback (also used by ``bench/spike.py``): ``seed`` adds
    arguments for a second ``seed-demo`` run (e.g. ``--entries 20000``); ``settings`` override the
    instances' environment."""
    with ExitStack() as stack:
        database = stack.enter_context(scratch_postgres("multi"))
        redis_url = stack.enter_context(scratch_redis())
        ports = {name: free_port() for name in ("sandbox", "a", "b", "nginx")}
        sandbox = f"http://127.0.0.1:{ports['sandbox']}"
        env = base_environ(
            CONTEST_ENV="production", CONTEST_SECRET_KEY=secrets.token_urlsafe(32), CONTEST_TOKEN_KEYS=new_key(),
            CONTEST_COOKIE_SECURE="false", CONTEST_PUBLIC_URL=PUBLIC_URL, CONTEST_DATABASE_URL=database, CONTEST_REDIS_URL=redis_url,
            CONTEST_DOUYIN_SANDBOX_URL=sandbox, CONTEST_TRUSTED_PROXIES="1",
            CONTEST_PREFLIGHT_LIMIT=f"{PREFLIGHT_LIMIT}/minute", CONTEST_EVIDENCE_DIR=str(tmp / "evidence"),
            CONTEST_POLL_RATE="50",  # the sandbox has no quota here: don't wait for the default pace
        )
        env.update(settings)
        procs = Processes(tmp, env)
        stack.callback(procs.stop_all)
        try:
            made = Cluster(procs=procs, tmp=tmp, sandbox=sandbox, ports=ports, redis_url=redis_url, env=env,
                           workers=workers)
            # The sandbox and both instances boot while the database is upgraded and seeded.
            box = procs.start("sandbox", [str(BIN / "flask"), "--app", "contest", "douyin-sandbox",
                                          "--port", str(ports["sandbox"])])
            for name in ("a", "b"):
                made.start_instance(name)
            procs.flask("db-upgrade", "db", "upgrade")
            wait_http(f"{sandbox}/__sandbox__/state", proc=box)
            procs.flask("seed-demo", "seed-demo")
            if seed:
                procs.flask("seed-more", "seed-demo", *seed, timeout=3600)
            said = procs.flask("create-token", "create-token", "--phone", STAFF_PHONE).splitlines()
            made.token = next(line for line in reversed(said) if line.startswith(MARKER))
            for name in ("a", "b"):
                made.wait_ready(name)
            _start_nginx(procs, tmp, ports)
        except ProcessError as exc:
            raise ProcessError(f"{exc}\n{procs.report()}") from None
        yield made


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(tmp_path_factory.mktemp("two-instances")) as made:
        yield made


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report ends with the end of every process's log."""
    report = yield
    made = getattr(item, "funcargs", {}).get("cluster")
    if report.failed and made is not None:
        report.sections.append(("two-instance logs", made.procs.report()))
    return report
