"""Text messages for the inbox: a new :class:`Notification` that asks to be texted
(``text_to``, see :func:`contest.domain.notify.tell_entrant`) goes to the SMS gateway
**after its transaction commits**, when ``CONTEST_SMS_BACKEND=http``.

A transaction that rolls back sends nothing. A gateway failure, or a gateway left
unconfigured, is logged and changes nothing: the committed rows stand. The session
listeners (:data:`SESSION_LISTENERS`) are registered by :func:`contest.create_app`.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from contest.config import ConfigError
from contest.domain.privacy import mask_phone
from contest.models.notification import Notification
from contest.integrations.sms import SmsError, sender_from_config

log = logging.getLogger(__name__)

# session.info key of the text messages waiting for the commit: [(phone, message)].
_OUTBOX = "contest.integrations.sms_outbox"


def _texting() -> bool:
    return has_app_context() and current_app.config.get("CONTEST_SMS_BACKEND") == "http"


def _queue_new_notifications(session: Session, flush_context) -> None:
    if not _texting():
        return
    for obj in session.new:  # still the rows this flush inserted
        if isinstance(obj, Notification) and obj.text_to:
            session.info.setdefault(_OUTBOX, []).append((obj.text_to, obj.body))


def _send_after_commit(session: Session) -> None:
    queued = session.info.pop(_OUTBOX, ())
    if not queued or not has_app_context():
        return
    try:
        sender = sender_from_config(current_app.config)
    except ConfigError as exc:
        for phone, _ in queued:
            log.error("SMS not sent to %s: %s", mask_phone(phone), exc)
        return
    for phone, message in queued:
        try:
            sender.send(phone, message)
        except SmsError as exc:  # the gateway refused, failed or timed out (already logged)
            log.warning("notification SMS to %s failed: %s", mask_phone(phone), exc.message)


def _drop_after_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_OUTBOX, None)


# (event, listener) on every Session, registered by the factory.
SESSION_LISTENERS = (("after_flush", _queue_new_notifications), ("after_commit", _send_after_commit),
                     ("after_soft_rollback", _drop_after_rollback))
