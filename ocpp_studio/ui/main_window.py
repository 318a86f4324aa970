"""The main window: chargers on the left; the message inspector on the right (filter bar,
the virtual message list over the capture database, and the selected request/answer pair),
with the Power, Configuration, Charging hours, Serial console and Proxy tabs beside it.

Opening a capture file switches the *view* to that file; the live central system keeps
running and keeps recording into the live capture, and the charger list stays live.
"Back to live capture" returns the view to the live capture (see ``open_capture``).

The window is put together from a few pieces: ``main_menus`` (actions, menus, status bar),
``inspector.message_list`` (the Messages tab) and ``inspector.capture_files`` (open, export,
drag and drop). This module wires them to the charger list and the other tabs.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMenu, QSplitter, QTabWidget, QVBoxLayout, QWidget

from ..capture.store import CaptureStore
from ..station.central import CentralSystem
from ..station.model import Station
from ..station.observed import ObservedChange
from .common.operations import AsyncOp, show_failure
from .common.preferences import ViewPreferences
from .common.deferred_tabs import DeferredTabs
from .inspector.capture_files import (  # noqa: F401 - re-exported for older imports
    CAPTURE_SUFFIXES, JSONL_SUFFIXES, CaptureFiles, busy_cursor, is_capture_database,
    skipped_lines_text,
)
from .inspector.charger_list import ChargerList
from .inspector.message_list import COLUMN_WIDTHS, MessageList  # noqa: F401
from .inspector.send_dialog import SendMessageDialog
from .main_menus import build_actions, build_status_bar
from .preferences_actions import PreferencesActions
from .operations.charger_menu import add_operation_actions
from .power.power_tab import PowerTab

if TYPE_CHECKING:
    from .charging_hours.offpeak_panel import OffPeakPanel
    from .common.preferences_dialog import PreferencesDialog
    from .configuration.config_editor import ConfigEditor
    from .operations.operations_panel import OperationsPanel
    from .security.security_panel import SecurityPanel
    from .sources.proxy_panel import ProxyPanel
    from .sources.serial_panel import SerialPanel
    from .power.power_panel import PowerPanel
    from PySide6.QtWidgets import QProgressDialog

    from ..commissioning.service import CommissioningService
    from ..configuration.service import ConfigurationService
    from ..metering import MeteringService, OneSecondMode
    from ..service import Studio
    from ..smartcharging.service import SmartChargingService
    from .inspector.timeline_dialog import TimelineDialog

log = logging.getLogger(__name__)


class MainWindow(CaptureFiles, MessageList, PreferencesActions, QMainWindow):
    """Observes the central system and the capture store; issues commands through dialogs."""

    closed = Signal()

    def __init__(self, central: CentralSystem, store: CaptureStore, *,
                 urls: list[str] | None = None, capture_path: str | Path | None = None,
                 preferences: ViewPreferences | None = None,
                 metering: MeteringService | None = None,
                 one_second: OneSecondMode | None = None,
                 configuration: ConfigurationService | None = None,
                 smart_charging: SmartChargingService | None = None,
                 commissioning: CommissioningService | None = None,
                 studio: Studio | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.central = central
        #: commissioning: the studio's commissioning service (optional); studio: what a
        #: CommissioningRun talks through (see open_commissioning)
        self.commissioning = commissioning
        self.studio = studio
        self.wizard = None  # the open CommissioningWizard, if any
        self.live_store = store
        self.store = store  # the capture the view shows
        self.live_capture_path = str(capture_path if capture_path is not None else store.path)
        self.preferences = preferences or ViewPreferences()
        #: settings.json that Preferences writes (None = the user's, in the config dir)
        self.settings_path: Path | None = None
        self.preferences_task: asyncio.Future | None = None
        self.preferences_dialog: PreferencesDialog | None = None  # the last one opened
        self.opened_path: Path | None = None  # the capture file on view, None = live
        self._opened_store: CaptureStore | None = None
        self._temp_dir: str | None = None
        self._total = 0
        self._problems = 0
        self._first_ts: int | None = None
        self._syncing_charger = False
        self._auto_scrolling = False
        self._timeline: TimelineDialog | None = None
        self.import_dialog: QProgressDialog | None = None  # while a .jsonl capture opens
        self.setWindowTitle("OCPP Studio")
        self.resize(1360, 860)
        self.setAcceptDrops(True)

        self.chargers = ChargerList()
        self._build_message_list(store)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        # the message inspector and the live power plot, side by side as tabs
        # the plot (pyqtgraph) is built when the tab is first shown: a faster start
        self.power_tab = PowerTab(central, metering, one_second)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.right_splitter, "Messages")
        self.tabs.addTab(self.power_tab, "Power")
        self.tabs.setTabToolTip(1, "Live power of the selected charger, its reporting cadence "
                                   "and 1-second power")
        # The other tabs' pages are built after the first paint, or when first needed
        # (deferred_tabs.py); the properties below build them.
        self._configuration, self._smart_charging = configuration, smart_charging
        self.deferred_tabs = DeferredTabs(self.tabs)
        for key, title, tooltip, factory in (
                ("configuration", "Configuration", "Read, change and restore the selected "
                 "charger's settings (1.6 keys, 2.0.1 device model)", self._build_config_editor),
                ("charging hours", "Charging hours", "UK off-peak charging hours, override, "
                 "randomised delay and a check of what the charger will do",
                 self._build_offpeak_panel),
                ("operations", "Operations", "Reset, test charge, unlock, availability, logs, "
                 "firmware and every other operation, as forms", self._build_operations_panel),
                ("security", "Security", "TLS, certificates, passwords, security events and "
                 "the guided security profile upgrade", self._build_security_panel),
                # a charger's serial debug port, and the relay to a charger's real back office
                ("serial", "Serial console", "A charger's debug port through a USB-serial "
                 "adapter: its console, with the OCPP messages found in it",
                 self._build_serial_panel),
                ("proxy", "Proxy", "Sit between a charger and its real central system: every "
                 "message passed on and recorded", self._build_proxy_panel)):
            self.deferred_tabs.add(key, title, tooltip, factory)
        # The charger cards must stay readable ("Connected", connector badges) however
        # wide the tabs on the right would like to be.
        self.chargers.setMinimumWidth(330)
        self.main_splitter.addWidget(self.chargers)
        self.main_splitter.addWidget(self.tabs)
        self.main_splitter.setCollapsible(0, False)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([340, 1020])
        container = QWidget()
        outer = QVBoxLayout(container)
        outer.setContentsMargins(8, 8, 8, 4)
        outer.addWidget(self.main_splitter)
        self.setCentralWidget(container)

        build_actions(self)
        build_status_bar(self)
        self.set_urls(urls or [])

        # ----------------------------------------------------------- signals
        self.chargers.charger_selected.connect(self._charger_clicked)
        self.chargers.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.chargers.list.customContextMenuRequested.connect(self._charger_menu)
        self.chargers.list.itemDoubleClicked.connect(
            lambda item: self.show_timeline(item.data(Qt.ItemDataRole.UserRole + 1),
                                            live=True))
        self._connect_message_list()

        # Station changes can come with every frame; repaint cards at most every 150 ms.
        self._dirty: dict[str, Station] = {}
        self._station_timer = QTimer(self)
        self._station_timer.setInterval(150)
        self._station_timer.timeout.connect(self._refresh_stations)
        self._station_timer.start()

        store.recorded.connect(self.feed.on_record)
        store.call_state_changed.connect(self.feed.on_record)
        store.recorded.connect(self.chargers.on_recorded)  # TLS refusals naming no charger
        central.station_changed.connect(self._on_station)
        self.chargers.forget_handler = central.forget
        for station in central.stations.values():
            self.chargers.update_station(station)
        # chargers watched through the proxy or a serial console get cards too
        self.observed = studio.observed if studio is not None else None
        self._sources: dict[str, str] = {}
        if self.observed is not None:
            self.observed.station_changed.connect(self._on_observed_change)
            for charger_id, station in self.observed.stations.items():
                self._on_observed_station(station, self.observed.sources.get(charger_id, ""))
        self.power_tab.set_charger(self.chargers.selected_charger())
        self._load_store_facts()
        self._send_dialog: SendMessageDialog | None = None

    # ------------------------------------------------------- deferred tabs
    @property
    def config_editor(self) -> ConfigEditor:
        return cast("ConfigEditor", self.deferred_tabs.get("configuration"))

    @property
    def offpeak_panel(self) -> OffPeakPanel:
        return cast("OffPeakPanel", self.deferred_tabs.get("charging hours"))

    @property
    def operations_panel(self) -> OperationsPanel:
        return cast("OperationsPanel", self.deferred_tabs.get("operations"))

    @property
    def security_panel(self) -> SecurityPanel:
        return cast("SecurityPanel", self.deferred_tabs.get("security"))

    @property
    def serial_panel(self) -> SerialPanel:
        return cast("SerialPanel", self.deferred_tabs.get("serial"))

    @property
    def proxy_panel(self) -> ProxyPanel:
        return cast("ProxyPanel", self.deferred_tabs.get("proxy"))

    def _build_config_editor(self) -> ConfigEditor:
        from .configuration.config_editor import ConfigEditor
        editor = ConfigEditor(self._configuration, self.central)
        editor.set_charger(self.chargers.selected_charger())
        return editor

    def _build_offpeak_panel(self) -> OffPeakPanel:
        from .charging_hours.offpeak_panel import OffPeakPanel
        panel = OffPeakPanel(self._smart_charging, self.central)
        panel.set_charger(self.chargers.selected_charger())
        return panel

    def _build_operations_panel(self) -> OperationsPanel:
        from .operations.operations_panel import OperationsPanel
        panel = OperationsPanel(self.central, self.studio)
        panel.frame_requested.connect(self.show_frame)
        panel.charging_hours_requested.connect(
            lambda: self.tabs.setCurrentWidget(self.offpeak_panel))
        panel.set_charger(self.chargers.selected_charger())
        return panel

    def _build_security_panel(self) -> SecurityPanel:
        from .security.security_panel import SecurityPanel
        panel = SecurityPanel(self.central, self.studio)
        panel.set_charger(self.chargers.selected_charger())
        return panel

    def _build_serial_panel(self) -> SerialPanel:
        from .sources.serial_panel import SerialPanel
        return SerialPanel(self.studio)

    def _build_proxy_panel(self) -> ProxyPanel:
        from .sources.proxy_panel import ProxyPanel
        return ProxyPanel(self.studio)

    @property
    def power_panel(self) -> PowerPanel:
        """The Power tab's panel (built now if the tab was never shown)."""
        return self.power_tab.panel()

    def notify(self, text: str, timeout_ms: int = 5000) -> None:
        """A short note in the status bar that does not hide the URL."""
        self.notice_label.setText(text)
        self._notice_timer.start(timeout_ms)

    # ----------------------------------------------------------------- urls
    def set_urls(self, urls: list[str]) -> None:
        self.urls = list(urls)
        if urls:
            shown = urls[0] + (f"  (also {', '.join(urls[1:])})" if len(urls) > 1 else "")
            self.url_label.setText(f"Chargers connect to: <b>{shown}</b>")
        else:
            self.url_label.setText("The central system is not listening")
        self.copy_button.setEnabled(bool(urls))
        self.chargers.set_urls(self.urls)

    def copy_url(self) -> None:
        if self.urls:
            QGuiApplication.clipboard().setText(self.urls[0])
            self.notify(f"Copied {self.urls[0]}", 3000)

    # ------------------------------------------------------------ observing
    def _on_station(self, station: Station) -> None:
        self._dirty[station.charger_id] = station

    def _on_observed_change(self, change: ObservedChange) -> None:
        self._on_observed_station(change.station, change.source)

    def _on_observed_station(self, station: Station, source: str) -> None:
        self._sources[station.charger_id] = source
        self._dirty[station.charger_id] = station

    def _refresh_stations(self) -> None:
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        for station in dirty.values():
            source = self._sources.get(station.charger_id, "")
            if station is self.central.stations.get(station.charger_id):
                source = ""  # answered by this laptop now (e.g. it left the proxy for us)
            self.chargers.update_station(station, source)
        self.offpeak_panel.refresh_connection()
        self.operations_panel.refresh_connection()
        self.security_panel.stations_changed(dirty)
        if self._send_dialog is not None and self._send_dialog.isVisible():
            self._send_dialog.refresh_chargers()

    # ------------------------------------------------------- charger list
    def _charger_clicked(self, charger_id: str | None) -> None:
        self.power_tab.set_charger(charger_id)
        self.config_editor.set_charger(charger_id)
        self.offpeak_panel.set_charger(charger_id)
        self.operations_panel.set_charger(charger_id)
        self.security_panel.set_charger(charger_id)
        if not self._syncing_charger:
            self.filter_bar.set_charger(charger_id)

    def _sync_charger_list(self, charger_id: str | None) -> None:
        """Show the filter's charger in the charger list too (they must agree)."""
        self._syncing_charger = True
        try:
            if charger_id is None or self.chargers.card(charger_id) is not None:
                self.chargers.select_charger(charger_id)
            else:  # a charger of an opened file that never connected live
                self.chargers.list.clearSelection()
                self.chargers.list.setCurrentItem(None)
        finally:
            self._syncing_charger = False

    def _charger_menu(self, position: QPoint) -> None:
        item = self.chargers.list.itemAt(position)
        charger = item.data(Qt.ItemDataRole.UserRole + 1) if item is not None else None
        if charger is None:
            return
        menu = self.charger_menu(charger)
        menu.exec(self.chargers.list.viewport().mapToGlobal(position))
        menu.deleteLater()

    def charger_menu(self, charger: str) -> QMenu:
        """The context menu of a charger's card."""
        menu = QMenu(self)
        offer = self.chargers.offer(charger)
        if offer is not None:  # refused: the setting that would let it in, first
            menu.setDefaultAction(menu.addAction(
                offer[0], lambda: self.open_preferences(offer[1], charger)))
            menu.addSeparator()
        menu.addAction("Show only this charger's messages",
                       lambda: self.filter_bar.set_charger(charger))
        menu.addAction("Connection timeline…", lambda: self.show_timeline(charger, live=True))
        station = self.central.stations.get(charger)
        add_operation_actions(menu, station.version if station is not None else None,
                              self.operations_panel.unavailable_reason(charger),
                              lambda name, fields: self.run_operation(charger, name, fields),
                              lambda: self.open_operations(charger))
        return menu

    # ------------------------------------------------------------ operations
    def open_operations(self, charger: str) -> OperationsPanel:
        """The Operations tab at ``charger``."""
        self.chargers.select_charger(charger)
        self.operations_panel.set_charger(charger)
        self.tabs.setCurrentWidget(self.operations_panel)
        return self.operations_panel

    def run_operation(self, charger: str, name: str, fields: dict) -> AsyncOp | None:
        """An operation from the card's menu, sent from the Operations tab's form."""
        return self.open_operations(charger).run_quick(name, fields)

    def show_frame(self, frame_id: int) -> bool:
        """Select a live frame in the Messages tab (an operation's linked frame)."""
        if self.store is not self.live_store:
            self.back_to_live()
        self.feed.flush()
        self.tabs.setCurrentWidget(self.right_splitter)
        if self.model.row_of_id(frame_id) is None:  # hidden by the filter: that charger's all
            frame = self.live_store.frame(frame_id)
            self.filter_bar.clear()
            if frame is not None and frame.charger:
                self.filter_bar.set_charger(frame.charger)
        return self.select_frame(frame_id)

    # ------------------------------------------------------------- timeline
    def show_timeline(self, charger: str | None = None, live: bool = False) -> "TimelineDialog":
        from .inspector.timeline_dialog import TimelineDialog  # noqa: PLC0415
        store = self.live_store if live else self.store
        charger = charger or self.filter_bar.selected_charger() or self.chargers.selected_charger()
        heartbeat = (self.central.settings.heartbeat_interval
                     if store is self.live_store else None)
        if self._timeline is not None:
            self._timeline.close()
            self._timeline.deleteLater()
        self._timeline = TimelineDialog(store, charger, utc=self.model.utc,
                                        heartbeat_interval_s=heartbeat, parent=self)
        self._timeline.show()
        return self._timeline

    def _error(self, title: str, text: str) -> None:
        show_failure(self, title, text)  # not modal: the chargers keep running

    # ---------------------------------------------------------------- send
    def open_send_dialog(self) -> SendMessageDialog:
        if self._send_dialog is None:
            self._send_dialog = SendMessageDialog(
                self.central, self, self.chargers.selected_charger(),
                proxy=lambda: self.studio.proxy if self.studio is not None else None)
        else:
            self._send_dialog.refresh_chargers(self.chargers.selected_charger())
        self._send_dialog.show()
        self._send_dialog.raise_()
        return self._send_dialog

    # -------------------------------------------------------- commissioning
    def commissioning_state_path(self) -> Path | None:
        from .commissioning.commissioning_wizard import state_path_for
        return state_path_for(self.live_capture_path)

    def open_commissioning(self, charger_id: str | None = None, run: object | None = None,
                           resume: bool = False) -> object | None:
        """Open the commissioning wizard (modeless) for ``charger_id``, the selected
        charger, or a new charger that is yet to connect; or for a resumed ``run``."""
        from shiboken6 import isValid

        from .commissioning.commissioning_wizard import open_wizard, suggested_charger_id
        if run is None and self.wizard is not None and isValid(self.wizard) and \
                (self.wizard.isVisible() or not getattr(self.wizard.run, "finished", False)):
            # open, or closed with "Continue later": carry on with the same run
            self.wizard.show()
            self.wizard.raise_()
            self.wizard.activateWindow()
            return self.wizard
        if run is None:
            charger_id = charger_id or self.chargers.selected_charger() or \
                suggested_charger_id(self.central.stations)
            try:
                run = self._new_commissioning_run(charger_id)
            except Exception as exc:  # noqa: BLE001 - engine missing or refused: say so
                log.exception("cannot start commissioning")
                self._error("Cannot start commissioning", str(exc))
                return None
        self.wizard = open_wizard(run, urls=lambda: list(self.urls), parent=self,
                                  resume=resume)
        return self.wizard

    def _new_commissioning_run(self, charger_id: str) -> object:
        from ..commissioning.profile import CommissioningProfile
        new_run = getattr(self.commissioning, "new_run", None)  # a stand-in service (tests)
        if callable(new_run):
            return new_run(charger_id)
        if self.commissioning is not None:  # keeps the state beside the capture
            return self.commissioning.start(charger_id, CommissioningProfile())
        if self.studio is None:
            raise RuntimeError("Commissioning is not available in this window.")
        from ..commissioning.engine import CommissioningRun
        return CommissioningRun(self.studio, charger_id, CommissioningProfile(),
                                state_path=self.commissioning_state_path())

    # -------------------------------------------------------------- closing
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.detach()
        super().closeEvent(event)
        self.closed.emit()

    def detach(self) -> None:
        """Stop observing: after this nothing calls into the window."""
        if self.wizard is not None:
            from shiboken6 import isValid
            if isValid(self.wizard):
                self.wizard.close()  # cancels a running step; its state stays saved
            self.wizard = None
        self.live_store.recorded.disconnect(self.feed.on_record)
        self.live_store.call_state_changed.disconnect(self.feed.on_record)
        self.live_store.recorded.disconnect(self.chargers.on_recorded)
        self.central.station_changed.disconnect(self._on_station)
        if self.observed is not None:
            self.observed.station_changed.disconnect(self._on_observed_change)
        self.feed.stop()
        self._station_timer.stop()
        self.power_tab.detach()
        for key in ("operations", "serial", "proxy"):  # the pages built, never built now
            page = self.deferred_tabs.built(key)
            if page is not None:
                page.detach()  # type: ignore[attr-defined]
        if self._opened_store is not None:
            self._opened_store.close()
            self._opened_store = None
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None
