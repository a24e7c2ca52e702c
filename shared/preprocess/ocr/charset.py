"""The one owner of the alphabet: text normalisation, CTC encoding and decoding, the blank index.

The charset is GB2312 level-1 hanzi (3,755), printable ASCII and common Chinese punctuation.
Index 0 is the CTC blank; character ``i`` of the alphabet has class ``i + 1``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

BLANK = 0
CHINESE_PUNCTUATION = "，。、；：？！“”（）《》"
ASCII_PRINTABLE = "".join(chr(code) for code in range(0x20, 0x7F))

# Full-width forms that have a Chinese-punctuation meaning of their own stay full-width;
# every other full-width ASCII form (letters, digits, ％, ＋ ...) becomes its half-width twin.
_KEEP_FULL_WIDTH = frozenset("，；：？！（）")
_EXTRA_FOLDS = {
    "\u3000": " ",  # ideographic space
    "\u00a0": " ",  # no-break space
    "\u2018": "'",
    "\u2019": "'",
    "\u300c": "“",  # corner brackets read as quotes
    "\u300d": "”",
    "\uff0e": ".",
    "\u2014": "-",
    "\u2013": "-",
    "\u2026": "...",
}


def gb2312_level1_hanzi() -> str:
    """The 3,755 level-1 hanzi, decoded from GB2312 rows 0xB0-0xD7 (0xD7FA-0xD7FE are unassigned)."""
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            if high == 0xD7 and low > 0xF9:
                break
            chars.append(bytes([high, low]).decode("gb2312"))
    return "".join(chars)


def normalize_text(text: str) -> str:
    """Fold full-width/half-width variants so that training labels and model output agree."""
    folded = []
    for char in text:
        code = ord(char)
        if char in _EXTRA_FOLDS:
            folded.append(_EXTRA_FOLDS[char])
        elif 0xFF01 <= code <= 0xFF5E and char not in _KEEP_FULL_WIDTH:
            folded.append(chr(code - 0xFEE0))
        else:
            folded.append(char)
    return "".join(folded)


def normalize_for_scoring(text: str) -> str:
    """Comparison form: CJK fonts draw ASCII quotes curly, so quotes count as one character."""
    text = normalize_text(text)
    return text.replace("“", '"').replace("”", '"').strip()


@dataclass(frozen=True)
class Charset:
    """Maps characters to CTC classes and back."""

    alphabet: str

    def __post_init__(self) -> None:
        if len(set(self.alphabet)) != len(self.alphabet):
            raise ValueError("charset alphabet has duplicate characters")

    @property
    def num_classes(self) -> int:
        return len(self.alphabet) + 1  # + blank

    @property
    def _index(self) -> dict[str, int]:
        return _index_of(self.alphabet)

    def covers(self, text: str) -> bool:
        index = self._index
        return all(char in index for char in text)

    def encode(self, text: str) -> list[int]:
        """Class ids of ``text`` after normalisation. Raises ValueError on a character outside the charset."""
        index = self._index
        normalized = normalize_text(text)
        missing = sorted({char for char in normalized if char not in index})
        if missing:
            raise ValueError(f"characters outside the charset: {''.join(missing)!r}")
        return [index[char] for char in normalized]

    def decode_ids(self, ids) -> str:
        """Plain id -> text, no CTC collapsing (ids are classes, blank is skipped)."""
        return "".join(self.alphabet[i - 1] for i in ids if i != BLANK)


@lru_cache(maxsize=8)
def _index_of(alphabet: str) -> dict[str, int]:
    return {char: position + 1 for position, char in enumerate(alphabet)}


@lru_cache(maxsize=1)  # immutable, and asked for once per sampled training or evaluation text
def default_charset() -> Charset:
    return Charset(ASCII_PRINTABLE + CHINESE_PUNCTUATION + gb2312_level1_hanzi())
