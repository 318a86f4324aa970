"""A 7-day timeline: charging hours (editable or read-only) or a week of power limits.

Two ways to use it:

* **hours** — 7 rows (Monday..Sunday) x 48 half-hour cells. Green = charging allowed,
  grey = no charging. In editable mode the user paints with the mouse: drag a rectangle
  (several days at once), left button paints the chosen brush, right button paints
  "no charging". The UK peak times (weekdays 08:00–11:00 and 16:00–22:00) are outlined faintly.
* **limits** — one or more *tracks* of ``Interval(start_s, end_s, limit_w)`` drawn as one day
  per row (0 W = no charging, None = no limit, any other value = limited, shown in the tooltip).
  With two tracks each day has two thin bars, e.g. "asked" over "charger"; difference intervals
  are outlined in red across both.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ...smartcharging.offpeak import PEAKS, WeeklyHours
from ..common import theme
from .timeline_model import (
    ALLOWED, BLOCKED, DAY_NAMES, PARTIAL, SLOT_MIN, SLOTS, Segment, clock, limit_colour,
    limit_text, peak_slots, split_intervals, uk_zone,
)

#: the widget's public names, wherever the part that defines them lives
__all__ = ["ALLOWED", "BLOCKED", "DAY_NAMES", "PARTIAL", "SLOTS", "SLOT_MIN", "WeekTimeline",
           "WeeklyHours", "clock", "limit_colour", "limit_text", "peak_slots"]

HOUR_LINE = theme.TIMELINE_HOUR_LINE
PEAK_OUTLINE = theme.PEAK_OUTLINE
DIFF_OUTLINE = theme.DIFFERENCE_OUTLINE
TEXT = theme.TIMELINE_TEXT
MUTED = theme.TIMELINE_MUTED


class WeekTimeline(QWidget):
    """Paints a week; see the module docstring."""

    changed = Signal()  # the painted hours changed (editable mode, after a stroke)

    LEFT = 96
    RIGHT = 10
    TOP = 22
    LEGEND = 26

    def __init__(self, parent: QWidget | None = None, *, editable: bool = False,
                 row_height: int = 26) -> None:
        super().__init__(parent)
        self.editable = editable
        self.row_height = row_height
        self.allowed: list[list[bool]] = copy.deepcopy(WeeklyHours.all_allowed().allowed)
        #: left button paints this (True = allowed); the right button always paints blocked
        self.brush = True
        self.show_peaks = True
        # limits mode
        self.mode = "hours"
        self.tracks: list[tuple[str, list[Any]]] = []
        self.differences: list[Any] = []
        self.origin: datetime | None = None
        self.absolute = False
        #: limits at or above this are drawn as full power (the charger's own maximum)
        self.full_power_w: float | None = None
        #: the charger's local time (UK regulations: peaks are UK wall-clock time)
        self.tz: Any = uk_zone()
        self.row_labels: list[str] = list(DAY_NAMES)
        self._segments: list[Segment] = []
        self._diff_segments: list[Segment] = []
        # a stroke in progress
        self._anchor: tuple[int, int] | None = None
        self._stroke_value = True
        self._before: list[list[bool]] | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(self.LEFT + SLOTS * 9 + self.RIGHT)
        self.setCursor(Qt.CursorShape.CrossCursor if editable else Qt.CursorShape.ArrowCursor)

    # ------------------------------------------------------------ data in/out
    def set_editable(self, editable: bool) -> None:
        self.editable = editable
        self.setCursor(Qt.CursorShape.CrossCursor if editable else Qt.CursorShape.ArrowCursor)
        self.update()

    def set_hours(self, hours: Any) -> None:
        self.mode = "hours"
        self.row_labels = list(DAY_NAMES)
        self.allowed = [list(map(bool, day)) for day in hours.allowed]
        self.updateGeometry()
        self.update()

    def hours(self) -> Any:
        return WeeklyHours(allowed=[list(day) for day in self.allowed])

    def set_intervals(self, tracks: Sequence[tuple[str, Sequence[Any]]],
                      differences: Sequence[Any] = (), origin: datetime | None = None,
                      days: int = 7, full_power_w: float | None = None) -> None:
        """Draw limit tracks. ``origin`` is the moment of start_s = 0 (local time); without
        it, 0 is a Monday 00:00 and the rows are the days of the week."""
        self.mode = "limits"
        self.editable = False
        self.full_power_w = full_power_w
        self.tracks = [(name, list(items)) for name, items in tracks]
        self.differences = list(differences)
        everything = [i for _name, items in self.tracks for i in items] + self.differences
        # the smart-charging evaluator works in POSIX seconds; plain offsets count from origin
        self.absolute = any(float(i.start_s) > 1e8 for i in everything)
        if self.absolute and origin is None:
            origin = datetime.fromtimestamp(min(float(i.start_s) for i in everything),
                                            tz=timezone.utc)
        self.origin = origin
        if origin is not None:
            local = origin.astimezone(self.tz) if origin.tzinfo else origin
            first = local.replace(hour=0, minute=0, second=0, microsecond=0)
            self.row_labels = [(first + timedelta(days=i)).strftime("%a %d")
                               for i in range(days)]
        else:
            self.row_labels = [DAY_NAMES[i % 7][:3] for i in range(days)]
        self._segments = [seg for index, (_name, items) in enumerate(self.tracks)
                          for seg in self._split(items, index)]
        self._diff_segments = self._split(self.differences, -1)
        self.updateGeometry()
        self.update()

    def _split(self, intervals: Sequence[Any], track: int) -> list[Segment]:
        """Cut intervals at each row's midnight (local time, so clock changes are honoured)."""
        return split_intervals(intervals, track, origin=self.origin, tz=self.tz,
                               absolute=self.absolute, rows=len(self.row_labels))

    # -------------------------------------------------------------- geometry
    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.LEFT + SLOTS * 16 + self.RIGHT, self._grid_height() + self.TOP
                     + self.LEGEND + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.LEFT + SLOTS * 9 + self.RIGHT, self.sizeHint().height())

    def _row_h(self) -> int:
        if self.mode == "limits" and len(self.tracks) > 1:
            return max(self.row_height, 14 * len(self.tracks) + 4)
        return self.row_height

    def _grid_height(self) -> int:
        return self._row_h() * len(self.row_labels)

    def _cell_w(self) -> float:
        return max(1.0, (self.width() - self.LEFT - self.RIGHT) / SLOTS)

    def _x(self, minutes: float) -> float:
        return self.LEFT + minutes / SLOT_MIN * self._cell_w()

    def cell_rect(self, day: int, slot: int) -> QRect:
        x0 = round(self._x(slot * SLOT_MIN))
        x1 = round(self._x((slot + 1) * SLOT_MIN))
        y = self.TOP + day * self._row_h()
        return QRect(x0, y, x1 - x0, self._row_h())

    def cell_at(self, pos: QPoint, clamp: bool = False) -> tuple[int, int] | None:
        day = (pos.y() - self.TOP) // self._row_h()
        slot = int((pos.x() - self.LEFT) // self._cell_w())
        if clamp:
            return (min(max(day, 0), len(self.row_labels) - 1), min(max(slot, 0), SLOTS - 1))
        if 0 <= day < len(self.row_labels) and 0 <= slot < SLOTS and pos.y() >= self.TOP \
                and pos.x() >= self.LEFT:
            return day, slot
        return None

    # ---------------------------------------------------------------- paint
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.fillRect(self.rect(), self.palette().base())
        row_h = self._row_h()
        grid_w = self._x(1440) - self.LEFT
        font = p.font()
        # hour labels
        p.setPen(MUTED)
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(small)
        step = 1 if self._cell_w() * 2 >= 30 else (2 if self._cell_w() * 2 >= 16 else 3)
        for hour in range(0, 25, step):
            x = self._x(hour * 60)
            p.drawText(QRectF(x - 20, 0, 40, self.TOP - 4),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                       f"{hour:02d}" if hour < 24 else "24")
        p.setFont(font)
        # day labels
        for row, label in enumerate(self.row_labels):
            y = self.TOP + row * row_h
            p.setPen(TEXT)
            p.drawText(QRectF(4, y, self.LEFT - 10, row_h),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
        if self.mode == "hours":
            self._paint_hours(p)
        else:
            self._paint_limits(p)
        # hour lines over the cells
        p.setPen(QPen(HOUR_LINE, 1))
        for hour in range(0, 25):
            x = round(self._x(hour * 60))
            p.setPen(QPen(HOUR_LINE if hour % 6 == 0 else theme.TIMELINE_MINOR_LINE, 1))
            p.drawLine(x, self.TOP, x, self.TOP + self._grid_height())
        p.setPen(QPen(HOUR_LINE, 1))
        p.drawRect(QRectF(self.LEFT, self.TOP, grid_w, self._grid_height()))
        self._paint_legend(p)
        p.end()

    def _paint_hours(self, p: QPainter) -> None:
        row_h = self._row_h()
        for day in range(len(self.row_labels)):
            for slot in range(SLOTS):
                rect = self.cell_rect(day, slot)
                colour = ALLOWED if self.allowed[day][slot] else BLOCKED
                p.fillRect(rect.adjusted(0, 1, 0, -1), colour)
        if self.show_peaks:
            pen = QPen(PEAK_OUTLINE, 2, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            for day in range(5):
                y = self.TOP + day * row_h
                for h1, m1, h2, m2 in PEAKS:
                    x0 = self._x(h1 * 60 + m1)
                    x1 = self._x(h2 * 60 + m2)
                    p.drawRect(QRectF(x0 + 1, y + 2, x1 - x0 - 2, row_h - 4))

    def _paint_limits(self, p: QPainter) -> None:
        row_h = self._row_h()
        n = max(1, len(self.tracks))
        band = (row_h - 4) / n
        # empty background (unknown)
        for row in range(len(self.row_labels)):
            y = self.TOP + row * row_h
            p.fillRect(QRectF(self.LEFT, y + 1, self._x(1440) - self.LEFT, row_h - 2),
                       theme.TIMELINE_EMPTY)
        for seg in self._segments:
            y = self.TOP + seg.row * row_h + 2 + seg.track * band
            x0, x1 = self._x(seg.start_min), self._x(seg.end_min)
            p.fillRect(QRectF(x0, y + 1, max(1.0, x1 - x0), band - 2),
                       limit_colour(seg.limit_w, self.full_power_w))
        if n > 1:  # small track names inside the first column would clutter; draw a divider
            p.setPen(QPen(theme.TIMELINE_TRACK_DIVIDER, 1))
            for row in range(len(self.row_labels)):
                for track in range(1, n):
                    y = self.TOP + row * row_h + 2 + track * band
                    p.drawLine(round(self.LEFT), round(y), round(self._x(1440)), round(y))
            p.setPen(MUTED)
            normal = QFont(p.font())
            small = QFont(p.font())
            small.setPointSizeF(max(6.5, small.pointSizeF() - 2))
            p.setFont(small)
            for row in range(len(self.row_labels)):
                for track, (name, _items) in enumerate(self.tracks):
                    y = self.TOP + row * row_h + 2 + track * band
                    p.drawText(QRectF(self.LEFT - 46, y, 43, band),
                               Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                               name)
            p.setFont(normal)
        pen = QPen(DIFF_OUTLINE, 2)
        p.setPen(pen)
        p.setBrush(theme.DIFFERENCE_FILL)
        for seg in self._diff_segments:
            y = self.TOP + seg.row * row_h
            x0, x1 = self._x(seg.start_min), self._x(seg.end_min)
            p.drawRect(QRectF(x0, y + 1, max(3.0, x1 - x0), row_h - 2))
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_legend(self, p: QPainter) -> None:
        y = self.TOP + self._grid_height() + 8
        x = float(self.LEFT)
        if self.mode == "hours":
            items: list[tuple[str, Any]] = [("Charging allowed", ALLOWED), ("No charging", BLOCKED)]
            if self.show_peaks:
                items.append(("UK peak time (weekdays)", "peak"))
        else:
            items = [("Full power", ALLOWED), ("Limited", PARTIAL), ("No charging (0 W)", BLOCKED)]
            if self._diff_segments or self.differences:
                items.append(("Difference", "diff"))
            if len(self.tracks) > 1:
                names = " over ".join(f"{name}" for name, _ in self.tracks)
                items.append((f"each day: {names}", None))
        metrics = p.fontMetrics()
        for text, colour in items:
            box = QRectF(x, y + 2, 14, 12)
            if colour == "peak":
                p.setPen(QPen(PEAK_OUTLINE, 2, Qt.PenStyle.DashLine))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(box)
            elif colour == "diff":
                p.setPen(QPen(DIFF_OUTLINE, 2))
                p.setBrush(theme.DIFFERENCE_FILL)
                p.drawRect(box)
            elif colour is not None:
                p.fillRect(box, colour)
            if colour is not None:
                x += 20
            p.setPen(TEXT)
            p.setBrush(Qt.BrushStyle.NoBrush)
            width = metrics.horizontalAdvance(text)
            p.drawText(QRectF(x, y, width + 4, 16), Qt.AlignmentFlag.AlignVCenter, text)
            x += width + 22

    # ---------------------------------------------------------------- mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if not self.editable or self.mode != "hours":
            return super().mousePressEvent(event)
        cell = self.cell_at(event.position().toPoint())
        if cell is None:
            return
        if event.button() == Qt.MouseButton.LeftButton:
            value = self.brush
        elif event.button() == Qt.MouseButton.RightButton:
            value = False
        else:
            return
        self._anchor = cell
        self._stroke_value = value
        self._before = [list(day) for day in self.allowed]
        self._paint_rect(cell)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._anchor is not None:
            self._paint_rect(self.cell_at(event.position().toPoint(), clamp=True))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._anchor is None:
            return super().mouseReleaseEvent(event)
        self._paint_rect(self.cell_at(event.position().toPoint(), clamp=True))
        before, self._before, self._anchor = self._before, None, None
        if before != self.allowed:
            self.changed.emit()
        event.accept()

    def contextMenuEvent(self, event: Any) -> None:  # noqa: N802 - right button paints
        event.accept()

    def _paint_rect(self, cell: tuple[int, int] | None) -> None:
        if self._anchor is None or cell is None or self._before is None:
            return
        (d0, s0), (d1, s1) = self._anchor, cell
        self.allowed = [list(day) for day in self._before]
        for day in range(min(d0, d1), max(d0, d1) + 1):
            for slot in range(min(s0, s1), max(s0, s1) + 1):
                self.allowed[day][slot] = self._stroke_value
        self.update()

    def paint_cells(self, day0: int, slot0: int, day1: int, slot1: int, allowed: bool) -> None:
        """Paint a rectangle of cells as a stroke would (for code and keyboard users)."""
        before = [list(day) for day in self.allowed]
        for day in range(min(day0, day1), max(day0, day1) + 1):
            for slot in range(min(slot0, slot1), max(slot0, slot1) + 1):
                self.allowed[day][slot] = allowed
        self.update()
        if before != self.allowed:
            self.changed.emit()

    # -------------------------------------------------------------- tooltip
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()  # type: ignore[attr-defined]
            text = self.tooltip_at(pos)
            if text:
                QToolTip.showText(event.globalPos(), text, self)  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _limit_words(self, limit_w: float | None) -> str:
        full = self.full_power_w
        if limit_w is not None and full is not None and limit_w >= full > 0:
            return f"full power ({limit_w / 1000:.1f} kW, the charger's maximum)"
        return limit_text(limit_w)

    def tooltip_at(self, pos: QPoint) -> str:
        cell = self.cell_at(pos)
        if cell is None:
            return ""
        day, slot = cell
        if self.mode == "hours":
            state = "charging allowed" if self.allowed[day][slot] else "no charging"
            peak = " — UK peak time" if day < 5 and slot in peak_slots() else ""
            hint = ("<br><i>Drag to paint; right button paints “no charging”.</i>"
                    if self.editable else "")
            return (f"<b>{DAY_NAMES[day]} {clock(slot * 30)}–{clock(slot * 30 + 30)}</b>: "
                    f"{state}{peak}{hint}")
        minute = (pos.x() - self.LEFT) / self._cell_w() * SLOT_MIN
        row_h = self._row_h()
        n = max(1, len(self.tracks))
        band = (row_h - 4) / n
        track = min(n - 1, max(0, int((pos.y() - self.TOP - day * row_h - 2) // band)))
        lines = [f"<b>{self.row_labels[day]} {clock(minute)}</b>"]
        for index, (name, _items) in enumerate(self.tracks):
            found = next((s for s in self._segments if s.row == day and s.track == index
                          and s.start_min <= minute < s.end_min), None)
            text = (f"{clock(found.start_min)}–{clock(found.end_min)}: "
                    f"{self._limit_words(found.limit_w)}"
                    if found else "nothing known")
            mark = "▶ " if index == track and n > 1 else ""
            lines.append(f"{mark}{name}: {text}")
        if any(s.row == day and s.start_min <= minute < s.end_min for s in self._diff_segments):
            lines.append(f"<span style='color:{DIFF_OUTLINE.name()}'><b>Different</b></span>")
        return "<br>".join(lines)
