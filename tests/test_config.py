import pytest

from contest import create_app
from contest.config import ConfigError, load_config
from contest.crypto import new_key


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="CONTEST_SECRET_KEY"):
        create_app(environ={"CONTEST_ENV": "production", "CONTEST_DATABASE_URL": "sqlite://"})


def test_production_refuses_to_start_without_token_keys():
    with pytest.raises(ConfigError, match="CONTEST_TOKEN_KEYS"):
        create_app(environ={"CONTEST_ENV": "production", "CONTEST_SECRET_KEY": "s" * 32,
                            "CONTEST_DATABASE_URL": "sqlite://"})


def test_production_cookies_are_secure_unless_disabled(tmp_path):
    base = {"CONTEST_ENV": "production", "CONTEST_SECRET_KEY": "s" * 32, "CONTEST_TOKEN_KEYS": new_key(),
            "CONTEST_PUBLIC_URL": "https://contest.example"}
    config = load_config(base, str(tmp_path))
    assert (config["SESSION_COOKIE_SECURE"], config["REMEMBER_COOKIE_SECURE"]) == (True, True)
    assert config["CONTEST_DEMO_MODE"] is False
    staging = load_config({**base, "CONTEST_COOKIE_SECURE": "false"}, str(tmp_path))
    assert staging["SESSION_COOKIE_SECURE"] is False


def test_development_defaults(tmp_path):
    config = load_config({}, str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_path / "contest.sqlite3")
    assert config["SESSION_COOKIE_NAME"] == "zzcontest_session"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["CONTEST_DEMO_MODE"] is True
    assert config["RATELIMIT_ENABLED"] is True
    assert (config["CONTEST_DOUYIN_OPEN_BASE"], config["CONTEST_DOUYIN_SHORTLINK_BASE"],
            config["CONTEST_DOUYIN_SHARE_BASE"]) == (
        "https://open.douyin.com", "https://v.douyin.com", "https://www.iesdouyin.com")


def test_sandbox_url_points_all_three_bases_and_each_can_be_overridden(tmp_path):
    config = load_config({"CONTEST_DOUYIN_SANDBOX_URL": "http://127.0.0.1:5001/",
                          "CONTEST_DOUYIN_SHARE_BASE": "https://share.example"}, str(tmp_path))
    assert (config["CONTEST_DOUYIN_OPEN_BASE"], config["CONTEST_DOUYIN_SHORTLINK_BASE"],
            config["CONTEST_DOUYIN_SHARE_BASE"]) == (
        "http://127.0.0.1:5001/open", "http://127.0.0.1:5001/v", "https://share.example")


def test_postgres_urls_use_psycopg(tmp_path):
    config = load_config({"CONTEST_DATABASE_URL": "postgresql://u@h/db"}, str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_recent_results_days(tmp_path):
    """How long published results keep a contest the default one (docs/rules.md §11)."""
    assert load_config({}, str(tmp_path))["CONTEST_RECENT_RESULTS_DAYS"] == 30
    assert load_config({"CONTEST_RECENT_RESULTS_DAYS": "7"}, str(tmp_path))["CONTEST_RECENT_RESULTS_DAYS"] == 7
    with pytest.raises(ConfigError, match="CONTEST_RECENT_RESULTS_DAYS must be 0 or more"):
        load_config({"CONTEST_RECENT_RESULTS_DAYS": "-1"}, str(tmp_path))
    with pytest.raises(ConfigError, match="not an integer"):
        load_config({"CONTEST_RECENT_RESULTS_DAYS": "thirty"}, str(tmp_path))


@pytest.mark.parametrize("name", ["CONTEST_RATELIMIT_ENABLED", "CONTEST_COOKIE_SECURE"])
def test_bad_booleans_are_refused(tmp_path, name):
    with pytest.raises(ConfigError, match="not a boolean"):
        load_config({name: "maybe"}, str(tmp_path))


def test_security_headers_and_cookie_name(client, make_contest):
    make_contest()
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-src https://open.douyin.com" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    client.get("/accounts/login")
    assert client.get_cookie("zzcontest_session") is not None
    assert client.get_cookie("session") is None


@pytest.mark.parametrize(("env", "required", "optional"), [
    ({}, ("user_info", "video.data.bind"), ("video.list.bind",)),
    ({"CONTEST_DOUYIN_SCOPES": "user_info", "CONTEST_DOUYIN_OPTIONAL_SCOPES": "video.list.bind, video.data.bind"},
     ("user_info",), ("video.list.bind", "video.data.bind")),
    ({"CONTEST_DOUYIN_OPTIONAL_SCOPES": ""}, ("user_info", "video.data.bind"), ()),
    ({"CONTEST_DOUYIN_OPTIONAL_SCOPES": "user_info,video.list.bind"}, ("user_info", "video.data.bind"),
     ("video.list.bind",)),  # a scope already required is not asked twice
])
def test_douyin_scopes(tmp_path, env, required, optional):
    config = load_config(env, str(tmp_path))
    assert (config["CONTEST_DOUYIN_SCOPES"], config["CONTEST_DOUYIN_OPTIONAL_SCOPES"]) == (required, optional)


@pytest.mark.parametrize("env", [{"CONTEST_DOUYIN_SCOPES": ""}, {"CONTEST_DOUYIN_SCOPES": "user info"},
                                 {"CONTEST_DOUYIN_OPTIONAL_SCOPES": "video/list"}])
def test_bad_douyin_scopes_stop_the_start(tmp_path, env):
    with pytest.raises(ConfigError, match="CONTEST_DOUYIN_"):
        load_config(env, str(tmp_path))


def test_the_jx_base_follows_the_sandbox(tmp_path):
    assert load_config({}, str(tmp_path))["CONTEST_DOUYIN_JX_BASE"] == "https://jx.douyin.com"
    sandbox = load_config({"CONTEST_DOUYIN_SANDBOX_URL": "http://127.0.0.1:5001/"}, str(tmp_path))
    assert sandbox["CONTEST_DOUYIN_JX_BASE"] == "http://127.0.0.1:5001/jx"
