"""JSON bodies declared once, as pydantic models: read (:func:`parse_body`), answered (:func:`answer`)
and documented (:func:`openapi_schemas`, :func:`operation`) from the same class.

Requests are :class:`Body` (strict: no ``"1"`` for 1, no ``null`` for a required string); a field's
Chinese message comes from its :class:`Says`, so a bad body answers ``{"error": "…"}`` with 400 as
the hand-written checks did. Responses are :class:`Out` (no field the model does not name). The
OpenAPI 3.0.3 schemas are pydantic's JSON Schema with ``$defs`` under ``components/schemas`` and
``anyOf [x, null]`` written as ``nullable``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar, get_args

from flask import jsonify
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema
from pydantic.json_schema import models_json_schema

from contest import clock
from contest.web import BadInput
from contest.web.json_body import json_object


@dataclass(frozen=True)
class Says:
    """The Chinese message for a bad field (``{name}`` is its name); ``missing`` when absent, ``null`` when
    ``null`` (both default to ``invalid``)."""
    invalid: str
    missing: str | None = None
    null: str | None = None


class Body(BaseModel):
    """A request body: strict; fields it does not name are ignored."""
    model_config = ConfigDict(strict=True, extra="ignore")


class Out(BaseModel):
    """A response body: exactly its fields."""
    model_config = ConfigDict(extra="forbid")


M = TypeVar("M", bound=Body)
TOO_LONG = "字段 {name} 太长（最多 {max_length} 个字符）。"
INSTANT_BAD = "字段 {name} 必须是 ISO 8601 时间字符串，例如 2020-06-25T10:30:00+08:00。"


def _instant(value: object) -> object:
    """An ISO 8601 string as an aware UTC instant; without an offset it is Beijing time."""
    if not isinstance(value, str) or len(value) > 40:
        return value  # the strict datetime refuses it
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    try:
        return (instant if instant.tzinfo else instant.replace(tzinfo=clock.BEIJING)).astimezone(clock.UTC)
    except OverflowError:  # year 1 or 9999 moved past the calendar's edge
        return value


# --- request field types ----------------------------------------------------------------

Text = Annotated[str, Says("字段 {name} 必须是字符串。")]
RequiredText = Annotated[str, Says("缺少字段 {name}（字符串）。")]
Flag = Annotated[bool, Says("字段 {name} 必须是 true 或 false。")]
InstantIn = Annotated[datetime, BeforeValidator(_instant), Says(
    INSTANT_BAD, missing="缺少字段 {name}（ISO 8601 时间字符串）。", null="缺少字段 {name}（ISO 8601 时间字符串）。"),
    Field(description="ISO 8601; without an offset it is Beijing time.")]


def Int(low: int, high: int, **field) -> Any:
    return Annotated[int, Field(ge=low, le=high, **field),
                     Says(f"字段 {{name}} 必须是 {low} 到 {high} 之间的整数。", missing="缺少字段 {name}（整数）。")]


def Note(max_length: int, **field) -> Any:
    """Optional text, stripped; empty is ``None``."""
    return Annotated[str | None, Field(max_length=max_length, **field),
                     AfterValidator(lambda s: s and s.strip() or None), Says("字段 {name} 必须是字符串。")]


# --- response field types ---------------------------------------------------------------

Instant = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time", "description":
                                         "ISO 8601 with the Beijing offset, e.g. 2020-06-18T00:00:00+08:00."})]
VideoId = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,20}$", "example": "6840000000000000001",
                                         "description": "A Douyin video id; ids exceed 2^53, so always a string."})]
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
Count = Annotated[int, Field(ge=0)]
Id = Annotated[int, Field(ge=1)]


class Error(Out):
    """An error, in Simplified Chinese."""
    error: str = Field(min_length=1, description="A message in Simplified Chinese.")


class Problem(Out):
    """A reason an entry cannot count, with a stable code and a Chinese message."""
    code: str
    message: str


# --- reading and answering ----------------------------------------------------------------

def parse_body(model: type[M]) -> M:
    """The request's JSON object (:func:`contest.web.json_body.json_object`: depth and NUL checks)
    validated by ``model``; :class:`BadInput` with the first bad field's Chinese message otherwise."""
    body = json_object()
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise BadInput(_message(model, exc.errors()[0], body)) from None


def _message(model: type[Body], error: dict, body: dict) -> str:
    if not error["loc"]:  # a model validator's ValueError: its text is the message
        return str(error["ctx"]["error"])
    name = str(error["loc"][0])
    if error["type"] == "string_too_long":
        return TOO_LONG.format(name=name, max_length=error["ctx"]["max_length"])
    field = model.model_fields[name]
    says = next((m for m in [*field.metadata, *_extras(field.annotation)] if isinstance(m, Says)),
                Says("字段 {name} 无效。"))
    if name not in body:
        return (says.missing or says.invalid).format(name=name)
    return (says.null if body[name] is None and says.null else says.invalid).format(name=name)


def _extras(annotation) -> list:
    """What ``Annotated`` adds inside ``annotation`` (e.g. ``Text | None``)."""
    return [m for arg in get_args(annotation) for m in ([arg, *_extras(arg)] if get_args(arg) else [arg])]


def answer(model: type[Out], code: int = 200, /, **fields):
    """``fields`` checked by ``model`` and answered as JSON with status ``code``."""
    return jsonify(model.model_validate(fields).model_dump(mode="json")), code


# --- OpenAPI 3.0.3 ---------------------------------------------------------------------------

def ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def openapi_schemas(models: list[type[BaseModel]]) -> dict:
    """``components/schemas`` for ``models`` and every model they use."""
    _, top = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    return {name: _openapi(schema) for name, schema in top["$defs"].items()}


def _openapi(schema: Any) -> Any:
    """JSON Schema (2020-12, pydantic's) as an OpenAPI 3.0 schema."""
    if isinstance(schema, list):
        return [_openapi(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {k: {n: _openapi(p) for n, p in v.items()} if k == "properties" else _openapi(v)
              for k, v in schema.items() if k not in ("title", "const")}
    options = schema.get("anyOf", [])
    if {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        schema.pop("anyOf")
        inner = rest[0] if len(rest) == 1 else {"anyOf": rest}
        if "$ref" in inner:
            inner = {"allOf": [inner]}
        if "enum" in inner:
            inner = {**inner, "enum": [*inner["enum"], None]}
        if schema.get("default", 0) is None:
            schema.pop("default")
        return {**inner, **schema, "nullable": True}
    if schema.get("default", 0) is None:
        schema.pop("default")
    return schema


def query(model: type[BaseModel]) -> list[dict]:
    """A model's fields as optional query parameters. What the views do with one
    (``contest.web.numbers``): an integer is ASCII digits in its range and an enum one of its values;
    anything else, an empty value included, answers 400. A free-text key given empty is as if left out."""
    params = []
    for name, schema in _openapi(model.model_json_schema())["properties"].items():
        schema = {k: v for k, v in schema.items() if k not in ("nullable", "description")}
        schema["enum"] = [v for v in schema.get("enum", []) if v is not None] or schema.pop("enum", None)
        schema = {k: v for k, v in schema.items() if v is not None}
        description = model.model_fields[name].description or ""
        if schema.get("type") == "integer" or "enum" in schema:
            description += " Anything else (an empty value, other digits such as `١٠`) answers 400."
        params.append({"name": name, "in": "query", "required": False, "schema": schema, "description": description})
    return params


def operation(view, answers: dict, *, tag: str, body=None, params=None, security=None) -> dict:
    """One operation, served by ``view`` (its id: the Flask endpoint; its docstring: the summary, a blank line, the
    description). ``answers`` maps a status to a model (its docstring describes it), an error's description (an
    :class:`Error` body) or ``(description, model)``."""
    summary, _, description = (view.__doc__ or view.__name__).strip().partition("\n")
    result = {"operationId": f"{view.__module__.split('.')[2]}.{view.__name__}", "summary": summary, "tags": [tag],
              "responses": {str(status): _answer(a) for status, a in answers.items()}}
    if description.strip():
        result["description"] = " ".join(description.split())
    if params:
        result["parameters"] = query(params)
    if body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    if security is not None:
        result["security"] = security
    return result


def _answer(answer) -> dict:
    description, model = answer if isinstance(answer, tuple) else (answer, Error) if isinstance(answer, str) else (
        answer.__doc__.strip(), answer)
    return {"description": description, "content": {"application/json": {"schema": ref(model)}}}


def with_path_ids(paths: dict, high: int) -> None:
    """Every path parameter (``{entry_id}``) is an id, 1 to ``high`` (a ``<int:…>`` route)."""
    for path, item in paths.items():
        for name in re.findall(r"{(\w+)}", path):
            for op in item.values():
                op["parameters"] = [{"name": name, "in": "path", "required": True,
                                     "description": f"The {name.removesuffix('_id')}'s id.",
                                     "schema": {"type": "integer", "minimum": 1, "maximum": high}},
                                    *op.get("parameters", [])]
