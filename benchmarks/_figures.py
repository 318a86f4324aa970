"""The figures of one benchmark run, written as JSON with ``--json FILE``.

Every script in benchmarks/ collects its headline numbers in a :class:`Figures`
(measure -> value) and, when given ``--json FILE``, writes them as one flat JSON
object so two runs can be compared with a diff or a few lines of Python::

    {"benchmark": "throughput", "throughput_10_chargers_frames_per_s": 6123.4, ...}

Keys are stable snake_case names that carry their unit (``_ms``, ``_s``,
``_per_s``, ``_mb``, ``_ratio``...), so a renamed or re-scaled figure shows up as a
new key rather than a silent change. Values that are not finite (a percentile of
no samples) are written as ``null`` because JSON has no NaN.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import tempfile
from pathlib import Path

_KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    """The same ``--json FILE`` option on every benchmark."""
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write the figures as one JSON object (measure -> value)")


class Figures:
    """Measure -> value for one run of one benchmark."""

    def __init__(self, benchmark: str) -> None:
        self.benchmark = benchmark
        self.values: dict[str, float | int | str | bool | None] = {}

    def add(self, key: str, value: float | int | str | bool | None) -> None:
        # A typo'd or CamelCase key would break comparisons between runs: refuse it.
        if not _KEY.match(key):
            raise ValueError(f"figure key {key!r} is not snake_case")
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        elif isinstance(value, float):
            value = round(value, 6)
        self.values[key] = value

    def as_dict(self) -> dict[str, float | int | str | bool | None]:
        return {"benchmark": self.benchmark, **self.values}

    def write(self, path: Path | None) -> None:
        """Write the figures to ``path`` (nothing if None), replacing it atomically.

        Written to a temporary file next to it and renamed, so a reader (or a run
        killed half way) never sees half a JSON object.
        """
        if path is None:
            return
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.as_dict(), handle, indent=2, sort_keys=True, allow_nan=False)
                handle.write("\n")
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        print(f"figures written to {path}")


if __name__ == "__main__":
    # A self-check: python benchmarks/_figures.py --json FILE writes a tiny example.
    parser = argparse.ArgumentParser(description="write example figures")
    add_json_argument(parser)
    options = parser.parse_args()
    example = Figures("example")
    example.add("example_latency_ms", 1.5)
    example.add("example_missing_ms", float("nan"))
    example.write(options.json)
