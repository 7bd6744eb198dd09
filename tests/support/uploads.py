"""Helpers for the slogan check's chunked uploads."""

from __future__ import annotations

from tests.conftest import csrf_from


def upload(client, entry_id: int, data: bytes, *, pieces: int = 2, token: str | None = None, **body):
    """Start an upload and send ``data`` in ``pieces`` chunks; the last response."""
    token = token or csrf_from(client, "/entries/mine")
    headers = {"X-CSRFToken": token}
    started = client.post(f"/entries/{entry_id}/slogan/uploads", json={"size": len(data), **body}, headers=headers)
    assert started.status_code == 201, started.get_json()
    name = started.get_json()["upload"]
    step = -(-len(data) // pieces)
    response = None
    for offset in range(0, len(data), step):
        response = client.put(f"/entries/{entry_id}/slogan/uploads/{name}?offset={offset}",
                              data=data[offset:offset + step], headers=headers,
                              content_type="application/octet-stream")
        if response.status_code != 200:
            break
    return name, response
