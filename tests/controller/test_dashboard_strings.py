"""The console's text tables (`dashboard/static/*.js`): English and zh-CN name the same keys,
and every key a page names literally is in them. Read from the files; no browser needed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "dashboard" / "static"
LANGUAGES = ("en", "zh-CN")
TABLE_FILES = sorted(path for path in STATIC.glob("*.js") if '"zh-CN": {' in path.read_text())

STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([\w.-]+)["']""")
ATTRIBUTE_KEY = re.compile(r"""data-i18n(?:-placeholder|-title)?=["']([\w.-]+)["']""")


def object_keys(source: str, start: int) -> list[str]:
    """The top-level keys of the object literal whose `{` is at `source[start]`."""
    assert source[start] == "{"
    keys: list[str] = []
    depth, at = 0, start
    while True:
        char = source[at]
        if char == '"':
            literal = STRING.match(source, at)
            assert literal is not None, f"unterminated string at {at}"
            after = source[literal.end() :].lstrip()
            if depth == 1 and after.startswith(":"):
                keys.append(literal.group()[1:-1])
            at = literal.end()
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return keys
        at += 1


def tables(path: Path) -> dict[str, list[str]]:
    """Each language's keys in one file's `{en: {...}, "zh-CN": {...}}`."""
    source = path.read_text()
    found = {}
    for language in LANGUAGES:
        opener = re.search(rf'^\s*"?{re.escape(language)}"?: \{{', source, re.MULTILINE)
        assert opener is not None, f"{path.name} has no {language} table"
        found[language] = object_keys(source, opener.end() - 1)
    return found


def test_the_text_tables_are_found() -> None:
    assert {path.name for path in TABLE_FILES} >= {"i18n.js", "strings.js", "farm_strings.js"}


@pytest.mark.parametrize("path", TABLE_FILES, ids=lambda path: path.name)
def test_english_and_chinese_have_the_same_keys(path: Path) -> None:
    found = tables(path)
    english, chinese = found["en"], found["zh-CN"]
    assert len(english) == len(set(english)), f"a key repeats in {path.name}'s en table"
    assert len(chinese) == len(set(chinese)), f"a key repeats in {path.name}'s zh-CN table"
    assert sorted(set(english) - set(chinese)) == [], "English only"
    assert sorted(set(chinese) - set(english)) == [], "zh-CN only"


def test_every_key_a_page_names_is_in_the_tables() -> None:
    known = {key for path in TABLE_FILES for key in tables(path)["en"]}
    pages = [*STATIC.glob("*.js"), *STATIC.parent.glob("*.html")]
    named = {
        (page.name, key)
        for page in pages
        for pattern in (LITERAL_KEY, ATTRIBUTE_KEY)
        for key in pattern.findall(page.read_text())
    }
    assert sorted((page, key) for page, key in named if key not in known) == []
