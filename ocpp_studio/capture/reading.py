"""Reading frames and connection events back from a capture (the store's queries for
the API, exports, metering and tests; the inspector's fast paths are in query.py)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterator

from . import text_index
from .schema import FRAME_COLUMNS as _FRAME_COLUMNS, PROBLEM_SQL
from ..core.records import ConnectionEvent, Direction, FrameRecord


@dataclass(slots=True)
class FrameQuery:
    """Filters for reading frames back; all optional, combined with AND."""

    charger: str | None = None
    action: str | None = None
    direction: Direction | None = None
    after_id: int | None = None  # only frames with id > after_id
    problems_only: bool = False
    text: str | None = None  # substring of the raw frame
    limit: int = 1000
    newest_first: bool = False


class FrameReading:
    """The reading half of CaptureStore (``_db``: its connection)."""

    _db: sqlite3.Connection

    def _up_to_date(self) -> None:
        """Called before each read: the live store commits what it recorded first."""

    def frames(self, query: FrameQuery | None = None, **filters: Any) -> list[FrameRecord]:
        """Frames matching a query (or keyword filters of FrameQuery)."""
        self._up_to_date()
        query = query or FrameQuery(**filters)
        clauses: list[str] = []
        params: list[Any] = []
        if query.charger:
            clauses.append("charger = ?"); params.append(query.charger)
        if query.action:
            clauses.append("action = ?"); params.append(query.action)
        if query.direction:
            clauses.append("direction = ?"); params.append(Direction(query.direction).value)
        if query.after_id is not None:
            clauses.append("id > ?"); params.append(query.after_id)
        if query.problems_only:
            clauses.append(PROBLEM_SQL)  # exactly the partial index's expression
        if query.text:
            found = text_index.candidates(self._db, query.text)  # an index lookup, or None
            if found is not None:
                clauses.append(found[0]); params.extend(found[1])
            clauses.append("instr(raw, ?) > 0"); params.append(query.text)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "DESC" if query.newest_first else "ASC"
        rows = self._db.execute(
            f"SELECT id, {', '.join(_FRAME_COLUMNS)} FROM frames {where} "
            f"ORDER BY id {order} LIMIT ?", (*params, query.limit)).fetchall()
        return [_frame_from_row(row) for row in rows]

    def frame(self, row_id: int) -> FrameRecord | None:
        self._up_to_date()
        row = self._db.execute(f"SELECT id, {', '.join(_FRAME_COLUMNS)} FROM frames WHERE id = ?",
                               (row_id,)).fetchone()
        return _frame_from_row(row) if row else None

    def iter_frames(self, batch: int = 5000) -> Iterator[FrameRecord]:
        last = 0
        while True:
            rows = self.frames(FrameQuery(after_id=last, limit=batch))
            if not rows:
                return
            yield from rows
            last = rows[-1].id or last

    def events(self, charger: str | None = None, limit: int = 100_000) -> list[ConnectionEvent]:
        self._up_to_date()
        where, params = ("WHERE charger = ?", (charger,)) if charger else ("", ())
        rows = self._db.execute(
            f"SELECT id, ts_us, charger, connection_id, kind, detail FROM events {where} "
            f"ORDER BY id LIMIT ?", (*params, limit)).fetchall()
        return [ConnectionEvent(charger=r[2], kind=r[4], detail=json.loads(r[5]), ts_us=r[1],
                                connection_id=r[3], id=r[0]) for r in rows]

    def count_frames(self) -> int:
        self._up_to_date()
        return self._db.execute("SELECT COUNT(*) FROM frames").fetchone()[0]


def _frame_from_row(row: tuple) -> FrameRecord:
    (row_id, ts_us, charger, connection_id, direction, message_type, unique_id, action, valid,
     violations, problem, error_code, pair_id, latency_ms, state, raw) = row
    return FrameRecord(
        charger=charger, direction=Direction(direction), raw=raw, ts_us=ts_us,
        connection_id=connection_id, message_type=message_type, unique_id=unique_id,
        action=action, valid=None if valid is None else bool(valid),
        violations=json.loads(violations) if violations else [], problem=problem,
        error_code=error_code, pair_id=pair_id, latency_ms=latency_ms, state=state, id=row_id)
