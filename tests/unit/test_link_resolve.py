"""Splink resolution on a small, made-up person list: trained weights, a probability and an explanation."""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]
import pytest

from countermark.link.resolve import Backend, Comparison, ResolutionModel, resolve

FIRST = ["anna", "bruno", "chen", "dmitri", "elena", "farid", "grace", "hugo", "ines", "jun", "karim", "lena"]
LAST = ["martin", "wong", "schmidt", "rossi", "garcia", "novak", "kowalski", "dubois", "silva", "tanaka"]
MODEL = ResolutionModel(
    comparisons=(
        Comparison("first", "jaro_winkler"),
        Comparison("last", "jaro_winkler"),
        Comparison("city", "exact"),
        Comparison("phone", "levenshtein"),
    ),
    blocking=(("last",), ("phone",)),
    training_blocks=(("city",), ("last",)),
    threshold=0.9,
)


def _name(rng: random.Random, pool: list[str]) -> str:
    return rng.choice(pool) + "".join(rng.choice("aeioulmnrst") for _ in range(3))


def _people() -> pd.DataFrame:
    rng = random.Random(3)
    rows = []
    for i in range(300):
        person = {
            "first": _name(rng, FIRST),
            "last": _name(rng, LAST),
            "city": rng.choice(["lyon", "lille", "paris", "nice"]),
            "phone": f"06{rng.randrange(10**8):08d}",
        }
        rows.append({"unique_id": f"p{i}-a", **person})
        if i % 3 == 0:
            slipped = dict(person, first=person["first"][:-1] + "x", phone=person["phone"][:-1] + "9")
            rows.append({"unique_id": f"p{i}-b", **slipped})
    return pd.DataFrame(rows)


def _check(backend: Backend) -> None:
    pairs = resolve([_people()], MODEL, backend=backend)
    found = {tuple(sorted((p.left, p.right))) for p in pairs}
    true = {(f"p{i}-a", f"p{i}-b") for i in range(0, 300, 3)}
    assert len(found & true) / len(true) > 0.9
    assert len(found - true) <= 0.05 * len(found)
    best = max(pairs, key=lambda p: p.probability)
    assert 0.9 <= best.probability <= 1.0
    # Every comparison explains every pair, and the explanation adds up: a pair's match weight is the
    # prior's weight (the same for every pair) plus its comparisons' weights, in bits.
    assert all(set(p.contributions) == {"first", "last", "city", "phone"} for p in pairs)
    priors = {round(p.match_weight - sum(p.contributions.values()), 1) for p in pairs}
    assert len(priors) == 1, priors
    assert best.contributions["phone"] > 0 and best.contributions["last"] > 0


def test_duckdb_finds_the_slipped_duplicates_and_explains_them() -> None:
    _check("duckdb")


@pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
    reason="the Spark backend needs pyspark and a Java runtime",
)
def test_the_same_model_on_spark_in_local_mode(tmp_path: Path) -> None:
    # In a process of its own: Spark loads Splink's similarity jar only when its JVM starts, and another
    # test's JVM (the targeting batch) may already be running in this one. Started in an empty folder,
    # which it must leave empty (no `spark-warehouse` where the user stands), and its scratch folders
    # (warehouse, checkpoints) must be gone from the temporary directory once the process has ended.
    repo = Path(__file__).resolve().parents[2]
    code = "from tests.unit.test_link_resolve import _check; _check('spark')"
    here, scratch = tmp_path / "here", tmp_path / "tmp"
    here.mkdir()
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(repo), "TMPDIR": str(scratch)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=here, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert not list(here.iterdir())
    assert not list(scratch.glob("countermark-*")), list(scratch.iterdir())
