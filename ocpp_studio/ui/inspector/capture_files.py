"""Capture files in the main window: open a saved capture (the view switches to it while
the live capture keeps recording), go back to the live capture, export what the view
shows (JSON Lines or CSV), and drop a file on the window to open it.

A mixin of :class:`~ocpp_studio.ui.main_window.MainWindow`: the methods use the window's
message model, table, filter bar and status bar.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import logging
import re
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCursor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QProgressDialog

from ...capture.jsonl import ImportCancelled, export_jsonl, export_jsonl_file, import_jsonl
from ...capture.query import FrameFilter
from ...capture.redaction import redact_raw
from ...capture.store import CaptureStore
from ...core.records import ConnectionEvent
from ..common.operations import AsyncOp
from .message_model import Column, HEADERS

if TYPE_CHECKING:
    from ..main_window import MainWindow

log = logging.getLogger(__name__)

CAPTURE_SUFFIXES = {".jsonl", ".json", ".ndjson", ".db", ".sqlite", ".sqlite3"}
JSONL_SUFFIXES = {".jsonl", ".json", ".ndjson"}


@contextlib.contextmanager
def busy_cursor() -> Iterator[None]:
    QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def is_capture_database(path: Path) -> bool:
    """A SQLite file with our frames table, checked read-only (we never touch other files)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='frames'"
                             ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return row is not None


def skipped_lines_text(errors: list[str], shown: int = 10) -> str:
    """'Skipped 3 damaged lines: 4, 17, 230' from import errors ("line N: why"); '' if none."""
    if not errors:
        return ""
    numbers = [m.group(1) for e in errors if (m := re.match(r"line (\d+)", e))]
    where = ", ".join(numbers[:shown]) + (", …" if len(numbers) > shown else "")
    plural = "s" if len(errors) != 1 else ""
    return (f"Skipped {len(errors)} damaged line{plural}: {where}" if where
            else f"Skipped {len(errors)} damaged line{plural}: {errors[0]}")


class CaptureFiles:
    """Open, go back to live, export, drag and drop (mixed into MainWindow)."""

    #: the last open or export started from the menus or a drop (tests wait for it)
    file_op: AsyncOp[Any] | None = None

    def choose_capture_to_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open capture", str(Path.home()),
            "Captures (*.jsonl *.json *.ndjson *.db *.sqlite *.sqlite3);;All files (*)")
        if path:
            self.open_capture_in_background(path)

    def open_capture_in_background(self, path: str | Path) -> AsyncOp[bool]:
        """open_capture as an operation (menu, recent files, a dropped file): the failures
        it does not foresee are shown to the user instead of ending an unwatched task."""
        self.file_op = AsyncOp(self, lambda: self.open_capture(path),
                               failure_title="Cannot open capture").run()
        return self.file_op

    async def open_capture(self, path: str | Path) -> bool:
        """Show a saved capture. A .jsonl export is imported into a new database in a
        temporary directory (removed when the view leaves it), off the event loop so
        chargers stay connected; a capture database is opened as it is."""
        path = Path(path)
        if not path.is_file():
            self._error("Cannot open capture", f"{path} does not exist.")
            return False
        if str(path.resolve()) == str(Path(self.live_capture_path).resolve()):
            self.back_to_live()
            return True
        temp_dir = None
        skipped = ""
        self.notify(f"Opening {path.name}…", 60_000)
        QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
        try:
            if path.suffix.lower() in JSONL_SUFFIXES:
                temp_dir = tempfile.mkdtemp(prefix="ocpp-studio-view-")
                store = CaptureStore(Path(temp_dir) / f"{path.stem}.db")
                try:
                    result = await self._import_with_progress(store, path)
                except ImportCancelled:
                    store.close()
                    shutil.rmtree(temp_dir, ignore_errors=True)
                    self.notify(f"Opening {path.name} was cancelled", 6000)
                    return False
                except Exception:
                    store.close()
                    shutil.rmtree(temp_dir, ignore_errors=True)
                    raise
                skipped = skipped_lines_text(result.errors)
                if result.frames == 0 and result.events == 0:
                    store.close()
                    shutil.rmtree(temp_dir, ignore_errors=True)
                    self._error("Cannot open capture",
                                f"{path.name} holds no OCPP Studio capture lines.")
                    return False
            else:
                if not is_capture_database(path):
                    self._error("Cannot open capture",
                                f"{path.name} is not an OCPP Studio capture database.")
                    return False
                store = CaptureStore(path)
        except (OSError, ValueError, sqlite3.Error) as exc:
            self._error("Cannot open capture", f"{path} cannot be read:\n{exc}")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self._show_store(store, path, temp_dir)
        self.preferences.add_recent(path)
        if skipped:  # said last, so "Opened" does not replace it
            self.notify(f"Opened {path.name}; {skipped}", 60_000)
        else:
            self.notify(f"Opened {path.name}", 4000)
        return True

    async def _import_with_progress(self, store: CaptureStore, path: Path) -> Any:
        """import_jsonl in a worker thread, with a progress dialog and Cancel (a million
        frames take about half a minute). The worker only writes two plain values; the
        dialog is updated from the UI thread."""
        state = {"fraction": 0.0}
        cancel = threading.Event()

        def report(done: int, total: int) -> bool:  # in the worker thread
            state["fraction"] = done / total if total else 1.0
            return not cancel.is_set()

        dialog = QProgressDialog(f"Opening {path.name}…\n"
                                 "Chargers stay connected and recording goes on meanwhile.",
                                 "Cancel", 0, 1000, self)
        dialog.setWindowTitle("Opening a capture")
        dialog.setMinimumWidth(440)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)  # small files open without a flash of dialog
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(cancel.set)
        timer = QTimer(self)
        timer.setInterval(100)
        timer.timeout.connect(lambda: dialog.setValue(int(state["fraction"] * 1000)))
        timer.start()
        self.import_dialog = dialog
        try:
            return await asyncio.to_thread(import_jsonl, store, path, report)
        finally:
            timer.stop()
            dialog.close()
            dialog.deleteLater()
            self.import_dialog = None

    def back_to_live(self) -> None:
        if self.store is not self.live_store:
            self._show_store(self.live_store, None, None)

    def _show_store(self, store: CaptureStore, path: Path | None, temp_dir: str | None) -> None:
        old_store, old_temp = self._opened_store, self._temp_dir
        self.store = store
        self.opened_path = path
        self._opened_store = None if store is self.live_store else store
        self._temp_dir = temp_dir
        self.feed.enabled = store is self.live_store
        self.filter_bar.blockSignals(True)
        self.filter_bar.clear()
        self.filter_bar.blockSignals(False)
        with busy_cursor():
            self.model.set_store(store, FrameFilter())
        self.detail.show_pair(None)
        self._load_store_facts()
        self._sync_charger_list(None)
        if path is None:
            self.setWindowTitle("OCPP Studio")
            self.file_banner.hide()
            self.capture_label.setText(f"Capture file: {self.live_capture_path}")
            self.follow_button.setChecked(True)
            self._scroll_to_bottom()
        else:
            self.setWindowTitle(f"{path.name} — OCPP Studio")
            self.file_label.setText(
                f"Viewing capture file <b>{path.name}</b> ({self._total:,} frames). "
                "Chargers can still connect: their messages are recorded in the live capture.")
            self.file_label.setToolTip(str(path))
            self.file_banner.show()
            self.capture_label.setText(f"Viewing: {path}")
            self.follow_button.setChecked(False)
            self.table.scrollToTop()
        self.back_action.setEnabled(path is not None)
        if old_store is not None and old_store is not store:
            old_store.close()
        if old_temp and old_temp != temp_dir:
            shutil.rmtree(old_temp, ignore_errors=True)

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        if not self.preferences.recent_files:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
            return
        for file_path in self.preferences.recent_files:
            act = self.recent_menu.addAction(Path(file_path).name)
            act.setToolTip(file_path)
            act.setStatusTip(file_path)
            act.triggered.connect(
                lambda _c=False, p=file_path: self.open_capture_in_background(p))

    def choose_export_file(self, kind: str) -> None:
        suggested = (self.opened_path.stem if self.opened_path else "capture") + \
            ("-filtered" if kind == "filtered" else "")
        if kind == "csv":
            path, _ = QFileDialog.getSaveFileName(self, "Export visible columns as CSV",
                                                  f"{suggested}.csv", "CSV (*.csv)")
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export as JSON Lines",
                                                  f"{suggested}.jsonl", "JSON Lines (*.jsonl)")
        if not path:
            return
        # _export says why it failed itself; the operation catches what it did not foresee
        self.file_op = AsyncOp(self, lambda: self._export(kind, path),
                               failure_title="Export failed").run()

    async def _export(self, kind: str, path: str) -> None:
        self.notify(f"Exporting to {Path(path).name}…", 60_000)
        try:
            if kind == "csv":
                count = await self.export_csv_in_steps(path)
            else:
                count = await self.export_jsonl_in_background(path, filtered=kind == "filtered")
        except Exception as exc:  # any failure must end "Exporting…" and say why
            if not isinstance(exc, OSError):
                log.exception("export to %s failed", path)
            self.notify("Export failed", 6000)
            self._error("Export failed", f"Could not export to {path}:\n{exc}")
            return
        self.notify(f"Exported {count:,} lines to {Path(path).name}", 6000)

    async def export_jsonl_in_background(self, path: str | Path, filtered: bool = False) -> int:
        """Like export_jsonl, but in a worker thread with its own read-only connection:
        a large export must not hold up the event loop the chargers' connections run on."""
        if self.store.path == ":memory:":
            return self.export_jsonl(path, filtered)
        frame_filter = self.model.frame_filter
        if not filtered or frame_filter.is_empty():
            return await asyncio.to_thread(export_jsonl_file, self.store.path, path)
        ids = self.model.frames.ids().tolist()
        return await asyncio.to_thread(export_jsonl_file, self.store.path, path, ids,
                                       self._events_for(frame_filter))

    def export_jsonl(self, path: str | Path, filtered: bool = False) -> int:
        """The capture on view as JSON Lines: all of it, or the frames the filter shows
        (with the connection events of the same chargers and time range)."""
        frame_filter = self.model.frame_filter
        if not filtered or frame_filter.is_empty():
            return export_jsonl(self.store, path)
        return export_jsonl(self.store, path, frames=self.model.records(),
                            events=self._events_for(frame_filter))

    def _events_for(self, frame_filter: FrameFilter) -> list[ConnectionEvent]:
        """The connection events of the chargers and time range a filter shows."""
        return [e for e in self.store.events()
                if (not frame_filter.chargers or e.charger in frame_filter.chargers)
                and (frame_filter.since_us is None or e.ts_us >= frame_filter.since_us)
                and (frame_filter.until_us is None or e.ts_us <= frame_filter.until_us)]

    def export_csv(self, path: str | Path) -> int:
        """The rows the filter shows, in the columns the view shows, as the view shows them."""
        return sum(1 for _ in self._write_csv(path))

    async def export_csv_in_steps(self, path: str | Path, rows_per_step: int = 2000) -> int:
        """export_csv on the event loop, giving way every ``rows_per_step`` rows: the rows
        are formatted by the model (not thread-safe), and the chargers' connections run
        on this same loop, so a million-row export must not hold it for seconds."""
        count = 0
        for count, _ in enumerate(self._write_csv(path), start=1):
            if count % rows_per_step == 0:
                self.notify(f"Exporting to {Path(path).name}… {count:,} rows", 60_000)
                await asyncio.sleep(0)
        return count

    def _write_csv(self, path: str | Path) -> Iterator[None]:
        """Write the CSV, yielding after each row."""
        header = self.table.horizontalHeader()
        columns = [Column(header.logicalIndex(visual)) for visual in range(header.count())
                   if not header.isSectionHidden(header.logicalIndex(visual))]
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([HEADERS[c] for c in columns] + ["Raw"])
            for record in self.model.records():
                writer.writerow([self.model.display(record, c) for c in columns]
                                + [redact_raw(record.raw)])
                yield

    # ---------------------------------------------------------- drag & drop
    @staticmethod
    def _dropped_capture(event: QDragEnterEvent | QDropEvent) -> Path | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in CAPTURE_SUFFIXES:
                return Path(url.toLocalFile())
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._dropped_capture(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        path = self._dropped_capture(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_capture_in_background(path)
