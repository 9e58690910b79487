"""Schemathesis over the whole OpenAPI document: no operation answers 5xx, and every response, errors
included, matches what the document says (issue "Hardening", item 8).

Bounded and deterministic: schemathesis's coverage cases of each operation (boundary values of every
parameter, each one invalid in turn) and a few derandomized generated examples, valid and invalid, against
the app on SQLite with a read+write+admin token of one organisation; no shrinking, no example database.
About two minutes on one core (most of it the coverage cases, some 3,000 requests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance

from countermark.core.context import AppContext
from countermark.web.app import create_app
from tests.api.conftest import Actors, make_actor

EXAMPLES_PER_MODE = 3
CHECKS = [not_a_server_error, response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

pytestmark = pytest.mark.slow


def _failure_lines(exc: BaseException) -> list[str]:
    """One line per check that failed (schemathesis raises a group when several do)."""
    group = getattr(exc, "exceptions", None)
    failures = list(group) if group else [exc]
    return [f"{type(f).__name__}: {' '.join(str(f).split())[:300]}" for f in failures]


def _explore(operation: Any, mode: GenerationMode, call: Callable[[Any], None]) -> bool:
    """Run `call` on the operation's generated cases; False when the mode cannot generate any."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        call(case)

    try:
        run()
    except Unsatisfiable:  # e.g. no invalid request exists for an operation without parameters
        return False
    return True


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_server_error_and_every_response_matches_the_openapi_document(store: AppContext) -> None:
    actors = Actors()
    make_actor(store, "customs", "DGDDI", "customs", "FR", actors)
    headers = actors.headers("customs")
    app = create_app(context=store)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    counts = {"operations": 0, "cases": 0}

    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation the document describes wrongly is a failure too
            failures.append(f"invalid operation: {result.err()}")
            continue
        operation = result.ok()
        counts["operations"] += 1

        def call(case: Any, label: str = operation.label) -> None:
            counts["cases"] += 1
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, BaseExceptionGroup) as exc:  # a failed check; a FailureGroup for several
                failures.extend(
                    f"{label} [{response.status_code}] {line}\n    {case.as_curl_command()[:400]}"
                    for line in _failure_lines(exc)
                )

        generation = schema.config.generation_for(operation=operation)
        for case in schema.iter_coverage_cases(
            operation, generation_modes=list(MODES), generation_config=generation
        ):
            call(case)
        for mode in MODES:
            _explore(operation, mode, call)

    assert counts["operations"] >= 80, counts
    assert not failures, f"{len(failures)} failure(s) in {counts['cases']} cases:\n" + "\n".join(failures)
