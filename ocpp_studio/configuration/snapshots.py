"""Where configuration reads are kept: in memory, and with a folder as one JSON file per read
(secrets redacted, owner-only files: a snapshot can hold vendor secrets)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from ..settings import open_private, private_dir
from .model import Snapshot

log = logging.getLogger(__name__)


def _safe(charger_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", charger_id) or "_"


class SnapshotShelf:
    """Every snapshot of every charger, newest last, loaded from ``folder`` on first use."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._snapshots: dict[str, list[Snapshot]] = {}
        self._loaded: set[str] = set()

    def path(self, snapshot: Snapshot) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / _safe(snapshot.charger) / f"{snapshot.taken_us}.json"

    def keep(self, snapshot: Snapshot) -> Snapshot:
        """Add ``snapshot`` (and write its file); a failed write becomes a note on it."""
        self._load(snapshot.charger)
        self._snapshots.setdefault(snapshot.charger, []).append(snapshot)
        path = self.path(snapshot)
        if path is not None:
            try:
                private_dir(path.parent)
                with open_private(path) as out:  # 0600: a snapshot can hold vendor secrets
                    out.write(json.dumps(snapshot.to_json(redact_secrets=True), indent=1,
                                         ensure_ascii=False))
            except OSError as exc:
                snapshot.notes.append(f"Snapshot not saved to {path}: {exc}")
        return snapshot

    def _load(self, charger_id: str) -> None:
        if charger_id in self._loaded:
            return
        self._loaded.add(charger_id)
        if self.folder is None:
            return
        folder = self.folder / _safe(charger_id)
        loaded = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                snap = Snapshot.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("snapshot %s unreadable: %s", path, exc)
                continue
            if snap.charger == charger_id:
                loaded.append(snap)
        mine = self._snapshots.get(charger_id, [])
        self._snapshots[charger_id] = sorted(loaded + mine, key=lambda s: s.taken_us)

    def snapshots(self, charger_id: str) -> list[Snapshot]:
        """Every snapshot of the charger, newest last."""
        self._load(charger_id)
        return list(self._snapshots.get(charger_id, []))

    def latest(self, charger_id: str) -> Snapshot | None:
        snaps = self.snapshots(charger_id)
        return snaps[-1] if snaps else None
