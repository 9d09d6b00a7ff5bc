"""Normalising Vietnamese names for matching (DOMAIN.md, "Matching Vietnamese names").

Stored names keep their spelling; these functions only derive comparison keys:

* `normalize_name`: NFC, look-alikes fixed (Ð U+00D0 → Đ, ð U+00F0 → đ), zero-width
  characters dropped, whitespace collapsed, case folded. Tone placement is left as written.
* `tone_key`: each syllable's tone mark moved to a digit at its end (VNI numbering: sắc 1,
  huyền 2, hỏi 3, ngã 4, nặng 5), so "hòa" and "hoà" are both "hoa2" and "thủy"/"thuỷ" are
  "thuy3"; the other marks (â ê ô ơ ư ă đ) stay, so "Hùng" and "Hưng" still differ.
  Working per mark instead of per spelling means "Hoàng" is never turned into "Hòang".
* `fold_key`: every mark dropped and đ folded to d ("Đào" → "dao"): lossy, for finding
  candidates and for queries typed without accents, never for display.

`unicodedata` does the decomposition; đ has no decomposition, so it is mapped explicitly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Characters that look like Đ/đ but are not (Icelandic eth, African D), typed by mistake.
_LOOK_ALIKES = {"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110"}
# Zero-width and invisible formatting characters that keyboards and copy-paste leave behind.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"[^\W_]+")

# Combining tone marks (NFD) -> VNI tone digit. U+0340/U+0341 are deprecated clones.
TONE_DIGITS: dict[str, str] = {
    "\u0301": "1",  # sắc
    "\u0341": "1",
    "\u0300": "2",  # huyền
    "\u0340": "2",
    "\u0309": "3",  # hỏi
    "\u0303": "4",  # ngã
    "\u0323": "5",  # nặng
}
_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


def normalize_name(text: str) -> str:
    """The name as compared: NFC, look-alikes fixed, invisibles dropped, spaces collapsed,
    case folded; tone placement and spelling unchanged."""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    for look_alike, letter in _LOOK_ALIKES.items():
        if look_alike in text:
            text = text.replace(look_alike, letter)
    return _SPACES.sub(" ", text).strip().casefold()


def name_tokens(text: str) -> list[str]:
    """The words of a normalised name (punctuation and apostrophes split words)."""
    return _TOKEN.findall(normalize_name(text))


@lru_cache(maxsize=1 << 16)
def syllable_tone_key(syllable: str) -> str:
    """One normalised syllable with its tone moved to a trailing digit ("hoà" → "hoa2")."""
    tone = ""
    kept = []
    for ch in unicodedata.normalize("NFD", syllable):
        digit = TONE_DIGITS.get(ch)
        if digit is None:
            kept.append(ch)
        elif not tone:
            tone = digit
    return unicodedata.normalize("NFC", "".join(kept)) + tone


def tone_key(text: str) -> str:
    """The tone-placement-independent key of a name ("Nguyễn Thị Thủy" → "nguyên4 thi5 thuy3")."""
    return " ".join(syllable_tone_key(t) for t in name_tokens(text))


@lru_cache(maxsize=1 << 16)
def fold_token(token: str) -> str:
    """A token with every mark dropped and đ → d (lossy)."""
    decomposed = unicodedata.normalize("NFD", token.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def fold_key(text: str) -> str:
    """The accent-folded key of a name ("Đặng Thị Hoà" → "dang thi hoa")."""
    return " ".join(fold_token(t) for t in name_tokens(text))


def has_marks(text: str) -> bool:
    """True when the text carries any Vietnamese mark (tone, hat, horn, breve or đ)."""
    return fold_key(text) != " ".join(name_tokens(text))


@dataclass(frozen=True, slots=True)
class NameKeys:
    """A name's comparison forms: tokens as tone keys and as folded keys, in order."""

    tone: tuple[str, ...]
    fold: tuple[str, ...]

    @property
    def tone_text(self) -> str:
        """Tone keys joined by spaces."""
        return " ".join(self.tone)

    @property
    def fold_text(self) -> str:
        """Folded keys joined by spaces."""
        return " ".join(self.fold)

    @property
    def marked(self) -> bool:
        """True when the name carries marks (so tones and hats can tell names apart)."""
        return self.tone_text != self.fold_text


@lru_cache(maxsize=1 << 14)
def name_keys(text: str) -> NameKeys:
    """Tone and folded keys of every word of a name."""
    tokens = name_tokens(text)
    return NameKeys(
        tuple(syllable_tone_key(t) for t in tokens), tuple(fold_token(t) for t in tokens)
    )
