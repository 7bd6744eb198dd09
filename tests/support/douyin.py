"""Douyin sign-in through the sandbox's authorize page. (Shared by several test modules.)"""

from urllib.parse import parse_qs, urlsplit


OPEN_ID = "ou_test_xiaoli"


def start(client, next_path: str | None = None) -> str:
    response = client.get("/auth/douyin" + (f"?next={next_path}" if next_path else ""))
    assert response.status_code == 302
    return response.headers["Location"]


def consent(sandbox, authorize_url: str, *, open_id: str = OPEN_ID, scopes=None, decision="allow") -> str:
    """The tester's choice on the sandbox's authorize page (``scopes``: the optional scopes left ticked;
    every one asked by default); returns the callback URL Douyin sends back."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    form = {**query, "open_id": open_id, "decision": decision}
    optional = query.get("optionalScope", "").split(",")[::2] if query.get("optionalScope") else []
    form["scopes"] = scopes if scopes is not None else optional
    response = sandbox.http.post(authorize_url.split("?")[0], data=form, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def callback(client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, sandbox, **kwargs):
    return callback(client, consent(sandbox, start(client), **kwargs))
