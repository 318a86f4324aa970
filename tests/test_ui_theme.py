"""Colours and styles come from ``ocpp_studio/ui/common/theme.py`` only (issue 13): a widget
that writes its own hex colour cannot be restyled with the rest, and the same meaning ends
up in several shades. The check reads the string literals of every UI module (comments do
not count) and names each file, line and colour it finds outside theme.py."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import ocpp_studio.ui

UI = Path(ocpp_studio.ui.__file__).parent
THEME = UI / "common" / "theme.py"
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
#: the parts of a string a tokenizer gives: whole strings, and the text of f-strings (3.12)
STRING_TOKENS = {tokenize.STRING} | ({tokenize.FSTRING_MIDDLE}
                                    if hasattr(tokenize, "FSTRING_MIDDLE") else set())


def hex_colours(source: str) -> list[tuple[int, str]]:
    """(line, colour) of every hex colour written in a string literal of ``source``."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in STRING_TOKENS:
            for match in HEX_COLOUR.finditer(token.string):
                found.append((token.start[0], match.group(0)))
    return found


def test_the_check_sees_colours_in_strings_and_f_strings_but_not_comments_or_selectors():
    source = ('a = "color: #555;"  # #abcdef in a comment\n'
              'b = f"<span style=\'color:{c};\'>x</span> #1d5e2c"\n'
              'c = "#fileBanner { border: 1px; }"\n'
              'd = QColor("#ffffff80")\n')
    assert hex_colours(source) == [(1, "#555"), (2, "#1d5e2c"), (4, "#ffffff80")]


def test_no_hex_colour_outside_the_theme():
    offenders = []
    for path in sorted(UI.rglob("*.py")):
        if path == THEME:
            continue
        for line, colour in hex_colours(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(UI)}:{line}: {colour}")
    assert offenders == [], ("colours belong in ui/common/theme.py, under a name that says "
                             "what they are for:\n" + "\n".join(offenders))
