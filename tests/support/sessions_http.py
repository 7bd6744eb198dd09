"""A signed-in HTTP session against a live site. (Shared by several test modules.)"""

import requests
from tests.conftest import CSRF_META


def signed_in_session(base: str, phone: str) -> tuple[requests.Session, str]:
    """A browser-like session signed in through the login form, and the CSRF token of its pages."""
    http = requests.Session()
    http.trust_env = False
    token = CSRF_META.search(http.get(f"{base}/accounts/login", timeout=30).text).group(1)
    signed_in = http.post(f"{base}/accounts/login", data={"phone": phone, "password": "secret-pass-1",
                                                          "csrf_token": token}, allow_redirects=False, timeout=30)
    assert signed_in.status_code == 302, signed_in.text
    return http, CSRF_META.search(http.get(f"{base}/entries/mine", timeout=30).text).group(1)
