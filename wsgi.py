"""The production entry point: ``gunicorn wsgi:app`` (settings from ``CONTEST_*`` variables;
gunicorn.conf.py beside this file is read automatically)."""

from werkzeug.middleware.proxy_fix import ProxyFix

from contest import create_app

app = create_app()

# Behind nginx (CONTEST_TRUSTED_PROXIES=1) the client's address and scheme come from the
# proxy's X-Forwarded-For and -Proto: rate limits, logs and secure cookies need the real ones.
# Never X-Forwarded-Host: absolute URLs come from CONTEST_PUBLIC_URL (contest.web.origin).
if proxies := app.config["CONTEST_TRUSTED_PROXIES"]:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
