"""Configuration from ``CONTEST_*`` environment variables.

Nothing is read at import time: :func:`load_config` is called by the app factory
with the environment it should read (``os.environ`` unless a test passes its own).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from urllib.parse import urlsplit

from limits import parse_many

DEFAULT_OPEN_BASE = "https://open.douyin.com"
DEFAULT_SHORTLINK_BASE = "https://v.douyin.com"
DEFAULT_SHARE_BASE = "https://www.iesdouyin.com"
DEFAULT_JX_BASE = "https://jx.douyin.com"

# Where the sandbox serves each base, below CONTEST_DOUYIN_SANDBOX_URL.
SANDBOX_OPEN_PATH = "/open"
SANDBOX_SHORTLINK_PATH = "/v"
SANDBOX_SHARE_PATH = "/iesdouyin"
SANDBOX_JX_PATH = "/jx"

# The OAuth scopes asked: required (`scope`, every app has them; the user cannot untick them) and
# optional (`optionalScope`, the user may untick them). docs/douyin.md, "Scopes".
DEFAULT_DOUYIN_SCOPES = "user_info,video.data.bind"
DEFAULT_DOUYIN_OPTIONAL_SCOPES = "video.list.bind"

# The sandbox's registered demo application (development settings only).
SANDBOX_CLIENT_KEY = "awdemo0000sandbox"
SANDBOX_CLIENT_SECRET = "sandbox-demo-secret-not-for-production"

DEV_SECRET_KEY = "dev-only-insecure-secret-key"
# Hosts a request may name besides CONTEST_PUBLIC_URL's (health checks on loopback, development).
DEFAULT_ALLOWED_HOSTS = "localhost,127.0.0.1,::1"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable site."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    v = value.strip().lower()
    if v in {"1", "true", "yes", "on"}:
        return True
    if v in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"not a boolean: {value!r}")


def _int(value: str | None, default: int) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"not an integer: {value!r}") from exc


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env.get(name), default)
    if value < 1:
        raise ConfigError(f"{name} must be a positive integer")
    return value


def _limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A Flask-Limiter limit string (``"10/minute"``, ``"5/minute;20/day"``), checked now so that a
    typo stops the start instead of failing every request it guards."""
    value = (env.get(name) or "").strip() or default
    try:
        parse_many(value)
    except ValueError as exc:
        raise ConfigError(f"{name} is not a rate limit such as 10/minute: {value!r}") from exc
    return value


def parse_public_url(value: str) -> str:
    """``scheme://host[:port]`` from ``value``; ``ValueError`` for anything else (a path, a query, a user)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
            or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(value)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _scopes(env: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    value = env.get(name)
    value = default if value is None else value
    scopes = tuple(dict.fromkeys(s.strip() for s in value.split(",") if s.strip()))
    if any(not re.fullmatch(r"[A-Za-z0-9_.]{1,64}", s) for s in scopes):
        raise ConfigError(f"{name} must be comma-separated scope names such as user_info,video.data.bind")
    return scopes


def _share(env: Mapping[str, str], name: str, default: float) -> float:
    value = (env.get(name) or "").strip()
    try:
        share = float(value) if value else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number between 0 and 1: {value!r}") from exc
    if not 0 < share <= 1:
        raise ConfigError(f"{name} must be above 0 and at most 1: {value!r}")
    return share


def log_settings(env: Mapping[str, str]) -> tuple[str, str]:
    """``CONTEST_LOG_FORMAT`` (json in production, else text) and ``CONTEST_LOG_LEVEL`` (INFO);
    gunicorn.conf.py reads them too, before the app exists."""
    production = (env.get("CONTEST_ENV") or "").strip().lower() == "production"
    log_format = (env.get("CONTEST_LOG_FORMAT") or ("json" if production else "text")).strip().lower()
    if log_format not in {"json", "text"}:
        raise ConfigError("CONTEST_LOG_FORMAT must be json or text")
    log_level = (env.get("CONTEST_LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError("CONTEST_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return log_format, log_level


def load_config(env: Mapping[str, str], instance_path: str) -> dict:
    """Build the Flask config mapping from ``env``.

    Production (``CONTEST_ENV=production``) refuses to start without
    ``CONTEST_SECRET_KEY`` and makes cookies Secure unless
    ``CONTEST_COOKIE_SECURE=false``.
    """
    get = env.get
    site_env = (get("CONTEST_ENV") or "development").strip().lower()
    if site_env not in {"development", "production", "testing"}:
        raise ConfigError("CONTEST_ENV must be development, production or testing")
    production = site_env == "production"

    secret = get("CONTEST_SECRET_KEY") or ""
    if not secret:
        if production:
            raise ConfigError("CONTEST_SECRET_KEY must be set in production")
        secret = DEV_SECRET_KEY

    db_url = get("CONTEST_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "contest.sqlite3")
    )
    if db_url.startswith("postgres://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgres://"):]
    elif db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://"):]

    sandbox = (get("CONTEST_DOUYIN_SANDBOX_URL") or "").rstrip("/")
    if sandbox:
        open_base = sandbox + SANDBOX_OPEN_PATH
        short_base = sandbox + SANDBOX_SHORTLINK_PATH
        share_base = sandbox + SANDBOX_SHARE_PATH
        jx_base = sandbox + SANDBOX_JX_PATH
    else:
        open_base, short_base, share_base = DEFAULT_OPEN_BASE, DEFAULT_SHORTLINK_BASE, DEFAULT_SHARE_BASE
        jx_base = DEFAULT_JX_BASE
    open_base = (get("CONTEST_DOUYIN_OPEN_BASE") or open_base).rstrip("/")
    short_base = (get("CONTEST_DOUYIN_SHORTLINK_BASE") or short_base).rstrip("/")
    share_base = (get("CONTEST_DOUYIN_SHARE_BASE") or share_base).rstrip("/")
    jx_base = (get("CONTEST_DOUYIN_JX_BASE") or jx_base).rstrip("/")
    scopes = _scopes(env, "CONTEST_DOUYIN_SCOPES", DEFAULT_DOUYIN_SCOPES)
    if not scopes:
        raise ConfigError("CONTEST_DOUYIN_SCOPES must name at least one scope")
    optional_scopes = tuple(s for s in _scopes(env, "CONTEST_DOUYIN_OPTIONAL_SCOPES", DEFAULT_DOUYIN_OPTIONAL_SCOPES)
                            if s not in scopes)

    token_keys = [k.strip() for k in (get("CONTEST_TOKEN_KEYS") or "").split(",") if k.strip()]
    if not token_keys and production:
        raise ConfigError("CONTEST_TOKEN_KEYS must be set in production (Fernet keys, newest first)")

    cookie_secure = _bool(get("CONTEST_COOKIE_SECURE"), production)
    demo_mode = _bool(get("CONTEST_DEMO_MODE"), not production)

    evidence_max = _int(get("CONTEST_EVIDENCE_MAX_BYTES"), 5 * 1024 * 1024)
    chunk_bytes = _int(get("CONTEST_SLOGAN_CHUNK_BYTES"), 4 * 1024 * 1024)
    if not 64 * 1024 <= chunk_bytes <= 16 * 1024 * 1024:
        raise ConfigError("CONTEST_SLOGAN_CHUNK_BYTES must be between 64 KiB and 16 MiB")
    slogan_worker = (get("CONTEST_SLOGAN_WORKER") or ("rq" if get("CONTEST_REDIS_URL") else "thread")).strip().lower()
    if slogan_worker not in ("rq", "thread", "inline"):
        raise ConfigError("CONTEST_SLOGAN_WORKER must be rq, thread or inline")
    if slogan_worker == "rq" and not get("CONTEST_REDIS_URL"):
        raise ConfigError("CONTEST_SLOGAN_WORKER=rq needs CONTEST_REDIS_URL")
    if evidence_max <= 0:
        raise ConfigError("CONTEST_EVIDENCE_MAX_BYTES must be positive")

    # Error messages never carry statement parameters (phones, tokens) into the logs.
    engine_options: dict = {"pool_pre_ping": True, "hide_parameters": True}
    if db_url.startswith("sqlite"):
        # Wait for a writer instead of failing at once with "database is locked".
        engine_options["connect_args"] = {"timeout": 30}
    elif db_url.startswith("postgresql"):
        # An unreachable server answers 503 within seconds (/healthz, pages) instead of hanging.
        engine_options["connect_args"] = {"connect_timeout": _int(get("CONTEST_DATABASE_CONNECT_TIMEOUT"), 5)}

    log_format, log_level = log_settings(env)
    public_url = (get("CONTEST_PUBLIC_URL") or "").strip()
    if public_url:
        try:
            public_url = parse_public_url(public_url)
        except ValueError:
            raise ConfigError("CONTEST_PUBLIC_URL must be an origin such as https://contest.example.cn "
                              "(scheme and host, no path)") from None
    elif production:
        raise ConfigError("CONTEST_PUBLIC_URL must be set in production (the site's address, e.g. "
                          "https://contest.example.cn): share links and QR codes are built from it")
    allowed_hosts = tuple(h.strip().lower() for h in (get("CONTEST_ALLOWED_HOSTS") or DEFAULT_ALLOWED_HOSTS).split(",")
                          if h.strip())
    if demo_mode and production:
        raise ConfigError("CONTEST_DEMO_MODE=true is refused in production: demo mode shows one-time codes "
                          "to anyone (unset it, or set CONTEST_ENV=development for a demo)")
    recent_days = _int(get("CONTEST_RECENT_RESULTS_DAYS"), 30)
    if recent_days < 0:
        raise ConfigError("CONTEST_RECENT_RESULTS_DAYS must be 0 or more")

    return {
        "CONTEST_ENV": site_env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "SESSION_COOKIE_NAME": "zzcontest_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": cookie_secure,
        "REMEMBER_COOKIE_NAME": "zzcontest_remember",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": cookie_secure,
        "PREFERRED_URL_SCHEME": "https" if cookie_secure else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_SSL_STRICT": cookie_secure,
        "RATELIMIT_ENABLED": _bool(get("CONTEST_RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": get("CONTEST_RATELIMIT_STORAGE_URI")
        or get("CONTEST_REDIS_URL")
        or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Abuse limits, per client address (the code requests also per phone number).
        "CONTEST_PREFLIGHT_LIMIT": _limit(env, "CONTEST_PREFLIGHT_LIMIT", "30/minute"),
        "CONTEST_LOGIN_LIMIT": _limit(env, "CONTEST_LOGIN_LIMIT", "10/minute"),
        "CONTEST_SIGNUP_LIMIT": _limit(env, "CONTEST_SIGNUP_LIMIT", "10/minute"),
        "CONTEST_OTP_LIMIT": _limit(env, "CONTEST_OTP_LIMIT", "5/minute;30/hour"),
        "CONTEST_ENTRY_LIMIT": _limit(env, "CONTEST_ENTRY_LIMIT", "20/minute"),
        "CONTEST_OBJECTION_LIMIT": _limit(env, "CONTEST_OBJECTION_LIMIT", "5/hour"),
        # Slogan-check uploads started, per account (docs/operations.md, "Uploads").
        "CONTEST_SLOGAN_UPLOAD_LIMIT": _limit(env, "CONTEST_SLOGAN_UPLOAD_LIMIT", "10/hour"),
        "CONTEST_DEMO_MODE": demo_mode,
        "CONTEST_REDIS_URL": get("CONTEST_REDIS_URL") or "",
        # Logs: one JSON object a line (production) or plain text; see contest.ops.logs.
        "CONTEST_LOG_FORMAT": log_format,
        "CONTEST_LOG_LEVEL": log_level,
        # Proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto wsgi.py trusts (never -Host).
        "CONTEST_TRUSTED_PROXIES": _int(get("CONTEST_TRUSTED_PROXIES"), 0),
        # The canonical origin every absolute URL is built from, and the other hosts a request may
        # name (contest.web.origin; docs/operations.md, "The canonical address").
        "CONTEST_PUBLIC_URL": public_url,
        "CONTEST_ALLOWED_HOSTS": allowed_hosts,
        # Public boards and the gallery are cached (Flask-Caching): in Redis when configured, so every
        # web process shares one cache, else in this process. Keys carry a version stored in the
        # database, so a change made by any process (poll-likes, an RQ worker) reaches them all.
        "CACHE_TYPE": "RedisCache" if get("CONTEST_REDIS_URL") else "SimpleCache",
        "CACHE_REDIS_URL": get("CONTEST_REDIS_URL") or "",
        "CACHE_KEY_PREFIX": get("CONTEST_CACHE_PREFIX") or "contest:",
        "CACHE_DEFAULT_TIMEOUT": _int(get("CONTEST_CACHE_SECONDS"), 300),
        "CONTEST_EDGE_CACHE_SECONDS": max(0, _int(get("CONTEST_EDGE_CACHE_SECONDS"), 1)),
        # How many days after its results are published a contest stays the default one (docs/rules.md §11).
        "CONTEST_RECENT_RESULTS_DAYS": recent_days,
        "CONTEST_DOUYIN_SANDBOX_URL": sandbox,
        "CONTEST_DOUYIN_OPEN_BASE": open_base,
        "CONTEST_DOUYIN_SHORTLINK_BASE": short_base,
        "CONTEST_DOUYIN_SHARE_BASE": share_base,
        "CONTEST_DOUYIN_JX_BASE": jx_base,
        "CONTEST_DOUYIN_SCOPES": scopes,
        "CONTEST_DOUYIN_OPTIONAL_SCOPES": optional_scopes,
        # Platform health (docs/douyin.md): a sweep in which more than this share of authors failed
        # raises the alarm (staff dashboard banner, one SMS to the admins per incident).
        "CONTEST_PLATFORM_ALARM_ERROR_SHARE": _share(env, "CONTEST_PLATFORM_ALARM_ERROR_SHARE", 0.2),
        "CONTEST_DOUYIN_TIMEOUT": float(get("CONTEST_DOUYIN_TIMEOUT") or 5),
        "CONTEST_DOUYIN_CLIENT_KEY": get("CONTEST_DOUYIN_CLIENT_KEY")
        or (SANDBOX_CLIENT_KEY if sandbox else ""),
        "CONTEST_DOUYIN_CLIENT_SECRET": get("CONTEST_DOUYIN_CLIENT_SECRET")
        or (SANDBOX_CLIENT_SECRET if sandbox else ""),
        # Fernet keys for Douyin tokens at rest, newest first; development derives one from the secret key.
        "CONTEST_TOKEN_KEYS": token_keys,
        "CONTEST_DOUYIN_REDIRECT_URI": get("CONTEST_DOUYIN_REDIRECT_URI") or "",
        "CONTEST_PASSWORD_HASH_METHOD": get("CONTEST_PASSWORD_HASH_METHOD") or "scrypt",
        "CONTEST_POLL_RATE": float(get("CONTEST_POLL_RATE") or 5),
        "CONTEST_POLL_CONCURRENCY": _int(get("CONTEST_POLL_CONCURRENCY"), 4),
        "CONTEST_SMS_BACKEND": (get("CONTEST_SMS_BACKEND") or "log").strip().lower(),
        "CONTEST_SMS_GATEWAY_URL": get("CONTEST_SMS_GATEWAY_URL") or "",
        "CONTEST_SMS_GATEWAY_KEY": get("CONTEST_SMS_GATEWAY_KEY") or "",
        "CONTEST_OTP_TTL_SECONDS": _int(get("CONTEST_OTP_TTL_SECONDS"), 600),
        "CONTEST_OTP_RESEND_SECONDS": _int(get("CONTEST_OTP_RESEND_SECONDS"), 60),
        "CONTEST_OTP_DAILY_LIMIT": _int(get("CONTEST_OTP_DAILY_LIMIT"), 10),
        # Open Platform calls: extra attempts after a transient failure, the back-off base in seconds
        # (exponential, full jitter, capped), and how many ids one video_data request asks for.
        "CONTEST_DOUYIN_RETRIES": _int(get("CONTEST_DOUYIN_RETRIES"), 3),
        "CONTEST_DOUYIN_BACKOFF": float(get("CONTEST_DOUYIN_BACKOFF") or 0.2),
        "CONTEST_DOUYIN_BATCH_SIZE": _int(get("CONTEST_DOUYIN_BATCH_SIZE"), 10),
        # Screenshots behind manual like counts: on disk, outside the database.
        "CONTEST_EVIDENCE_DIR": get("CONTEST_EVIDENCE_DIR") or str(Path(instance_path) / "evidence"),
        "CONTEST_CJK_FONT": get("CONTEST_CJK_FONT") or "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "CONTEST_CJK_FONT_INDEX": _int(get("CONTEST_CJK_FONT_INDEX"), 2),  # Noto Sans CJK SC in the collection
        "CONTEST_EVIDENCE_MAX_BYTES": evidence_max,
        # A little above the evidence limit (room for the form's other fields), so Flask answers 413
        # before reading a larger body; a file just over the limit gets the store's own message.
        # Chunks of an original video for the slogan check (4 MiB): the limit lets them through.
        "MAX_CONTENT_LENGTH": max(evidence_max, chunk_bytes) + 512 * 1024,
        "CONTEST_SLOGAN_CHUNK_BYTES": chunk_bytes,
        # Originals for the slogan check wait here until checked, then are deleted.
        "CONTEST_SLOGAN_UPLOAD_DIR": get("CONTEST_SLOGAN_UPLOAD_DIR") or str(Path(instance_path) / "slogan-uploads"),
        # rq (a worker on the queue contest-slogan), thread (one worker thread in each web
        # process) or inline (in the request: tests and debugging).
        "CONTEST_SLOGAN_WORKER": slogan_worker,
        # Unfinished uploads at once, per entry and per account; one untouched this many seconds is
        # abandoned: it no longer counts, and the sweeper (flask sweep-uploads, the poller) deletes it.
        "CONTEST_SLOGAN_OPEN_UPLOADS_PER_ENTRY": _positive(env, "CONTEST_SLOGAN_OPEN_UPLOADS_PER_ENTRY", 2),
        "CONTEST_SLOGAN_OPEN_UPLOADS_PER_ACCOUNT": _positive(env, "CONTEST_SLOGAN_OPEN_UPLOADS_PER_ACCOUNT", 3),
        "CONTEST_SLOGAN_UPLOAD_MAX_AGE": _positive(env, "CONTEST_SLOGAN_UPLOAD_MAX_AGE", 6 * 3600),
    }
