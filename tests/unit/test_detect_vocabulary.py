"""Replica, coded and piracy vocabulary in English, French, German, Spanish and Chinese, kept as data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from countermark.core.errors import InvalidInput
from countermark.detect.vocabulary import VOCAB_DIR, load_vocabulary

VOCABULARY = load_vocabulary()


def terms(text: str) -> set[tuple[str, str]]:
    return {(hit.group, hit.term) for hit in VOCABULARY.find(text)}


@pytest.mark.parametrize(
    ("text", "group", "term"),
    [
        ("Replica watch 1:1 mirror quality", "replica", "mirror quality"),
        ("Super fake sneakers, AAA grade", "replica", "super fake"),
        ("Montre réplique, qualité miroir", "replica", "réplique"),
        ("Uhr Replika in Spiegelqualität", "replica", "spiegelqualität"),
        ("Reloj réplica calidad espejo", "replica", "calidad espejo"),
        ("高仿 原单 手表", "replica", "高仿"),
        ("复刻版 运动鞋", "replica", "复刻"),
        ("UA batch sneakers", "coded", "batch"),
        ("IPTV 12 months, m3u playlist", "piracy", "iptv"),
        ("Windows activation key lifetime activation", "piracy", "lifetime activation"),
        ("Logiciel cracké version complète", "piracy", "version complète"),
        ("破解版 永久激活", "piracy", "破解版"),
    ],
)
def test_terms_are_found_in_each_language(text: str, group: str, term: str) -> None:
    assert (group, term) in terms(text)


@pytest.mark.parametrize(
    "text",
    [
        "Authentic, not a copy",
        "Authentique, pas une copie",
        "Auténtico, no es copia",
        "Original, keine Fälschung",
        "正品 不是高仿",
        "Copyright notice on the box",  # 'copy' inside a longer word is not the term
    ],
)
def test_denials_and_longer_words_are_not_admissions(text: str) -> None:
    assert terms(text) == set()


@pytest.mark.parametrize(
    ("text", "group", "term"),
    [
        # A negation is a word: the "no" inside "noir", "marino" or "casino" negates nothing.
        ("Montre Chronark, coloris noir. Copie 1:1", "replica", "1:1"),
        ("Montre Chronark noir qualité miroir", "replica", "qualité miroir"),
        ("Bolso azul marino usado", "sale", "usado"),
        ("Casino, copie", "replica", "copie"),
        # A Chinese negation negates the term it stands just before, not one further on.
        ("非官方,全国包邮,1:1", "replica", "1:1"),
    ],
)
def test_a_negation_is_a_whole_word_next_to_the_term(text: str, group: str, term: str) -> None:
    assert (group, term) in terms(text)


def test_every_language_file_has_every_group() -> None:
    languages = {json.loads(p.read_text(encoding="utf-8"))["language"] for p in VOCAB_DIR.glob("*.json")}
    assert languages == {"en", "fr", "de", "es", "zh"}


def test_an_edited_vocabulary_is_read_and_a_malformed_one_is_refused(tmp_path: Path) -> None:
    (tmp_path / "it.json").write_text(json.dumps({"language": "it", "replica": ["replica perfetta"]}))
    assert [h.term for h in load_vocabulary(tmp_path).find("Borsa replica perfetta")] == ["replica perfetta"]
    (tmp_path / "it.json").write_text(json.dumps({"language": "it", "replica": "not a list"}))
    with pytest.raises(InvalidInput, match=r"it\.json"):
        load_vocabulary(tmp_path)
