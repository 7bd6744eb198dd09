"""Text messages to phones, through a pluggable sender.

``CONTEST_SMS_BACKEND=log`` (the default) writes each message to the ``contest.integrations.sms`` log,
code included, for development; ``http`` posts it to an SMS gateway.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Protocol

import requests

from contest.config import ConfigError
from contest.domain.errors import DomainError
from contest.domain.privacy import mask_phone

log = logging.getLogger("contest.integrations.sms")

SEND_FAILED = "短信发送失败，请稍后再试。"


class SmsError(DomainError):
    """The gateway did not take the message (the user may retry later)."""

    status = 503


class Sender(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class LogSender:
    """Development: the message goes to the server log (phone masked, code readable)."""

    def send(self, phone: str, message: str) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), message)


class HttpSender:
    """Production: ``POST <url>`` with JSON ``{"phone", "message"}`` and ``Authorization: Bearer <key>``.

    Any answer other than 2xx, and any network failure or timeout, is an :class:`SmsError`.
    """

    def __init__(self, url: str, key: str, timeout: float = 5.0, session: requests.Session | None = None):
        self.url = url
        self.key = key
        self.timeout = timeout
        self.session = session or requests.Session()

    def send(self, phone: str, message: str) -> None:
        try:
            response = self.session.post(
                self.url,
                json={"phone": phone, "message": message},
                headers={"Authorization": f"Bearer {self.key}"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            log.warning("SMS gateway failed for %s: %s", mask_phone(phone), exc.__class__.__name__)
            raise SmsError(SEND_FAILED) from exc
        if not 200 <= response.status_code < 300:
            log.warning("SMS gateway answered %s for %s", response.status_code, mask_phone(phone))
            raise SmsError(SEND_FAILED)
        log.info("SMS to %s accepted by the gateway", mask_phone(phone))


def sender_from_config(config: Mapping[str, Any]) -> Sender:
    """The sender that ``CONTEST_SMS_BACKEND`` names (``log`` or ``http``)."""
    backend = (config.get("CONTEST_SMS_BACKEND") or "log").strip().lower()
    if backend == "log":
        return LogSender()
    if backend == "http":
        url = config.get("CONTEST_SMS_GATEWAY_URL") or ""
        key = config.get("CONTEST_SMS_GATEWAY_KEY") or ""
        if not url or not key:
            raise ConfigError("CONTEST_SMS_BACKEND=http needs CONTEST_SMS_GATEWAY_URL and CONTEST_SMS_GATEWAY_KEY")
        return HttpSender(url, key, timeout=float(config.get("CONTEST_SMS_TIMEOUT") or 5.0))
    raise ConfigError(f"CONTEST_SMS_BACKEND must be log or http, not {backend!r}")
