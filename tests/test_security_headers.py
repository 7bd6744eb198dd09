"""Security headers on every page (issue 6, item 8) and the cookie flags production sets."""

from contest import create_app
from contest.crypto import new_key
from contest.extensions import db
from contest.web.security import content_security_policy


def test_every_public_page_carries_the_whole_policy(client, make_contest, sandbox):
    make_contest()
    for path in ("/", "/rules", "/leaderboards", "/winners", "/announcements", "/accounts/login",
                 "/api/v1/leaderboards/popularity", "/no-such-page"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data: https: {sandbox.url}; frame-src https://open.douyin.com {sandbox.url}; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"), path
        assert (headers["X-Content-Type-Options"], headers["X-Frame-Options"], headers["Referrer-Policy"]) == (
            "nosniff", "DENY", "strict-origin-when-cross-origin"), path
        assert "Strict-Transport-Security" not in headers  # plain HTTP in tests


def test_policy_without_a_sandbox_allows_only_douyin_frames_and_https_images():
    policy = content_security_policy("")
    assert "img-src 'self' data: https:;" in policy
    assert "frame-src https://open.douyin.com;" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_production_cookies_are_secure_httponly_and_lax(tmp_path, make_contest):
    make_contest()
    app = create_app(environ={
        "CONTEST_ENV": "production", "CONTEST_SECRET_KEY": "s" * 32, "CONTEST_TOKEN_KEYS": new_key(),
        "CONTEST_PUBLIC_URL": "https://contest.example", "CONTEST_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "CONTEST_RATELIMIT_ENABLED": "false"})
    with app.app_context():
        response = app.test_client().get("/accounts/login", base_url="https://contest.example")
        db.engine.dispose()
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("zzcontest_session=")
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= {p.strip() for p in cookie.split(";")}
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
