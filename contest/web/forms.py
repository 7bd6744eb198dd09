"""The base of the site's forms: Flask-WTF's ``FlaskForm``, reading only what an HTML form posts."""

from __future__ import annotations

from typing import Callable, TypeVar

from flask import request
from flask_wtf import FlaskForm as _FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.validators import ValidationError

from contest.domain.errors import DomainError

T = TypeVar("T")
_AUTO = object()
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FlaskForm(_FlaskForm):
    """Flask-WTF's form, except for where the data comes from.

    Flask-WTF hands a field an uploaded file posted under its name, or a JSON body's values
    (lists, objects, numbers), and the field passes them on to the rules as if they had been
    typed: a non-string where a string is expected, and a 500. Here only file fields see uploads
    and a JSON body is no form at all (its fields are then missing, and say so).
    """

    def __init__(self, formdata=_AUTO, **kwargs):
        super().__init__(formdata=_posted(type(self)) if formdata is _AUTO else formdata, **kwargs)


def _posted(form_class) -> MultiDict | None:
    if request.method not in SUBMIT_METHODS:
        return None
    file_fields = {name for name, unbound in form_class._unbound_fields
                   if issubclass(unbound.field_class, FileField)}
    files = MultiDict([(name, f) for name in file_fields for f in request.files.getlist(name)])
    if files:
        return CombinedMultiDict((files, request.form))
    return request.form or None


def checked(check: Callable[[], T]) -> T:
    """What ``check()`` returns; a rule's refusal (:class:`DomainError`) as the field's ``ValidationError``.
    For a form's ``validate_<field>``: ``field.data = checked(lambda: normalise_phone(field.data))``."""
    try:
        return check()
    except DomainError as exc:
        raise ValidationError(exc.message) from exc
