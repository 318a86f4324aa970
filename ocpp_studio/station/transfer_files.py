"""The logs a charger uploaded, kept beside the capture in ``<capture>.files/<charger>/``
(issue 16 §3), from this run and earlier ones, and the ones attached to the commissioning
report (``attachments.json`` in the same folder, so an attachment outlives the studio run).

Qt-free; ``TransferManager`` (``central.transfers``) exposes these per charger.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: the list of attached files in a charger's folder (not itself a received log)
ATTACHMENTS = "attachments.json"
#: an upload still being written (fileserver.transfer writes ``<name>.part``, then renames)
PARTIAL_SUFFIX = ".part"


@dataclass(frozen=True)
class ReceivedFile:
    """A file the charger uploaded, as it is on disk now."""

    path: Path
    size: int
    received: datetime  # when it was last written (the upload's end), aware

    def to_json(self) -> dict[str, Any]:
        return {"name": self.path.name, "path": str(self.path), "size": self.size,
                "received": self.received.isoformat(timespec="seconds")}


def _stat(path: Path) -> ReceivedFile | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return ReceivedFile(path, st.st_size, datetime.fromtimestamp(st.st_mtime, timezone.utc))


def received_files(folder: Path) -> list[ReceivedFile]:
    """The complete files in a charger's folder, newest first (earlier runs included)."""
    if not folder.is_dir():
        return []
    files = [_stat(p) for p in folder.iterdir()
             if p.is_file() and p.name != ATTACHMENTS and not p.name.endswith(PARTIAL_SUFFIX)]
    return sorted((f for f in files if f is not None), key=lambda f: f.received, reverse=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _read_list(folder: Path) -> list[str]:
    try:
        data = json.loads((folder / ATTACHMENTS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("cannot read the attachment list in %s: %s", folder, exc)
        return []
    return [str(p) for p in data] if isinstance(data, list) else []


def _write_list(folder: Path, paths: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ATTACHMENTS
    temporary = target.with_name(target.name + ".new")
    temporary.write_text(json.dumps(paths, indent=1), encoding="utf-8")
    os.replace(temporary, target)


def attach(folder: Path, path: Path) -> ReceivedFile:
    """Attach a file to the charger's commissioning report (kept in ``folder``'s list).
    Raises ``FileNotFoundError`` (in words) for a file that is not there."""
    found = _stat(Path(path).resolve())
    if found is None or not found.path.is_file():
        raise FileNotFoundError(f"{path} is not a file the studio can read")
    paths = _read_list(folder)
    if str(found.path) not in paths:
        _write_list(folder, paths + [str(found.path)])
    return found


def detach(folder: Path, path: Path) -> bool:
    """Take a file off the report; False when it was not attached."""
    paths = _read_list(folder)
    wanted = str(Path(path).resolve())
    if wanted not in paths:
        return False
    _write_list(folder, [p for p in paths if p != wanted])
    return True


def attachments(folder: Path, digest: bool = True) -> list[dict[str, Any]]:
    """The attached files for the report: name, size, SHA-256 and when received, in the order
    attached. A file gone since is listed with ``missing`` (the report says so, not a size).
    ``digest=False``: no SHA-256 (a list to show, not the report)."""
    out: list[dict[str, Any]] = []
    for text in _read_list(folder):
        found = _stat(Path(text))
        if found is None:
            out.append({"name": Path(text).name, "path": text, "size": None, "sha256": None,
                        "received": None, "missing": True})
            continue
        if not digest:
            out.append({**found.to_json(), "sha256": None, "missing": False})
            continue
        try:
            sha: str | None = sha256_of(found.path)
        except OSError:
            sha = None
        out.append({**found.to_json(), "sha256": sha, "missing": sha is None})
    return out


__all__ = ["ATTACHMENTS", "ReceivedFile", "attach", "attachments", "detach", "received_files",
           "sha256_of"]
