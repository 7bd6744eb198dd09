"""The request boundary: the one place a view runs a domain action and ends its transaction.

:func:`attempt` runs the action, commits on success, and on a :class:`DomainError` rolls back, discards the
evidence file stored for the action, and hands the refusal back (:class:`Outcome`) for the view to answer: a
page flashes it and redirects (:func:`flash_and_redirect`) or shows the form again; JSON views use :func:`commit`,
which lets the refusal reach the error handler (``{"error": …}`` with the error's status). Any other exception
rolls back, discards the file and propagates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from flask import flash, redirect

from contest import clock
from contest.domain.errors import DomainError
from contest.extensions import db
from contest.integrations.evidence import evidence_store

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What the action returned, or the rule that refused it (then ``value`` is None)."""

    value: T | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def attempt(action: Callable[[], T], *, reraise: tuple[type[DomainError], ...] = (),
            keep: tuple[type[DomainError], ...] = (), discard: Callable[[], None] | None = None) -> Outcome[T]:
    """Run ``action`` and commit: ``Outcome(value)``. A :class:`DomainError` (other than ``reraise``)
    rolls back, calls ``discard`` and comes back as ``Outcome(error=…)``; anything else rolls back,
    calls ``discard`` and propagates. A refusal of a ``keep`` type commits what the action wrote on
    its way (a counted wrong guess, a refreshed token) instead of rolling back."""
    try:
        value = action()
        db.session.commit()
    except DomainError as exc:
        if isinstance(exc, keep):
            db.session.commit()
            if discard is not None:
                discard()
        else:
            _undo(discard)
        if isinstance(exc, reraise):
            raise
        return Outcome(error=exc)
    except BaseException:
        _undo(discard)
        raise
    return Outcome(value=value)


def commit(action: Callable[[], T], *, discard: Callable[[], None] | None = None) -> T:
    """Run ``action`` and commit; on any exception roll back, call ``discard`` and let it propagate
    (a :class:`DomainError` reaches the error handler: JSON ``{"error"}`` under /api/, a page elsewhere)."""
    outcome = attempt(action, reraise=(DomainError,), discard=discard)
    return outcome.value  # type: ignore[return-value]


def attempt_with_evidence(upload, action: Callable[[str], T], **kwargs: Any) -> Outcome[T]:
    """Store ``upload`` (a Werkzeug file) as evidence, then ``attempt(action(path))``: a refused file or a
    refused action leaves no file behind. Without an upload: ``attempt(action(None))``."""
    if not upload:
        return attempt(lambda: action(None), **kwargs)
    store = evidence_store()
    try:
        path = store.save(upload.stream, filename=upload.filename, now=clock.now())
    except DomainError as exc:
        if isinstance(exc, kwargs.get("reraise", ())):
            raise
        return Outcome(error=exc)
    return attempt(lambda: action(path), discard=lambda: store.discard(path), **kwargs)


def flash_outcome(outcome: Outcome[T], success: str | Callable[[Any], str] | None = None) -> Outcome[T]:
    """Flash the refusal, or ``success`` (a message, or a function of the action's value)."""
    if outcome.error is not None:
        flash(outcome.error.message, "error")
    elif success is not None:
        flash(success(outcome.value) if callable(success) else success, "success")
    return outcome


def flash_and_redirect(outcome: Outcome, back: str, success: str | Callable[[Any], str] | None = None):
    """The page's answer: the refusal (or ``success``) flashed, then a redirect to ``back``."""
    flash_outcome(outcome, success)
    return redirect(back)


def _undo(discard: Callable[[], None] | None) -> None:
    db.session.rollback()
    if discard is not None:
        discard()
