"""Numbers from requests, read by one set of rules wherever they come from.

A number is plain ASCII digits (no sign, space, underscore, exponent, nor another script's digits
such as ``١٠``, ``３`` or ``²``, which ``str.isdecimal`` and ``int()`` would take), or, in a JSON
body, an integer (never ``true``, ``1.0`` or ``"1"``), within the range the code allows. An id is
such a number from 1 to :data:`MAX_ID`, the largest an ``INTEGER`` column holds on PostgreSQL:
a larger one would make the database refuse the query (a 500), and SQLite cannot even bind a
number beyond 64 bits.

- In a route, ``<int:…>`` is :class:`IdConverter` (registered by ``create_app``): anything
  else is no route, a 404.
- In a query string, a form or a JSON body: :func:`parse_id` / :func:`parse_int` answer
  ``None`` for what is not one, and :func:`query_int` raises :class:`BadInput` (400) naming
  the parameter. WTForms fields take :class:`BoundedIntField` (or :class:`IdField`), never
  WTForms' ``IntegerField`` with ``NumberRange``: that one takes ``int()`` of any digits and
  then turns a 400-digit number into a float (``OverflowError``, a 500).
"""

from __future__ import annotations

import re

from flask import request
from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import IntegerField

from contest.web import BadInput

MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds (32 bits on PostgreSQL)
MAX_INT64 = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_SIGNED = re.compile(r"[+-]?[0-9]+", re.ASCII)
NOT_A_NUMBER = "请填写整数。"


def parse_int(value: object, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``value`` as an integer from ``low`` to ``high``: a string of ASCII digits, or a JSON
    integer; ``None`` for anything else (a bool, a float, a sign, other digits, too large)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        # Leading zeros aside, more digits than ``high`` has is out of range: no int() of a huge string.
        significant = value.lstrip("0") or "0"
        if not _DIGITS.fullmatch(value) or len(significant) > len(str(high)):
            return None
        value = int(significant)
    if not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def json_int(body: dict, name: str, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``body[name]`` when it is a JSON integer (not ``"1"``, ``1.0`` nor ``true``) from ``low`` to
    ``high``, else ``None``."""
    value = body.get(name)
    return None if isinstance(value, str) else parse_int(value, low=low, high=high)


def parse_id(value: object) -> int | None:
    """A row id (1 to :data:`MAX_ID`) from a string or a JSON integer, else ``None``."""
    return parse_int(value, low=1, high=MAX_ID)


def query_int(name: str, default: int | None = None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``?name=N``: ``default`` when absent; 400 when present but not an integer from ``low`` to
    ``high`` (an empty value included: the OpenAPI document declares integers)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    number = parse_int(raw, low=low, high=high)
    if number is None:
        raise BadInput(f"参数 {name} 必须是 {low} 到 {high} 之间的整数（阿拉伯数字）。")
    return number


def form_ids(name: str, *, limit: int) -> list[int]:
    """Every ``name`` value of the posted form as ids (at most ``limit`` of them); 400 for one
    that is not an id."""
    ids = []
    for value in request.form.getlist(name)[:limit]:
        number = parse_id(value)
        if number is None:
            raise BadInput(f"编号无效：{value[:20]}")
        ids.append(number)
    return ids


def _digits_up_to(limit: int) -> str:
    """A regular expression for the numbers 1 to ``limit`` in ASCII digits (leading zeros allowed)."""
    top = str(limit)
    shorter = [f"[1-9][0-9]{{0,{len(top) - 2}}}"] if len(top) > 1 else []
    same_length = []
    for i, digit in enumerate(top):
        low = "1" if i == 0 else "0"
        if digit > low:  # below the limit from this digit on: any digits after it
            same_length.append(f"{top[:i]}[{low}-{int(digit) - 1}][0-9]{{{len(top) - i - 1}}}")
    return f"0*(?:{'|'.join(shorter + same_length + [top])})"


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits from 1 to :data:`MAX_ID`, else no route (404).

    Werkzeug's own takes any script's digits (``\\d``) of any size, and checks the range only
    after the method, so a POST to a GET-and-POST path with a huge id would answer 405: here
    the pattern itself stops at :data:`MAX_ID`."""

    regex = _digits_up_to(MAX_ID)

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number


class BoundedIntField(IntegerField):
    """A form field holding an integer from ``low`` to ``high`` (:func:`parse_int`); an empty
    value is ``None`` (``InputRequired`` says what is missing). A whole number outside the range
    (``-1``, 400 digits) gets ``message``, anything else (``abc``, ``٣``, ``1.5``) ``not_a_number``
    (``message`` too unless given)."""

    def __init__(self, label=None, validators=None, *, low: int = 0, high: int = MAX_ID, message: str,
                 not_a_number: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.low, self.high, self.message, self.not_a_number = low, high, message, not_a_number or message

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        if not text:
            self.data = None
            return
        self.data = parse_int(text, low=self.low, high=self.high)
        if self.data is None:
            raise ValueError(self.message if _SIGNED.fullmatch(text) else self.not_a_number)


class IdField(BoundedIntField):
    """A form field holding a row id; anything else is a Chinese field error."""

    def __init__(self, label=None, validators=None, *, message: str = "编号无效。", **kwargs):
        super().__init__(label, validators, low=1, high=MAX_ID, message=message, **kwargs)
