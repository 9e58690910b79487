"""Analysts' rule profiles in a small, safe expression language, compiled to vectorised checks (never eval).

A rule is one expression over the declaration's fields, for example::

    transport_mode in ["post", "express"] and value_per_kg < 5 and startswith(hs6, "6109")

Allowed: field names, numbers, strings, true/false, lists of constants, `and`/`or`/`not`, comparisons
(`== != < <= > >= in`, `not in`), `+ - * /` between numbers, and the functions `startswith(field, "..")`,
`contains(field, "..")` and `missing(field)`. Anything else is rejected with the reason and its position.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.core.errors import Code, InvalidInput
from countermark.targeting.frames import (
    CATEGORY_COLUMNS,
    DATE,
    NUMBER_COLUMNS,
    PARTY_COLUMNS,
    TEXT_COLUMNS,
    declaration_columns,
)
from countermark.targeting.history import positions

MAX_LENGTH = 2000
MAX_NODES = 300
MAX_LIST = 500
MAX_STRING = 300
NUMBER_FIELDS = frozenset({*NUMBER_COLUMNS, "value_per_kg", "value_per_unit", "mass_per_unit"})
TEXT_FIELDS = frozenset({*PARTY_COLUMNS, *CATEGORY_COLUMNS, *TEXT_COLUMNS})
FIELDS = NUMBER_FIELDS | TEXT_FIELDS
LANES = ("red", "yellow")

Value = Any  # a numpy array (one value per declaration), or a constant
Columns = Mapping[str, np.ndarray]
Compiled = Callable[[Columns], Value]


class RuleError(InvalidInput):
    """A rule expression that is not allowed, with where and why."""


@dataclass(frozen=True)
class _Typed:
    run: Compiled
    kind: str  # "bool", "number", "text", "list"


_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


# What each kind of value of a rule is called in a refusal (English; a page translates it).
KIND_WORDS = {"bool": "condition", "number": "number", "text": "text", "list": "list"}


def _kind(kind: str) -> Code:
    return Code(kind, KIND_WORDS.get(kind, kind))


def _fail(node: ast.AST, reason: RuleError) -> RuleError:
    """The error of a part of a rule that is not allowed: where it is (when known) and why."""
    if hasattr(node, "col_offset"):
        column = getattr(node, "col_offset", 0) + 1
        return RuleError.of("rule not allowed (column {column}): {reason}", column=column, reason=reason)
    return RuleError.of("rule not allowed: {reason}", reason=reason)


def _field(columns: Columns, name: str) -> np.ndarray:
    if name in columns:
        return columns[name]
    numerator, denominator = {
        "value_per_kg": ("value", "mass_kg"),
        "value_per_unit": ("value", "quantity"),
        "mass_per_unit": ("mass_kg", "quantity"),
    }[name]
    below = columns[denominator]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: np.ndarray = np.where(below > 0, columns[numerator] / below, np.nan)
    return ratio


def _rows(columns: Columns) -> int:
    return len(columns[DATE])


def _as_bool(value: Value, columns: Columns) -> np.ndarray:
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value.astype(bool) if value.dtype == bool else np.asarray(value == True, dtype=bool)  # noqa: E712
    return np.full(_rows(columns), bool(value))


def _present(values: np.ndarray) -> np.ndarray:
    present: np.ndarray = ~pd.isna(values)
    return present


def _each(values: np.ndarray, test: Callable[[str], bool]) -> np.ndarray:
    """A text test applied once per distinct value (declarations repeat their codes and names)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    verdicts = np.asarray([test(str(v)) for v in uniques] + [False], dtype=bool)
    result: np.ndarray = verdicts[codes]  # the sentinel -1 picks the trailing False: missing text fails
    return result


class _Compiler:
    def __init__(self) -> None:
        self.nodes = 0

    def compile(self, node: ast.AST) -> _Typed:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _fail(node, RuleError.of("the rule is too long (more than {most} parts)", most=MAX_NODES))
        method = getattr(self, f"_{type(node).__name__.lower()}", None)
        if method is None:
            raise _fail(
                node, RuleError.of("{part} is not part of the rule language", part=type(node).__name__)
            )
        typed: _Typed = method(node)
        return typed

    def _boolop(self, node: ast.BoolOp) -> _Typed:
        parts = [self._boolean(v) for v in node.values]
        combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_

        def run(columns: Columns) -> Value:
            result = _as_bool(parts[0].run(columns), columns)
            for part in parts[1:]:
                result = combine(result, _as_bool(part.run(columns), columns))
            return result

        return _Typed(run, "bool")

    def _boolean(self, node: ast.AST) -> _Typed:
        typed = self.compile(node)
        if typed.kind != "bool":
            raise _fail(node, RuleError.of("expected a condition (a comparison, and/or/not, or a function)"))
        return typed

    def _unaryop(self, node: ast.UnaryOp) -> _Typed:
        if isinstance(node.op, ast.Not):
            inner = self._boolean(node.operand)
            return _Typed(lambda columns: ~_as_bool(inner.run(columns), columns), "bool")
        if isinstance(node.op, ast.USub):
            number = self.compile(node.operand)
            if number.kind != "number":
                raise _fail(node, RuleError.of("minus applies to numbers only"))
            return _Typed(lambda columns: -number.run(columns), "number")
        raise _fail(node, RuleError.of("only `not` and `-` may precede a value"))

    def _binop(self, node: ast.BinOp) -> _Typed:
        op = _ARITHMETIC.get(type(node.op))
        if op is None:
            raise _fail(node, RuleError.of("only + - * / are allowed between numbers"))
        left, right = self.compile(node.left), self.compile(node.right)
        if left.kind != "number" or right.kind != "number":
            raise _fail(node, RuleError.of("arithmetic applies to numbers only"))

        def run(columns: Columns) -> Value:
            with np.errstate(divide="ignore", invalid="ignore"):
                return op(left.run(columns), right.run(columns))

        return _Typed(run, "number")

    def _compare(self, node: ast.Compare) -> _Typed:
        checks = []
        left = self.compile(node.left)
        for op_node, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.compile(right_node)
            checks.append(self._comparison(node, op_node, left, right))
            left = right

        def run(columns: Columns) -> Value:
            result = _as_bool(checks[0](columns), columns)
            for check in checks[1:]:
                result = result & _as_bool(check(columns), columns)
            return result

        return _Typed(run, "bool")

    def _comparison(self, node: ast.AST, op_node: ast.cmpop, left: _Typed, right: _Typed) -> Compiled:
        if isinstance(op_node, ast.In | ast.NotIn):
            if right.kind != "list" or left.kind not in ("text", "number"):
                raise _fail(
                    node, RuleError.of("`in` needs a field on the left and a list of constants on the right")
                )
            negate = isinstance(op_node, ast.NotIn)

            def member(columns: Columns) -> Value:
                values, items = left.run(columns), right.run(columns)
                if isinstance(values, np.ndarray):
                    found: np.ndarray = positions(pd.Index(items, dtype=object), values) >= 0
                else:
                    found = np.asarray(values in items)
                return ~found if negate else found

            return member
        op = _COMPARE.get(type(op_node))
        if op is None:
            raise _fail(node, RuleError.of("this comparison is not allowed"))
        if left.kind != right.kind or left.kind not in ("text", "number"):
            raise _fail(
                node,
                RuleError.of(
                    "cannot compare {left} with {right}", left=_kind(left.kind), right=_kind(right.kind)
                ),
            )
        if left.kind == "text" and op not in (operator.eq, operator.ne):
            raise _fail(
                node, RuleError.of("text can only be compared with == or != (or use startswith/contains)")
            )

        def compare(columns: Columns) -> Value:
            a, b = left.run(columns), right.run(columns)
            result = op(a, b)
            # A missing value matches no condition, not even `!=`.
            for side in (a, b):
                if isinstance(side, np.ndarray):
                    result = result & _present(side)
            return result

        return compare

    def _name(self, node: ast.Name) -> _Typed:
        lowered = node.id.lower()
        if lowered in ("true", "false"):
            flag = lowered == "true"
            return _Typed(lambda columns: flag, "bool")
        if node.id not in FIELDS:
            raise _fail(
                node,
                RuleError.of(
                    "unknown field {name!r}; fields are {fields}",
                    name=node.id,
                    fields=", ".join(sorted(FIELDS)),
                ),
            )
        name = node.id
        return _Typed(lambda columns: _field(columns, name), "number" if name in NUMBER_FIELDS else "text")

    def _constant(self, node: ast.Constant) -> _Typed:
        value = node.value
        if isinstance(value, bool):
            return _Typed(lambda columns: value, "bool")
        if isinstance(value, int | float):
            if not np.isfinite(value) or abs(value) > 1e15:
                raise _fail(node, RuleError.of("numbers must be finite and below 1e15"))
            return _Typed(lambda columns: value, "number")
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                raise _fail(node, RuleError.of("strings are limited to {most} characters", most=MAX_STRING))
            return _Typed(lambda columns: value, "text")
        raise _fail(node, RuleError.of("constants of type {kind} are not allowed", kind=type(value).__name__))

    def _list(self, node: ast.List | ast.Tuple) -> _Typed:
        if len(node.elts) > MAX_LIST:
            raise _fail(node, RuleError.of("lists are limited to {most} items", most=MAX_LIST))
        items = []
        for element in node.elts:
            if not isinstance(element, ast.Constant) or not isinstance(element.value, str | int | float):
                raise _fail(element, RuleError.of("lists may hold only strings and numbers"))
            self.nodes += 1
            items.append(element.value)
        return _Typed(lambda columns: items, "list")

    _tuple = _list

    def _call(self, node: ast.Call) -> _Typed:
        if not isinstance(node.func, ast.Name) or node.func.id not in ("startswith", "contains", "missing"):
            raise _fail(
                node,
                RuleError.of("the functions are startswith(field, ..), contains(field, ..), missing(field)"),
            )
        if node.keywords:
            raise _fail(node, RuleError.of("functions take no keyword arguments"))
        function = node.func.id
        if not node.args or not isinstance(node.args[0], ast.Name):
            raise _fail(node, RuleError.of("{function} takes a field name first", function=function))
        target = self.compile(node.args[0])
        if function == "missing":
            if len(node.args) != 1:
                raise _fail(node, RuleError.of("missing takes exactly one field"))
            return _Typed(lambda columns: ~_present(np.asarray(target.run(columns))), "bool")
        if target.kind != "text":
            raise _fail(node, RuleError.of("{function} applies to text fields", function=function))
        words: list[str] = []
        for argument in node.args[1:]:
            typed = self.compile(argument)
            if typed.kind != "text" or not isinstance(argument, ast.Constant):
                raise _fail(
                    argument, RuleError.of("{function} takes strings after the field", function=function)
                )
            words.append(str(argument.value))
        if not words:
            raise _fail(node, RuleError.of("{function} needs at least one string", function=function))
        if function == "startswith":
            prefixes = tuple(words)
            return _Typed(
                lambda columns: _each(target.run(columns), lambda v: v.startswith(prefixes)), "bool"
            )
        lowered = [w.casefold() for w in words]

        def contains(columns: Columns) -> Value:
            return _each(target.run(columns), lambda v: any(word in v.casefold() for word in lowered))

        return _Typed(contains, "bool")


def compile_expression(text: str) -> Callable[[pd.DataFrame | Columns], np.ndarray]:
    """A checked rule expression as a function from canonical declarations to a boolean array."""
    typed = _compiled(text) if isinstance(text, str) else _compiled("")

    def evaluate(declarations: pd.DataFrame | Columns) -> np.ndarray:
        columns = (
            declaration_columns(declarations) if isinstance(declarations, pd.DataFrame) else declarations
        )
        return _as_bool(typed.run(columns), columns)

    return evaluate


@functools.lru_cache(maxsize=512)
def _compiled(text: str) -> _Typed:
    """The checked expression tree of a rule (cached: rules are applied far more often than written)."""
    if not isinstance(text, str) or not text.strip():
        raise RuleError.of("a rule expression is required")
    if len(text) > MAX_LENGTH:
        raise RuleError.of("a rule expression is limited to {most} characters", most=MAX_LENGTH)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleError.of(
            "rule syntax error at column {column}: {reason}", column=exc.offset or 0, reason=exc.msg
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise RuleError.of("the rule expression is nested too deeply or malformed") from None
    try:
        typed = _Compiler().compile(tree.body)
    except RecursionError:
        raise RuleError.of("the rule expression is nested too deeply") from None
    if typed.kind != "bool":
        raise RuleError.of("a rule must be a condition, e.g. value_per_kg < 5 and transport_mode == 'post'")
    return typed


@dataclass(frozen=True)
class Rule:
    """A rule profile ready to apply: the checked expression and what it tells the officer."""

    name: str
    expression: str
    reason: str
    instruction: str
    lane: str = "red"
    weight: float = 0.5

    def __post_init__(self) -> None:
        if not self.name.strip() or not self.reason.strip() or not self.instruction.strip():
            raise RuleError.of("a rule needs a name, a reason and an instruction for the officer")
        if self.lane not in LANES:
            raise RuleError.of(
                "a rule's lane is one of {lanes}, not {lane!r}", lanes=", ".join(LANES), lane=self.lane
            )
        if not 0.0 < self.weight <= 1.0:
            raise RuleError.of("a rule's weight is above 0 and at most 1")
        compile_expression(self.expression)


def rule_masks(rules: Sequence[Rule], declarations: pd.DataFrame | Columns) -> list[np.ndarray]:
    """Which declarations each rule selects, one boolean array per rule."""
    return [compile_expression(rule.expression)(declarations) for rule in rules]


def rule_score(rules: Sequence[Rule], masks: Sequence[np.ndarray], rows: int) -> np.ndarray:
    """Noisy-or of the weights of the rules that hit each declaration."""
    miss = np.ones(rows)
    for rule, mask in zip(rules, masks, strict=True):
        miss = np.where(mask, miss * (1.0 - rule.weight), miss)
    score: np.ndarray = 1.0 - miss
    return score


def rule_hits(rules: Sequence[Rule], masks: Sequence[np.ndarray], rows: int) -> list[list[dict[str, Any]]]:
    """For each declaration, the rules that hit it with their reason, instruction and lane."""
    hits: list[list[dict[str, Any]]] = [[] for _ in range(rows)]
    for rule, mask in zip(rules, masks, strict=True):
        for position in np.flatnonzero(mask):
            hits[position].append(
                {"rule": rule.name, "reason": rule.reason, "instruction": rule.instruction, "lane": rule.lane}
            )
    return hits


def apply_rules(
    rules: Sequence[Rule], declarations: pd.DataFrame | Columns
) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
    """Noisy-or rule score per declaration and, for each, the rules that hit with reason and instruction."""
    masks = rule_masks(rules, declarations)
    rows = len(declarations) if isinstance(declarations, pd.DataFrame) else _rows(declarations)
    return rule_score(rules, masks, rows), rule_hits(rules, masks, rows)
