"""Reasons as a code and its parameters, so that a page says them in the reader's language.

A reason is stored and returned as `{"code": ..., "params": {...}, "text": ...}`: `text` is the English
sentence (what the API and older rows carry), `code` names a message of a capability's `MESSAGES` (an
English template with `{name}` placeholders, also the catalogue's message id) and `params` fill it. The web
floor renders the code through the reader's catalogue (`web/reasons.py`); a stored reason without a code
(written before codes existed) is shown as its text.

A parameter is a string (shown as given: names, values, references), a number (formatted for the
language), a list (joined with "; "), or a small dict: `{"term": "consignor_address"}` (a word translated
through the catalogue, underscores as spaces), `{"feature": "hist_consignor_rate"}` (a model feature in
words) or a nested reason `{"code": ..., "params": ...}`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Reason = dict[str, Any]
Translate = Callable[[str], str]
Number = Callable[[float], str]

# Words an officer can put in a report, for the feature families the model reads.
FEATURE_WORDS = {
    "hist_": "past inspection results of",
    "seen_": "how often we have seen",
    "cat_": "declared",
    "value_per_kg": "declared value per kilogram against its HS code",
    "value_per_unit": "declared value per unit against its HS code",
    "mass_per_unit": "mass per unit against its HS code",
    "log_value": "declared value",
    "log_mass_kg": "declared mass",
    "log_quantity": "declared quantity",
    "tax_rate": "tax rate",
    "origin_not_departure": "origin differs from the country of departure",
    "description_": "goods description",
    "weekday": "day of declaration",
}

MESSAGES: dict[str, str] = {
    "targeting.model": "risk model: {features}",
    "targeting.model_alone": "risk model",
    "targeting.rule": "rule {rule}: {reason}",
    "targeting.intelligence": "{field} {value}: {why}",
    "targeting.party_confirmed": (
        "party to shipment {shipment}, confirmed infringing in case {case} ({outcome})"
    ),
    "targeting.identifier_confirmed": (
        "{kind} {value} is also on a record confirmed infringing in case {case} ({outcome})"
    ),
    "targeting.party_in_network": (
        "party to shipment {shipment}, in network {network} with a record confirmed infringing in case "
        "{case} ({outcome})"
    ),
    "targeting.identifier_in_network": (
        "{kind} {value} is also on a record of network {network}, confirmed infringing in case {case} "
        "({outcome})"
    ),
    "targeting.exploration": "chosen at random to check the model's blind spots",
}


def english_number(value: float) -> str:
    """A number as the English text has always shown it: thousands with commas, one decimal for floats."""
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def feature_words(name: str, translate: Translate = str) -> str:
    """A model feature's name in words ('hist_consignor_rate' → 'past inspection results of consignor')."""
    for prefix, words in FEATURE_WORDS.items():
        if name.startswith(prefix):
            if prefix not in ("hist_", "seen_", "cat_"):
                return translate(words)
            rest = name.removeprefix(prefix).removesuffix("_rate").removesuffix("_n")
            rest = rest.replace("_", " ").strip()
            return f"{translate(words)} {translate(rest) if rest else ''}".strip()
    return translate(name.replace("_", " "))


def render_reason(
    reason: Mapping[str, Any],
    messages: Mapping[str, str],
    *,
    translate: Translate = str,
    number: Number = english_number,
) -> str:
    """A coded reason in words: its template translated, then filled with its parameters rendered alike."""
    template = messages[str(reason["code"])]
    params = reason.get("params") or {}
    values = {key: _param(value, messages, translate, number) for key, value in params.items()}
    try:
        return translate(template).format(**values)
    except (KeyError, IndexError, ValueError):  # a broken translation must not hide the reason
        return template.format(**values)


def _param(value: Any, messages: Mapping[str, str], translate: Translate, number: Number) -> str:
    if isinstance(value, bool) or value is None:
        return str(value) if value is not None else ""
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, list | tuple):
        return "; ".join(_param(item, messages, translate, number) for item in value)
    if isinstance(value, dict):
        if "term" in value:
            return translate(str(value["term"]).replace("_", " "))
        if "feature" in value:
            return feature_words(str(value["feature"]), translate)
        if value.get("code") in messages:
            return render_reason(value, messages, translate=translate, number=number)
        return str(value.get("text", ""))
    return str(value)


def said(code: str, messages: Mapping[str, str] = MESSAGES, **params: Any) -> Reason:
    """A reason as stored: its code, its parameters and its English text."""
    reason: Reason = {"code": code, "params": params}
    reason["text"] = render_reason(reason, messages)
    return reason


def coded(code: str, **params: Any) -> Reason:
    """A nested reason (a parameter of another): its code and parameters, without the text."""
    return {"code": code, "params": params}
