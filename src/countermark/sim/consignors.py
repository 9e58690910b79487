"""How senders' names and addresses come out on declarations: transliterated, misread, another unit."""

from __future__ import annotations

import random
import re

# Pinyin against older romanisations (Wade-Giles, Cantonese, postal) that declarations still carry.
_TRANSLITERATIONS = {
    "Zhang": ("Chang", "Cheung"),
    "Chen": ("Chan", "Ch'en"),
    "Huang": ("Wong", "Hwang"),
    "Zhao": ("Chao", "Chiu"),
    "Zhou": ("Chou", "Chow"),
    "Wu": ("Ng", "Woo"),
    "Liu": ("Lau", "Lew"),
    "Lin": ("Lam", "Ling"),
    "Guo": ("Kwok", "Kuo"),
    "Yang": ("Yeung", "Young"),
    "Li": ("Lee", "Lei"),
    "Wang": ("Wong", "Ong"),
    "Xin": ("Hsin", "Sin"),
    "Qiang": ("Chiang", "Keung"),
    "Jing": ("Ching", "King"),
    "Jun": ("Chun", "Tsun"),
    "Hui": ("Hwei", "Fai"),
    "Shenzhen": ("Shen Zhen", "Shumchun", "ShenZhen"),
    "Guangzhou": ("Canton", "Kwangchow", "Guang Zhou"),
    "Putian": ("Pu Tian", "Puthien"),
    "Yiwu": ("Yi Wu", "Iwu"),
    "Dongguan": ("Dong Guan", "Tungkun"),
}
# Characters an optical reader or a hurried clerk confuses.
_OCR = (
    ("O", "0"),
    ("0", "O"),
    ("l", "1"),
    ("I", "1"),
    ("S", "5"),
    ("B", "8"),
    ("rn", "m"),
    ("m", "rn"),
    ("cl", "d"),
    ("e", "c"),
    ("a", "o"),
    ("u", "v"),
)


def transliterate(rng: random.Random, text: str) -> str:
    """The same name in another romanisation (one word changed)."""
    words = [w for w in _TRANSLITERATIONS if re.search(rf"\b{w}\b", text, flags=re.IGNORECASE)]
    if not words:
        return text
    word = rng.choice(words)
    replacement = rng.choice(_TRANSLITERATIONS[word])
    pattern = re.compile(rf"\b{word}\b", flags=re.IGNORECASE)
    return pattern.sub(lambda m: replacement.upper() if m.group(0).isupper() else replacement, text, count=1)


def misread(rng: random.Random, text: str) -> str:
    """One or two characters misread, dropped or doubled, as optical reading or a typist leaves them."""
    out = text
    for _ in range(rng.choice([1, 1, 2])):
        roll = rng.random()
        options = [(a, b) for a, b in _OCR if a in out]
        if roll < 0.6 and options:
            a, b = rng.choice(options)
            starts = [m.start() for m in re.finditer(re.escape(a), out)]
            at = rng.choice(starts)
            out = out[:at] + b + out[at + len(a) :]
        elif len(out) > 6:
            at = rng.randrange(1, len(out) - 1)
            out = out[:at] + out[at + 1 :] if roll < 0.8 else out[:at] + out[at] + out[at:]
    return out


def written_name(rng: random.Random, name: str, noisy: float = 0.5) -> str:
    """A sender's name as typed on one declaration: usually as registered, sometimes altered."""
    if rng.random() >= noisy:
        return name
    if rng.random() < 0.5:
        changed = transliterate(rng, name)
        if changed != name:
            return changed
    return misread(rng, name)


def written_address(rng: random.Random, address: str, unit: float = 0.5, noisy: float = 0.15) -> str:
    """An address with, sometimes, a neighbouring unit, room or floor number, and sometimes misread."""
    out = address
    if rng.random() < unit:
        numbers = list(re.finditer(r"\b\d{1,4}\b", out))
        if numbers:
            chosen = rng.choice(numbers)
            value = int(chosen.group(0))
            moved = max(1, value + rng.choice([-3, -2, -1, 1, 2, 3, 10]))
            out = out[: chosen.start()] + str(moved) + out[chosen.end() :]
    if rng.random() < noisy:
        out = misread(rng, out)
    return out
