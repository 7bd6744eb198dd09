"""Sign-up and sign-in by phone through the pages. (Shared by several test modules.)"""

import re
from tests.conftest import csrf_from


PHONE = "13812345678"


DEMO_CODE = re.compile(r"演示模式：验证码是 ([0-9]{6})")


def html(response) -> str:
    return response.get_data(as_text=True)


def ask_code(client, phone=PHONE, path="/accounts/signup"):
    token = csrf_from(client, path)
    return client.post(path, data={"phone": phone, "csrf_token": token})


def demo_code(client, path="/accounts/signup/confirm") -> str:
    match = DEMO_CODE.search(html(client.get(path)))
    assert match, "no demo code on the page"
    return match.group(1)


def confirm(client, code, nickname="小明", password="secret-pass-1", again=None, path="/accounts/signup/confirm"):
    token = csrf_from(client, path)
    return client.post(path, data={"code": code, "nickname": nickname, "password": password,
                                   "password_again": password if again is None else again, "csrf_token": token})


def post_login(client, phone, password="secret-pass-1", path="/accounts/login"):
    token = csrf_from(client, "/accounts/login")
    return client.post(path, data={"phone": phone, "password": password, "csrf_token": token})
