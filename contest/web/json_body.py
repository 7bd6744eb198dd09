"""The one reader of JSON request bodies, for every JSON endpoint (public, citizen and staff API).

A body is refused with a 400 and a Chinese message, never a 500, when it is not JSON (or not
UTF-8), not an object, nested deeper than :data:`MAX_DEPTH` (1,000 ``[`` would exhaust Python's
recursion limit while parsing), or holds a string that cannot be stored: PostgreSQL text cannot
hold U+0000, and a lone surrogate (JSON's escape ``\\ud800``) has no UTF-8.
"""

from __future__ import annotations

import json
import re

from flask import request

from contest.web import BadInput

MAX_DEPTH = 32  # the bodies the API takes are two levels deep
NOT_AN_OBJECT = "请求体必须是 JSON 对象。"
TOO_DEEP = f"请求内容嵌套太深（最多 {MAX_DEPTH} 层）。"
UNSTORABLE = "请求内容含有无法保存的字符（U+0000 或不成对的代理字符）。"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")  # NaN and Infinity: Python's extension, not JSON


def json_object() -> dict:
    """The request's body as a JSON object, checked as above (:class:`BadInput` otherwise)."""
    if not request.is_json:
        raise BadInput(NOT_AN_OBJECT)
    try:
        body = json.loads(request.get_data(cache=True), parse_constant=_not_json)
    except RecursionError:
        raise BadInput(TOO_DEEP) from None
    except ValueError:  # UnicodeDecodeError included
        raise BadInput(NOT_AN_OBJECT) from None
    if not isinstance(body, dict):
        raise BadInput(NOT_AN_OBJECT)
    _check(body)
    return body


def _check(body: dict) -> None:
    """Depth and storable strings, walked without recursion (the body may be deep)."""
    pending = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BadInput(TOO_DEEP)
        if isinstance(value, dict):
            for key, item in value.items():
                if _UNSTORABLE.search(key):
                    raise BadInput(UNSTORABLE)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and _UNSTORABLE.search(value):
            raise BadInput(UNSTORABLE)

