"""Fake SMS senders: one that records, and a tiny HTTP gateway on a loopback port. (Registered in tests/conftest.py.)"""

import threading
import time

import pytest
from flask import Flask, request
from werkzeug.serving import make_server


class RecordingSender:
    """The sender interface, keeping what it was asked to send."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        self.sent.append((phone, message))


class Gateway:
    """A tiny SMS gateway on a loopback port: records each request; ``status`` and
    ``delay`` set how it answers."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        self.delay = 0.0
        app = Flask("sms-gateway")

        @app.post("/send")
        def send():
            self.received.append({"json": request.get_json(), "authorization": request.headers.get("Authorization"),
                                  "content_type": request.content_type})
            time.sleep(self.delay)
            return {"ok": self.status == 200}, self.status

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def sms(app):
    """The site texts through a live :class:`Gateway` (``CONTEST_SMS_BACKEND=http``)."""
    live = Gateway()
    app.config.update(CONTEST_SMS_BACKEND="http", CONTEST_SMS_GATEWAY_URL=live.url, CONTEST_SMS_GATEWAY_KEY="gw")
    yield live
    live.stop()


def texts_to(gateway: Gateway, phone: str) -> list[str]:
    """The messages the gateway received for ``phone``, in order."""
    return [r["json"]["message"] for r in gateway.received if r["json"]["phone"] == phone]
