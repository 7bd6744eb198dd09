"""Reading requests: the one parser for numbers and ids (path, query string, form, JSON) and the
one parser for JSON bodies. Bad input is a :class:`BadInput`: 400 with a Chinese message, as
JSON under ``/api/`` and as a page elsewhere (``contest.web.errors``), never a 500."""

from __future__ import annotations

from contest.domain.errors import DomainError


class BadInput(DomainError):
    """The request itself is malformed (a body, a parameter, a field): 400."""
