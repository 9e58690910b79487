"""Mark mentions: exact, lookalikes that must match, and near words that must not."""

from __future__ import annotations

import random

import pytest
from pypinyin import lazy_pinyin

from countermark.detect.marks import MarkFinder, _pinyin_key, allowed_distance, phonetic_key, skeleton

FINDER = MarkFinder(
    {
        "Kelondo": ["Kelondo"],
        "Chronark": ["Chronark"],
        "Lunavelle": ["Lunavelle"],
        "Dermavelle": ["Dermavelle"],
        "Stridon": ["Stridon"],
        "Nike": ["Nike"],
    },
    aliases={"Kelondo": ["凯多"]},
)


def forms(text: str) -> set[tuple[str, str]]:
    return {(m.brand, m.form) for m in FINDER.find(text)}


@pytest.mark.parametrize(
    ("text", "brand", "form"),
    [
        ("Kelondo Eau Claire EDT 100ml", "Kelondo", "exact"),
        ("Parfum KELONDO neuf", "Kelondo", "exact"),
        ("Кelondo perfume (Cyrillic К)", "Kelondo", "homoglyph"),
        ("KΕLONDO Eau Claire (Greek Epsilon)", "Kelondo", "homoglyph"),
        ("Chr0nark Pilot Field 38", "Chronark", "leetspeak"),
        ("5tridon Apex Trail sneakers", "Stridon", "leetspeak"),
        ("Sac L U N A V E L L E doré", "Lunavelle", "spacing"),
        ("Montre Chr onark Heritage GMT", "Chronark", "spacing"),
        ("C-hronark Lumen Diver 42 绿色手表", "Chronark", "spacing"),
        ("全新未拆封 DermavelleClear Skin Toner", "Dermavelle", "spacing"),
        ("Keelondo Eau Claire EDT 100ml perfume", "Kelondo", "misspelling"),
        ("Zapatillas Stridn Apex", "Stridon", "misspelling"),
        ("Tasche Lunavele Heloise", "Lunavelle", "misspelling"),
        ("克罗纳克 Pilot Field 38 灰色手表", "Chronark", "transliteration"),
        ("德玛维尔 Hydra Serum 30ml", "Dermavelle", "transliteration"),
        ("凯多 Fleur Sauvage EDT 50ml 粉色香水", "Kelondo", "alias"),
    ],
)
def test_lookalike_spellings_of_a_mark_are_found(text: str, brand: str, form: str) -> None:
    assert (brand, form) in forms(text)


@pytest.mark.parametrize(
    "text",
    [
        "Strident red sneakers",  # two edits from Stridon: a word, not the mark
        "Chronograph watch, steel",
        "Like new lamp",  # 'like' is one edit from the short mark Nike: short marks allow no edit
        "Lunar velvet bag",
        "Dermatology serum 30ml",
        "Kelowna souvenir mug",
        "口袋 黑色护肤品 爆款",  # two pinyin consonants sound like too many words
        "Plain cotton t-shirt",
    ],
)
def test_near_words_are_not_taken_for_a_mark(text: str) -> None:
    assert FINDER.find(text) == []


def test_the_vowel_u_umlaut_is_no_consonant_in_a_transliterations_outline() -> None:
    finder = MarkFinder({"Orvessa": ["Orvessa"]})
    assert [m.form for m in finder.find("奥尔维萨 香水")] == ["transliteration"]  # ao-er-wei-sa
    # 绿色 (lǜsè, green) once read as l-w-s, Orvessa's outline: pypinyin writes ü as "v".
    assert finder.find("绿色手表 包邮") == []


def test_edit_distance_grows_with_the_marks_length() -> None:
    assert [allowed_distance(n) for n in (3, 4, 5, 8, 9, 12)] == [0, 0, 1, 1, 2, 2]


def test_skeleton_folds_homoglyphs_leetspeak_and_punctuation() -> None:
    assert skeleton("Кel0n-do") == skeleton("Kelondo")


def test_a_runs_key_read_by_character_is_the_segmented_readings_key() -> None:
    """The per-character outline (the fast path) gives lazy_pinyin's key on random runs and on runs of
    common characters, where pypinyin's phrases change readings (长 zhang, 长城 chang cheng)."""
    rng = random.Random(7)
    common = "的一是不了人我在有他这为大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着"
    common += "长城绿女行重乐"
    runs = ["长城", "长大", "银行", "重庆", "音乐", "绿色", "女儿"]
    runs += ["".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(rng.randint(2, 6))) for _ in range(3000)]
    runs += ["".join(rng.choice(common) for _ in range(rng.randint(2, 6))) for _ in range(3000)]
    for run in runs:
        assert _pinyin_key(run) == phonetic_key(lazy_pinyin(run, v_to_u=True)), run


def test_a_token_longer_than_any_mark_is_read_by_its_pieces_and_ends() -> None:
    finder = MarkFinder({"Dermavelle": ["Dermavelle"], "Kelondo": ["Kelondo"]})
    slug = "kelondo-ondine-eau-de-parfum-100ml-" + "x" * 80
    assert [(m.brand, m.form) for m in finder.find(slug)] == [("Kelondo", "exact")]
    glued = "DermavelleClear" + "serum" * 30
    assert [(m.brand, m.form) for m in finder.find(glued)] == [("Dermavelle", "spacing")]
    assert finder.find("https://shop.example/" + "dermavelle" * 20) == []
    # As in a short token, a disguised mark glued to the rest is found by its outline.
    assert [(m.brand, m.form) for m in finder.find("Kel0ndo" + "y" * 200)] == [("Kelondo", "spacing")]
