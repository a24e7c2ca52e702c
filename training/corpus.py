"""Text for synthetic lines: words from jieba's and wordfreq's lists, generated numbers, dates, IDs.

Only sources allowed by ../shared/DATA-POLICY.md are used. Every sampler is deterministic given its
random generator.
"""
from __future__ import annotations

import importlib.util
import itertools
import os
import random
import re
import string
from functools import lru_cache

from ocr.charset import default_charset

from . import text_sources  # read at each draw, so a test may stand in a source

CATEGORIES = ("en", "num", "zh", "mixed")  # the evaluation set's categories (its hard lines cycle through them)
# Training only: letters drawn uniformly. Word lists give q, z, x, j about 0.1-0.2% of the letters, and v2
# stage 6 read q as a even in training faces ("quick" -> "auick"), and a q-like 9 as q.
CODES = "codes"
# Training only (the "photo" recipe): real text and the strings people photograph and screenshot.
PROSE, SOURCE, TECH, ZH_TEXT = "prose", "source", "tech", "zh_text"
ZH_DOCS = "zh_docs"  # real Chinese sentences (text_sources.chinese_documentation_lines)
ZH_LABELS = "zh_labels"  # real Chinese labels and messages (text_sources.chinese_label_lines)
EN_MESSAGES = "en_messages"  # real English messages (text_sources.english_message_lines)
ZH_DICTIONARY = "zh_dictionary"  # general written Chinese (text_sources.chinese_dictionary_lines)
# A browser's interface strings in each language (text_sources.browser_interface_lines)
EN_BROWSER, ZH_BROWSER = "en_browser", "zh_browser"
# A %-spec or {} field where a program puts a value
_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-+ #0]*\d*(?:\.\d+)?[sdrifxXge]|\{\w*(?:![rs])?(?::[^{}]*)?\}")
_ZH_PUNCTUATION = "，。、；：？！"
_EN_PUNCTUATION = ",.;:?!"
UNIFORM_HANZI = 0.08  # share of Chinese draws that are one character drawn uniformly (the rest: words by frequency)


@lru_cache(maxsize=2)
def chinese_words(power: float = 1.0) -> tuple[list[str], list[float]]:
    """jieba dictionary words made only of charset characters, with cumulative frequency**power weights.

    Lines draw by frequency, as text is written: the 500 commonest characters then make ~71% of the drawn ones
    (jieba's counts say ~74% of text), where sqrt(frequency) gave 53% and spread a small network over rare
    characters that real lines seldom hold. _chinese_phrase's uniform draws keep every character in training.
    """
    # Only jieba's data file is needed: importing the package would compile its code, whose invalid escape
    # sequences warn (an error under the tests' filterwarnings) wherever no bytecode was cached.
    package_dir = importlib.util.find_spec("jieba").submodule_search_locations[0]
    charset = default_charset()
    hanzi = set(charset.alphabet[95 + 12:])
    words, weights = [], []
    with open(os.path.join(package_dir, "dict.txt"), encoding="utf-8") as handle:
        for line in handle:
            word, frequency, _ = line.split(" ")
            if 1 <= len(word) <= 4 and all(char in hanzi for char in word):
                words.append(word)
                weights.append(int(frequency) ** power)
    return words, list(itertools.accumulate(weights))


@lru_cache(maxsize=1)
def chinese_characters() -> str:
    charset = default_charset()
    return charset.alphabet[95 + 12:]


@lru_cache(maxsize=1)
def english_words() -> list[str]:
    from wordfreq import top_n_list

    return [word for word in top_n_list("en", 30000) if word.isascii() and word.isalpha()]


class TextSampler:
    """Draws line texts of one category at a time from a seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sample(self, category: str) -> str:
        return getattr(self, f"_{category}")()

    # --- English -------------------------------------------------------------------------------
    def _english_word(self) -> str:
        words = english_words()
        # Mostly common words, with a long tail so rare letter combinations appear too.
        word = words[min(int(self.rng.paretovariate(0.6)) - 1, len(words) - 1)] if self.rng.random() < 0.6 \
            else self.rng.choice(words)
        style = self.rng.random()
        if style < 0.15:
            return word.upper()
        if style < 0.45:
            return word.capitalize()
        return word

    def _en(self) -> str:
        words = [self._english_word() for _ in range(self.rng.randint(1, 6))]
        text = " ".join(words)
        if self.rng.random() < 0.4:
            text += self.rng.choice(_EN_PUNCTUATION)
        if self.rng.random() < 0.15:
            text = f'"{text}"' if self.rng.random() < 0.5 else f"({text})"
        if self.rng.random() < 0.15:
            text = text.replace(" ", self.rng.choice([" - ", " & ", "'s ", "/"]), 1)
        return text

    # --- Numbers, dates, amounts, identifiers --------------------------------------------------
    def _num(self) -> str:
        rng = self.rng
        kind = rng.randrange(11)
        if kind == 0:
            return f"{rng.randint(1950, 2039)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if kind == 1:
            return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2039)}"
        if kind == 2:
            seconds = f":{rng.randint(0, 59):02d}" if rng.random() < 0.5 else ""
            return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}" + seconds
        if kind == 3:
            amount = rng.choice([rng.randint(0, 999), rng.randint(1000, 9_999_999)]) + rng.randint(0, 99) / 100
            prefix = rng.choice(["$", "", "USD ", "RMB ", "-", "+"])
            return f"{prefix}{amount:,.2f}"
        if kind == 4:
            return f"{rng.uniform(0, 100):.{rng.randint(0, 2)}f}%"
        if kind == 5:
            return rng.choice(["+86 ", "", "("]) + "".join(rng.choices(string.digits, k=3)) + \
                rng.choice(["-", " ", ") "]) + "".join(rng.choices(string.digits, k=4)) + "-" + \
                "".join(rng.choices(string.digits, k=4))
        if kind == 6:
            letters = "".join(rng.choices(string.ascii_uppercase, k=rng.randint(1, 4)))
            return f"{letters}-{rng.randint(0, 10 ** rng.randint(2, 7)):0{rng.randint(2, 6)}d}"
        if kind == 7:
            return "".join(rng.choices(string.digits, k=rng.randint(1, 18)))
        if kind == 8:
            return f"{rng.randint(1, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}"
        if kind == 9:
            return " ".join(str(rng.randint(0, 10 ** rng.randint(1, 5))) for _ in range(rng.randint(2, 4)))
        return f"{rng.uniform(-1000, 1000):.{rng.randint(1, 4)}f}" + rng.choice(["", " kg", " km", " ms", " MB", "x"])

    # --- Codes: serials, tickers, part numbers with every letter equally likely ---------------------
    def _codes(self) -> str:
        rng = self.rng
        # Without I, l and O, which many faces draw exactly like 1 and 0 (unreadable labels, not lessons).
        lower, upper = string.ascii_lowercase.replace("l", ""), string.ascii_uppercase.replace("I", "").replace("O", "")
        alphabet = rng.choice([lower + string.digits, upper + string.digits, lower + upper + string.digits, lower])
        groups = ["".join(rng.choices(alphabet, k=rng.randint(2, 6))) for _ in range(rng.randint(1, 3))]
        return rng.choice(["-", " ", "", "/", "."]).join(groups)

    # --- Real text: documentation prose and Python source, sometimes only part of a line ---------
    def _window(self, line: str) -> str:
        """A detector cuts long lines at wide gaps: sometimes keep only a run of words."""
        words = line.split(" ")
        if len(words) > 3 and self.rng.random() < 0.35:
            start = self.rng.randrange(len(words) - 1)
            line = " ".join(words[start:start + self.rng.randint(1, 6)])
        return line

    def _prose(self) -> str:
        return self._window(self.rng.choice(text_sources.documentation_lines()))

    def _source(self) -> str:
        return self._window(self.rng.choice(text_sources.python_source_lines()))

    def _en_messages(self) -> str:
        """A message as a program shows it: mostly with its placeholders filled (a name, a path, a number)."""
        line = self.rng.choice(text_sources.english_message_lines())
        if self.rng.random() < 0.3:
            return line
        return _PLACEHOLDER.sub(lambda spec: self._value(spec.group()), line)

    def _value(self, spec: str) -> str:
        if spec[-1] in "dixX" or self.rng.random() < 0.3:
            return str(self.rng.randint(0, 9999))
        value = self._identifier() if self.rng.random() < 0.6 else self._english_word()
        return repr(value) if spec[-1] == "r" or "!r" in spec else value

    def _en_browser(self) -> str:
        return self._window(self._filled_slots(self.rng.choice(text_sources.browser_interface_lines("en-US"))))

    def _zh_browser(self) -> str:
        return self._wrapped(self._filled_slots(self.rng.choice(text_sources.browser_interface_lines("zh-CN"))))

    def _filled_slots(self, line: str) -> str:
        """An interface string with what the browser puts in its slots: a count, a site, a name or a file."""
        def value(_) -> str:
            kind = self.rng.random()
            if kind < 0.35:
                return str(self.rng.choice([self.rng.randint(0, 9), self.rng.randint(10, 9999)]))
            if kind < 0.55:
                return f"{self._english_word().lower()}.{self.rng.choice(['com', 'org', 'cn', 'io', 'net'])}"
            if kind < 0.8:
                return " ".join(self._english_word().capitalize() for _ in range(self.rng.randint(1, 2)))
            return f"{self._identifier()}.{self.rng.choice(['pdf', 'png', 'zip', 'docx', 'csv'])}"
        return re.sub(r"\$1", value, line)

    def _zh_docs(self) -> str:
        return self._wrapped(self.rng.choice(text_sources.chinese_documentation_lines()))

    def _zh_labels(self) -> str:
        return self._wrapped(self.rng.choice(text_sources.chinese_label_lines()))

    def _zh_dictionary(self) -> str:
        return self._wrapped(self.rng.choice(text_sources.chinese_dictionary_lines()))

    def _wrapped(self, line: str) -> str:
        """A page wraps a long sentence and a detector splits it at wide gaps: mostly from a clause's start."""
        length = self.rng.randint(4, 24)
        if len(line) <= length:
            return line
        starts = [0] + [i + 1 for i, char in enumerate(line[:-length]) if char in "，。；：、,;:） "]
        start = self.rng.choice(starts) if self.rng.random() < 0.7 else self.rng.randrange(len(line) - length + 1)
        return line[start:start + length].strip()

    # --- Technical strings: paths, flags, URLs, versions, format specs, identifiers ------------------
    def _identifier(self) -> str:
        words = [self._english_word().lower() for _ in range(self.rng.randint(1, 3))]
        style = self.rng.randrange(4)
        if style == 0:
            return "_".join(words)
        if style == 1:
            return words[0] + "".join(word.capitalize() for word in words[1:])
        if style == 2:
            return "".join(word.capitalize() for word in words)
        return "-".join(words)

    def _tech(self) -> str:
        rng = self.rng
        kind = rng.randrange(10)
        if kind == 0:
            return "/" + "/".join(self._identifier() for _ in range(rng.randint(1, 4))) + \
                rng.choice(["", ".py", ".json", ".log", ".conf", "/", ".tar.gz", ".txt"])
        if kind == 1:
            flags = [rng.choice(["-", "--"]) + self._identifier() for _ in range(rng.randint(1, 3))]
            return rng.choice(["", "$ ", "# "]) + self._identifier() + " " + " ".join(flags)
        if kind == 2:
            host = ".".join(self._english_word().lower() for _ in range(rng.randint(1, 2)))
            return f"{rng.choice(['https://', 'http://', 'www.', ''])}{host}.{rng.choice(['com', 'org', 'cn', 'io'])}" \
                f"{rng.choice(['', '/', '/' + self._identifier(), '?id=' + str(rng.randint(1, 9999))])}"
        if kind == 3:
            return f"{self._identifier()}@{self._english_word().lower()}.{rng.choice(['com', 'cn', 'net'])}"
        if kind == 4:
            return f"v{rng.randint(0, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 99)}" + \
                rng.choice(["", "-beta", "-rc1", f" ({rng.randint(2015, 2030)}-{rng.randint(1, 12):02d})"])
        if kind == 5:
            spec = rng.choice(["%s", "%d", "%5.2f", "{}", "{0}", "{name}", "%(key)s", "%%", "\\n", "\\t"])
            return f"{self._english_word().capitalize()} {spec} {self._english_word()}" + rng.choice(["", ":", "."])
        if kind == 6:
            quote = rng.choice(['"', "'", "`", "“"])
            closing = "”" if quote == "“" else quote
            return f"{self._identifier()}={quote}{self._english_word()}{closing}" + rng.choice(["", ";", ","])
        if kind == 7:
            return f"{self._identifier()}({', '.join(self._identifier() for _ in range(rng.randint(0, 3)))})" + \
                rng.choice(["", ";", " {", ":"])
        if kind == 8:
            return rng.choice(["[", "<", "{", "|"]) + self._english_word().upper() + \
                rng.choice(["]", ">", "}", "|"]) + " " + self._en()
        return "0x" + "".join(rng.choices("0123456789abcdef", k=rng.randint(2, 12)))

    # --- Chinese -------------------------------------------------------------------------------
    def _chinese_phrase(self, max_chars: int) -> str:
        words, cumulative_weights = chinese_words()
        text = ""
        while len(text) < max_chars:
            word = self.rng.choices(words, cum_weights=cumulative_weights)[0] if self.rng.random() >= UNIFORM_HANZI \
                else self.rng.choice(chinese_characters())  # uniform draws cover rare characters
            text += word
            if self.rng.random() < 0.08 and len(text) < max_chars - 1:
                text += self.rng.choice(_ZH_PUNCTUATION)
        return text[:max_chars]

    def _zh(self) -> str:
        text = self._chinese_phrase(self.rng.randint(2, 14))
        roll = self.rng.random()
        if roll < 0.2:
            text += self.rng.choice("。！？")
        elif roll < 0.27:
            text = "“" + text + "”"
        elif roll < 0.34:
            opening, closing = self.rng.choice([("《", "》"), ("（", "）")])
            text = opening + text + closing
        return text

    def _zh_text(self) -> str:
        """UI-like Chinese with Latin words, numbers and punctuation of either width, as real text mixes them."""
        rng = self.rng
        full = rng.random() < 0.6
        comma, colon = ("，", "：") if full else (",", ":")
        opening, closing = rng.choice([("（", "）"), ("“", "”"), ("《", "》")]) if full else \
            rng.choice([("(", ")"), ('"', '"'), ("[", "]"), ("'", "'")])
        parts = [self._chinese_phrase(rng.randint(2, 8))]
        for _ in range(rng.randint(0, 2)):
            roll = rng.random()
            if roll < 0.3:
                parts.append(opening + (self._english_word() if rng.random() < 0.6 else self._num()) + closing)
            elif roll < 0.55:
                parts.append(rng.choice([" ", ""]) + rng.choice([self._num(), self._identifier(), self._english_word()]))
            elif roll < 0.75:
                parts.append(comma + self._chinese_phrase(rng.randint(2, 8)))
            else:
                parts.append(colon + rng.choice([self._num(), self._chinese_phrase(rng.randint(1, 6))]))
        text = "".join(parts)
        if rng.random() < 0.35:
            text += rng.choice(["。", "！", "？", ".", "!", "?", "…", "..."] if full else [".", "!", "?", "..."])
        return text

    # --- Mixed Chinese / English / numbers -----------------------------------------------------
    def _mixed(self) -> str:
        parts = []
        for _ in range(self.rng.randint(2, 4)):
            roll = self.rng.random()
            if roll < 0.5:
                parts.append(self._chinese_phrase(self.rng.randint(1, 6)))
            elif roll < 0.75:
                parts.append(self._num())
            else:
                parts.append(self._english_word())
        separator = self.rng.choice(["", " ", "：", ":", "，"])
        return separator.join(parts)
