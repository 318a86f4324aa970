"""What the inspector remembers between runs: time zone shown, recent capture files.

Plain Python (no Qt), kept in a small JSON file in the user config directory,
so it is easy to test and does not live inside widgets (DESIGN.md).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ...settings import user_config_dir

log = logging.getLogger(__name__)

MAX_RECENT = 8
FILE_NAME = "inspector.json"


@dataclass
class ViewPreferences:
    show_utc: bool = False
    recent_files: list[str] = field(default_factory=list)
    path: Path | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> "ViewPreferences":
        path = path or user_config_dir() / FILE_NAME
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path=path)
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable preferences %s: %s", path, exc)
            return cls(path=path)
        if not isinstance(data, dict):
            return cls(path=path)
        recent = [str(p) for p in data.get("recent_files", []) if isinstance(p, str)]
        return cls(show_utc=bool(data.get("show_utc", False)), recent_files=recent[:MAX_RECENT],
                   path=path)

    def save(self) -> None:
        if self.path is None:
            return
        data = asdict(self)
        data.pop("path", None)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        except OSError as exc:
            log.warning("cannot save preferences to %s: %s", self.path, exc)

    def add_recent(self, file_path: str | Path) -> None:
        text = str(Path(file_path).resolve())
        self.recent_files = [text] + [p for p in self.recent_files if p != text]
        del self.recent_files[MAX_RECENT:]
        self.save()
