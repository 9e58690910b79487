"""The rule language accepts analysts' conditions and rejects hostile or malformed input with a reason."""

from __future__ import annotations

import numpy as np
import pytest

from countermark.targeting.frames import declaration_frame, declaration_row
from countermark.targeting.rules import Rule, RuleError, apply_rules, compile_expression

FRAME = declaration_frame(
    [
        declaration_row(
            {
                "declared_on": "2024-01-01",
                "transport_mode": "post",
                "hs_code": "610910",
                "declared_value": 3,
                "currency": "EUR",
                "gross_mass_kg": 1,
                "description": "Gift",
                "consignor_name": "Bright Co.",
            },
            key="a",
        ),
        declaration_row(
            {
                "declared_on": "2024-01-01",
                "transport_mode": "sea",
                "hs_code": "940360",
                "declared_value": 3000,
                "currency": "EUR",
                "gross_mass_kg": 10,
            },
            key="b",
        ),
    ]
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("transport_mode in ['post', 'express'] and value_per_kg < 5", [True, False]),
        ("startswith(hs6, '61', '62')", [True, False]),
        ("contains(description, 'GIFT')", [True, False]),
        ("missing(description)", [False, True]),
        ("not missing(consignor) or value > 1000", [True, True]),
        ("value * 2 >= 6000", [False, True]),
        ("consignor != 'bright co'", [False, False]),  # a missing value matches no condition
        ("1 < value < 10", [True, False]),
    ],
)
def test_rule_expressions_select_the_right_declarations(expression: str, expected: list[bool]) -> None:
    assert compile_expression(expression)(FRAME).tolist() == expected


@pytest.mark.parametrize(
    ("hostile", "reason"),
    [
        ("__import__('os').system('rm -rf /')", "functions are"),
        ("().__class__.__bases__[0].__subclasses__()", "functions are"),
        ("value ** 999999999", "allowed between numbers"),
        ("[x for x in range(10**9)]", "not part of the rule language"),
        ("lambda: 1", "not part of the rule language"),
        ("open('/etc/passwd')", "functions are"),
        ("secret_field == 1", "unknown field"),
        ("value > 'ten'", "cannot compare"),
        ("importer > 'a'", "text can only be compared"),
        ("value", "must be a condition"),
        ("value ==", "syntax error"),
        ("(" * 300 + "value > 1" + ")" * 300, "nested"),
        ("value > 1 and " * 400 + "value > 1", "limited to"),
        ("value > 1e999", "finite"),
        ("value.real > 1", "not part of the rule language"),
        ("quantity in [" + ",".join(["1"] * 501) + "]", "limited to 500"),
        ("startswith(hs6, hs6)", "takes strings"),
        ("", "required"),
    ],
)
def test_hostile_or_malformed_rules_are_rejected_with_a_reason(hostile: str, reason: str) -> None:
    with pytest.raises(RuleError, match=reason):
        compile_expression(hostile)


def test_rule_needs_reason_instruction_and_a_valid_lane() -> None:
    with pytest.raises(RuleError, match="reason"):
        Rule("r", "value > 1", "", "open it")
    with pytest.raises(RuleError, match="lane"):
        Rule("r", "value > 1", "why", "open it", lane="purple")


def test_rule_hits_carry_reason_and_instruction_and_raise_the_score() -> None:
    rule = Rule(
        "cheap post",
        "transport_mode == 'post' and value < 10",
        "undervalued parcel",
        "open and weigh",
        weight=0.4,
    )
    score, hits = apply_rules([rule], FRAME)
    np.testing.assert_allclose(score, [0.4, 0.0])
    assert hits[0] == [
        {"rule": "cheap post", "reason": "undervalued parcel", "instruction": "open and weigh", "lane": "red"}
    ]
    assert hits[1] == []
