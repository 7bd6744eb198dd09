"""A contest, a signed-in citizen and the entry form. (Shared by several test modules.)"""

import re
import pytest


IN_WINDOW = "2020-06-25T12:00:00+08:00"


@pytest.fixture
def citizen(make_user, login):
    user = make_user(nickname="小李")
    login(user)
    return user


def form(client, **fields):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/entries/new").get_data(as_text=True)).group(1)
    data = {"text": "", "theme": "life", "area": "hetang", "accept_rules": "y", "csrf_token": token}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}
