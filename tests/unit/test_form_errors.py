"""A form refused by its schema names the field by its label and says why in the reader's language (#18)."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError, model_validator

from countermark.core.http.error_text import error_text
from countermark.core.http.form_errors import form_error

LABELS = {"inspected_on": "Inspected on", "severity": "Severity", "lane": "Lane", "notes": "Notes"}


class Entry(BaseModel):
    inspected_on: date
    severity: int = Field(default=0, ge=0, le=2)
    lane: Literal["red", "yellow"] = "red"
    notes: str = Field(default="", max_length=5)
    found: bool = False

    @model_validator(mode="after")
    def _severity_needs_finding(self) -> Entry:
        if self.severity > 0 and not self.found:
            raise ValueError("a severity above 0 needs found = true")
        return self


def _refusal(**fields: object) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        Entry.model_validate({"inspected_on": "2025-03-12", **fields})
    return refused.value


@pytest.mark.parametrize(
    ("fields", "english", "french"),
    [
        (
            {"inspected_on": None},
            "Inspected on: give a date as YYYY-MM-DD",
            "Contrôlé le : indiquez une date",
        ),
        ({"severity": 3, "found": True}, "Severity: give at most 2", "Gravité : indiquez au plus 2"),
        ({"severity": "x"}, "Severity: give a whole number", "Gravité : indiquez un nombre entier"),
        (
            {"lane": "blue"},
            "Lane: choose one of the values offered",
            "Circuit : choisissez l’une des valeurs",
        ),
        ({"notes": "too long"}, "Notes: at most 5 characters", "Notes : au plus 5 caractères"),
        ({"severity": 1}, "a severity above 0 needs found = true", "une gravité supérieure à 0 demande"),
        # A field the form does not label is named by its label in the reader's language.
        ({"found": "maybe"}, "found: this value is not valid", "Constaté : cette valeur n’est pas"),
    ],
)
def test_the_first_problem_names_the_field_by_its_label(
    fields: dict[str, object], english: str, french: str
) -> None:
    error = form_error(_refusal(**fields), LABELS)
    assert error.status == 422 and error.message == english
    assert error_text(error, "fr").startswith(french)
    assert error_text(error, "zh") != english


def test_a_page_request_fastapi_refuses_names_the_field_without_its_place() -> None:
    from countermark.core.http.form_errors import request_error

    problems = [{"type": "string_too_long", "loc": ("body", "title"), "msg": "…", "ctx": {"max_length": 200}}]
    error = request_error(problems)
    assert error.message == "title: at most 200 characters"
    assert error_text(error, "fr") == "titre : au plus 200 caractères"
