"""One-time codes sent from a page: with the configured sender and limits, and the message that says where one went."""

from __future__ import annotations

from flask import current_app, flash

from contest import clock
from contest.domain import one_time_codes
from contest.domain.privacy import mask_phone
from contest.integrations.sms import sender_from_config


def send_code(phone: str, purpose: str) -> str:
    """A one-time code for ``purpose`` sent to ``phone`` with the configured sender and limits
    (:func:`contest.domain.one_time_codes.request_code`); the caller commits."""
    config = current_app.config
    return one_time_codes.request_code(
        phone, purpose=purpose, now=clock.now(), sender=sender_from_config(config),
        secret=config["SECRET_KEY"], ttl_seconds=config["CONTEST_OTP_TTL_SECONDS"],
        resend_seconds=config["CONTEST_OTP_RESEND_SECONDS"], daily_limit=config["CONTEST_OTP_DAILY_LIMIT"],
    )


CODE_SENT = "验证码已发送到 {phone}，{minutes} 分钟内有效。"


def flash_code_sent(phone: str, code: str | None, message: str = CODE_SENT) -> None:
    """Say where the code went (``message`` with ``{phone}`` masked and ``{minutes}``) and, in
    demo mode, the code itself when one was sent."""
    minutes = -(-current_app.config["CONTEST_OTP_TTL_SECONDS"] // 60)
    flash(message.format(phone=mask_phone(phone), minutes=minutes), "success")
    if code is not None and current_app.config["CONTEST_DEMO_MODE"]:
        flash(f"演示模式：验证码是 {code}", "demo")
