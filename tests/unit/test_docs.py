"""Documentation kept true by tests: the schema reference, the settings and the two commands."""

from __future__ import annotations

from pathlib import Path

from countermark.core.settings import settings_help
from countermark.ingest.docs import schema_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_ingest_reference_is_generated_from_the_schemas() -> None:
    committed = (ROOT / "docs" / "INGEST.md").read_text(encoding="utf-8")
    assert committed == schema_markdown(), "run: .venv/bin/countermark kinds --markdown > docs/INGEST.md"


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [variable for variable, _, _ in settings_help() if variable not in readme]
    assert not missing, f"README does not mention {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
