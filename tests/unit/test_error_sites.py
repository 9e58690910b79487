"""Every refusal the product raises can be shown in the reader's language (issue 18).

A `CountermarkError` (or a subclass) reaches people: the API sends its English message, a page shows it
translated (`core/http/error_text.py`). So each raise site either names a literal message the FR and ZH
catalogues hold, or builds it with `.of(template, **values)` (whose templates `test_error_text.py`
checks); a message assembled in an f-string or by concatenation can never be translated and fails here.
Internal tooling (the synthetic world, the evaluation, the migrations) is not shown to users, nor are the
refusals listed in `OPERATOR_ONLY` (module, or module::function), each with its reason.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from countermark.core.http.templating import TRANSLATIONS_DIR

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "src" / "countermark"
INTERNAL = ("sim", "eval", "migrations")
# Refusals only an operator meets, at the command line or in the server's log: each says why.
OPERATOR_ONLY = {
    "codes/keys.py": "signing-key files, read by the command line and at start-up",
    "ledger/checkpoint.py": "signed notes and checkpoints, checked by `ledger verify` and `checkpoint`",
    "ledger/keys.py": "the log's signing key files (`ledger keygen`)",
    "ledger/package.py": "evidence packages, written and verified by the command line",
    "ledger/package_service.py": "evidence packages, written by the command line and the demo",
    "ledger/entries.py": "invariants of the log's own entries",
    "fingerprint/index.py": "the server's index files and bench settings (a failed load is logged, rebuilt)",
    "fingerprint/descriptors.py": "the server's descriptor index file (a failed load is logged, rebuilt)",
    "codes/signed.py::sign_code": "a key id the product itself made",
    "ledger/service.py::sign_checkpoint": "an invariant of the stored log, met by `ledger checkpoint`",
    "orgs/service.py::get_organisation_by_name_or_raise": "organisations named at the command line",
    "share/psi_api.py::work": "the private set intersection protocol between two instances",
}
BASE_ERRORS = {"CountermarkError", "InvalidInput", "Forbidden", "Conflict", "NotFound"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if path.relative_to(PACKAGE_DIR).parts[0] not in INTERNAL
    ]


def _error_classes(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    """The names of `CountermarkError` and of every class of the code base derived from it."""
    names = set(BASE_ERRORS)
    classes = [node for _, tree in modules for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for node in classes:
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
            if node.name not in names and bases & names:
                names.add(node.name)
                grew = True
    return names


def _innermost_functions(tree: ast.Module) -> dict[int, str]:
    """id(node) -> the name of the innermost function holding it, in one walk of the tree."""
    holder: dict[int, str] = {}

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            holder[id(child)] = inner
            visit(child, inner)

    visit(tree, "")
    return holder


@functools.cache
def _raise_sites() -> tuple[tuple[str, ast.expr | None], ...]:
    """(where, first argument) of every `raise <Error>(message, ...)` of a product error class; None for
    `raise <Error>.of(template, ...)`. Walked once per process."""
    modules = _modules()
    errors = _error_classes(modules)
    sites: list[tuple[str, ast.expr | None]] = []
    for path, tree in modules:
        module = str(path.relative_to(PACKAGE_DIR))
        if module in OPERATOR_ONLY:
            continue
        function = _innermost_functions(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            if f"{module}::{function.get(id(node), '')}" in OPERATOR_ONLY:
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "of" and isinstance(func, ast.Attribute):  # `Error.of(template, ...)`: a template
                owner = func.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if name in errors and node.exc.args:
                    sites.append((f"{module}:{node.lineno}", None))
            elif name in errors and node.exc.args:
                sites.append((f"{module}:{node.lineno}", node.exc.args[0]))
    return tuple(sites)


def test_no_product_error_is_raised_with_a_message_built_in_code() -> None:
    sites = _raise_sites()
    assert len(sites) > 300  # the walk finds the raise sites
    built = [
        where
        for where, first in sites
        if first is not None and not isinstance(first, ast.Constant | ast.Name)
    ]
    assert not built, f"{len(built)} errors raised with a built message (use `.of`): {built[:10]}"


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_every_literal_error_message_is_in_the_catalogue(locale: str) -> None:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated = {m.id for m in catalog if isinstance(m.id, str) and m.string and not m.fuzzy}
    missing = sorted(
        {
            f"{where}: {first.value!r}"
            for where, first in _raise_sites()
            if isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and first.value not in translated
        }
    )
    assert not missing, f"{len(missing)} error messages missing from the {locale} catalogue: {missing[:10]}"
