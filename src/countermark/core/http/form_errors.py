"""A form its schema refuses, said on the page field by field in the reader's language.

The API lists pydantic's problems as they are (`core/http/errors.py`); a page names the field by the label
its form shows and says what is wrong from a template the catalogues translate, so that a French officer
reads « Gravité : indiquez au plus 2 » and not pydantic's English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from countermark.core.errors import Code, InvalidInput

DATE_ERRORS = frozenset(
    {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type", "date_future"}
)
NUMBER_ERRORS = frozenset({"float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"})
WHOLE_NUMBER_ERRORS = frozenset({"int_parsing", "int_type", "int_from_float", "int_parsing_size"})
CHOICE_ERRORS = frozenset({"literal_error", "enum"})


# Where FastAPI found a parameter: the first part of its problems' location, not a field of the form.
PARAMETER_PLACES = frozenset({"body", "query", "path", "header", "cookie"})


def form_error(exc: ValidationError, labels: Mapping[str, str]) -> InvalidInput:
    """The first problem of `exc` as an error a page translates: the field named by its label in `labels`
    (field name → the form's English label), or by its name when the form has no label for it."""
    return problem_error(exc.errors()[0], labels)


def request_error(problems: Sequence[Mapping[str, Any]]) -> InvalidInput:
    """The first problem FastAPI found in a page's request (a form field too long, a query parameter
    that is not a number) as an error a page translates, the field named by its label."""
    first = dict(problems[0]) if problems else {"type": "", "loc": ()}
    location = list(first.get("loc", ()))
    if location and location[0] in PARAMETER_PLACES:
        first["loc"] = tuple(location[1:])
    return problem_error(first, {})


def problem_error(error: Mapping[str, Any], labels: Mapping[str, str]) -> InvalidInput:
    """One pydantic problem as an error a page translates (see `form_error`)."""
    path = [str(part) for part in error.get("loc", ())]
    name = ".".join(path)
    if path and path[0] in labels:
        field = Code(labels[path[0]], labels[path[0]])  # the form's words in English too: pages only
    else:
        field = Code(path[-1] if path else name)  # shown by its label in the reader's language
    kind = str(error.get("type", ""))
    context: dict[str, Any] = error.get("ctx") or {}
    limit = context.get("ge", context.get("gt", context.get("le", context.get("lt"))))
    if kind == "value_error":
        # A validator's own reason: a page shows it translated when the catalogues have it.
        found = context.get("error")
        reason = str(found) if found is not None else str(error.get("msg", "")).removeprefix("Value error, ")
        if not path:
            return InvalidInput(reason)
        return InvalidInput.of("{field}: {reason}", field=field, reason=Code(reason, reason))
    if kind == "missing" or (kind == "string_too_short" and context.get("min_length") == 1):
        return InvalidInput.of("{field}: this value is required", field=field)
    if kind in WHOLE_NUMBER_ERRORS:
        return InvalidInput.of("{field}: give a whole number", field=field)
    if kind in NUMBER_ERRORS:
        return InvalidInput.of("{field}: give a number", field=field)
    if kind in DATE_ERRORS:
        return InvalidInput.of("{field}: give a date as YYYY-MM-DD", field=field)
    if kind == "greater_than_equal":
        return InvalidInput.of("{field}: give at least {limit}", field=field, limit=limit)
    if kind == "greater_than":
        return InvalidInput.of("{field}: give more than {limit}", field=field, limit=limit)
    if kind == "less_than_equal":
        return InvalidInput.of("{field}: give at most {limit}", field=field, limit=limit)
    if kind == "less_than":
        return InvalidInput.of("{field}: give less than {limit}", field=field, limit=limit)
    if kind == "string_too_long":
        return InvalidInput.of(
            "{field}: at most {limit} characters", field=field, limit=context.get("max_length")
        )
    if kind == "string_too_short":
        return InvalidInput.of(
            "{field}: at least {limit} characters", field=field, limit=context.get("min_length")
        )
    if kind in CHOICE_ERRORS:
        return InvalidInput.of("{field}: choose one of the values offered", field=field)
    if kind == "extra_forbidden":
        return InvalidInput.of("{field}: the form has no such field", field=field)
    return InvalidInput.of("{field}: this value is not valid", field=field)
