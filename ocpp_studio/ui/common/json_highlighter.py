"""Syntax colours for JSON text: keys, strings, numbers and literals.

Works on the pretty-printed text (one token per line mostly) and on raw
one-line frames alike; text that is not JSON is simply left mostly plain.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from . import theme

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(?P<key>\s*:)?'
                    r'|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
                    r'|(?P<literal>\btrue\b|\bfalse\b|\bnull\b)')

COLOURS = theme.JSON_COLOURS  # keys are also bold


def _format(colour: str, bold: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    return fmt


class JsonHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.formats = {
            "key": _format(COLOURS["key"], bold=True),
            "string": _format(COLOURS["string"]),
            "number": _format(COLOURS["number"]),
            "literal": _format(COLOURS["literal"], bold=True),
        }

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        if len(text) > 20_000:  # a huge one-line frame: colouring it is not worth the time
            return
        for match in _TOKEN.finditer(text):
            if match.group("number") is not None:
                kind = "number"
            elif match.group("literal") is not None:
                kind = "literal"
            elif match.group("key") is not None:
                kind = "key"
            else:
                kind = "string"
            start, end = match.span()
            if kind == "key":
                end = start + len(match.group(0)) - len(match.group("key"))
            self.setFormat(start, end - start, self.formats[kind])
