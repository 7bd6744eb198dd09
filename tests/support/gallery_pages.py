"""The entry cards shown on a gallery page. (Shared by several test modules.)"""

import re


CARD_LINK = re.compile(r'<h2 class="entry-card-title"><a href="/gallery/(\d+)">')


def cards(client, query: str = "") -> list[int]:
    response = client.get(f"/gallery{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [int(i) for i in CARD_LINK.findall(response.get_data(as_text=True))]
