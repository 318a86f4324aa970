#!/usr/bin/env python3
"""Regenerate ``ocpp_studio/resources/dm201.json`` from the OCPP 2.0.1 appendices.

    .venv/bin/python scripts/generate_dm201.py [APPENDICES_FOLDER] [--check]

APPENDICES_FOLDER holds the CSV appendices of OCPP 2.0.1 (Appendices_CSV_v1.4:
``components.csv``, ``variables.csv``, ``dm_components_vars.csv``); by default the
``../shared/reference/ocpp201/Appendices_CSV_v1.4`` folder beside the repository. ``--check``
writes nothing and exits 1 when the committed file differs from what the appendices give.

The appendices are semicolon-separated with CSV quoting (a cell such as
``"IEC 61851-1 states (""A"" to ""E"")"``), so they are read with the ``csv`` module. Each
description is cut to its first sentence (kept whole when that sentence is a few words
only) for the editor's one-line description column; the full stop of "e.g." or "i.e.", or of
"etc." followed by a lower-case word, does not end a sentence.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_APPENDICES = REPO.parent / "shared" / "reference" / "ocpp201" / "Appendices_CSV_v1.4"
OUTPUT = REPO / "ocpp_studio" / "resources" / "dm201.json"
SOURCE = "OCPP 2.0.1 appendices, Appendices_CSV_v1.4 (components.csv, variables.csv, " \
    "dm_components_vars.csv)"

#: A description whose first sentence is shorter than this ("In bytes.") is kept whole.
SHORT_SENTENCE = 20
#: Abbreviations whose full stop never ends a sentence in the appendices ("(e.g. fans)").
ABBREVIATIONS = ("e.g.", "i.e.")
#: ... and one that ends a sentence only before a capital ("suffixes etc. to identify").
OPEN_ABBREVIATIONS = ("etc.",)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def read_rows(path: Path) -> list[list[str]]:
    """The data rows of one appendix, every cell stripped (the header row is dropped)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [[cell.strip() for cell in row] for row in csv.reader(handle, delimiter=";")]
    return [row for row in rows[1:] if any(row)]


def clean(text: str) -> str:
    """One line of plain text; the typographic apostrophe becomes ' so a search for
    "Component's" finds it."""
    return " ".join(text.replace("\u2019", "'").split())


def sentences(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start:match.start()]
        following = text[match.end():match.end() + 1]
        if candidate.lower().endswith(ABBREVIATIONS) or (
                candidate.lower().endswith(OPEN_ABBREVIATIONS) and following.islower()):
            continue
        parts.append(candidate)
        start = match.end()
    parts.append(text[start:])
    return [part for part in parts if part]


def summary(text: str) -> str:
    """The first sentence of an appendix description (all of it when that sentence is short)."""
    text = clean(text)
    first = sentences(text)[0] if text else ""
    return text if len(first) < SHORT_SENTENCE else first


def build(folder: Path) -> dict[str, Any]:
    """The data file's content from the appendices in ``folder``."""
    components = {row[0]: summary(row[1])
                  for row in read_rows(folder / "components.csv")}
    variables = {row[0]: {"dataType": row[1] or None, "unit": row[2] or None,
                          "description": summary(row[3])}
                 for row in read_rows(folder / "variables.csv")}
    specific: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for row in read_rows(folder / "dm_components_vars.csv"):
        component, variable, instance, required, data_type, unit, description = row[:7]
        if not component:
            continue  # generic rows repeat variables.csv
        specific[(component, variable, instance or None)] = {
            "component": component, "variable": variable, "instance": instance or None,
            "required": required.lower() == "yes", "dataType": data_type or None,
            "unit": unit or None, "description": summary(description)}
    # (component, variable) order, the variable without an instance before its instances
    order = sorted(specific, key=lambda key: (key[0], key[1], key[2] is not None, key[2] or ""))
    return {
        "source": SOURCE,
        "generator": "scripts/generate_dm201.py",
        "components": dict(sorted(components.items())),
        "variables": dict(sorted(variables.items())),
        "component_variables": [specific[key] for key in order],
    }


def render(data: dict[str, Any]) -> str:
    """The file's text: stable, one entry a line, diff-friendly."""
    lines = ["{",
             f' "source": {json.dumps(data["source"])},',
             f' "generator": {json.dumps(data["generator"])},',
             ' "components": {']
    lines += _entries([f"  {_dump(k)}: {_dump(v)}" for k, v in data["components"].items()])
    lines += [" },", ' "variables": {']
    lines += _entries([f"  {_dump(k)}: {_dump(v)}" for k, v in data["variables"].items()])
    lines += [" },", ' "component_variables": [']
    lines += _entries([f"  {_dump(entry)}" for entry in data["component_variables"]])
    lines += [" ]", "}", ""]
    return "\n".join(lines)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _entries(lines: list[str]) -> list[str]:
    return [line + ("," if index < len(lines) - 1 else "") for index, line in enumerate(lines)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("appendices", nargs="?", type=Path, default=DEFAULT_APPENDICES,
                        help="folder holding components.csv, variables.csv and "
                             "dm_components_vars.csv (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    parser.add_argument("--check", action="store_true",
                        help="only compare with the output file; exit 1 if it differs")
    args = parser.parse_args(argv)
    if not (args.appendices / "dm_components_vars.csv").is_file():
        parser.error(f"no OCPP 2.0.1 appendices in {args.appendices}")
    text = render(build(args.appendices))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
