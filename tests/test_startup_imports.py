"""What the window's start imports (issue 17: start to window < 1 s).

The control API (aiohttp), the file servers (aiohttp, aioftp), the power plot (pyqtgraph),
the ``ocpp`` package's calls and datatypes, jsonschema (the fast check validates; jsonschema
explains a failure) and cryptography (certificates, CSRs, signatures: core/lazy.py) are left
out of the start; these tests check it
in a fresh interpreter (``sys.modules``), so a top-level import added later fails here instead
of silently slowing every start. benchmarks/bundle.py measures the time itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from ocpp_studio.ui.self_test import DEFERRED_TAB_MODULES as HIDDEN_TAB_MODULES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

#: loaded only when used: the API / a file transfer / the Power tab / never by the studio /
#: a payload's violations to explain (or a date-time to check) / a certificate or key /
#: a request to the control API (the command line's clients)
NOT_AT_START = ["aiohttp", "aioftp", "pyqtgraph", "ocpp.v16.call", "ocpp.v201.call",
                "ocpp.v21.call", "ocpp.v201.datatypes", "ocpp.v21.datatypes",
                "ocpp.charge_point", "jsonschema", "cryptography", "urllib.request"]


def loaded_after(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints a JSON object as its last line."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def modules_code(imports: str) -> str:
    return (f"import json, sys\n{imports}\n"
            f"print(json.dumps({{'loaded': [m for m in {NOT_AT_START!r} if m in sys.modules]}}))")


def test_the_service_does_not_import_the_api_file_servers_or_ocpp_calls() -> None:
    result = loaded_after(modules_code("import ocpp_studio.service"))
    assert result["loaded"] == []


def test_the_gui_entry_does_not_import_them_either() -> None:
    result = loaded_after(modules_code("import ocpp_studio.cli, ocpp_studio.ui.app"))
    assert result["loaded"] == []


def test_the_2_1_enums_are_loaded_when_first_used() -> None:
    """112 enum classes (~17 ms) that only 2.1 chargers need (_ocpp_enums.LAZY): the window's
    start leaves them unread; the first use reads them, the same classes as the package's."""
    result = loaded_after(
        "import json, sys, types\n"
        "import ocpp_studio.cli, ocpp_studio.ui.app\n"
        "lazy = type(sys.modules['ocpp.v21.enums']) is not types.ModuleType\n"
        "from ocpp_studio.station.adapters.operations import Requests21\n"
        "triggers = Requests21().triggers\n"
        "from ocpp.v21 import call\n"  # the package imported the usual way, later
        "from ocpp.v21.enums import MessageTriggerEnumType\n"
        "print(json.dumps({'lazy': lazy, 'package': 'ocpp.v21' in sys.modules,"
        " 'same': triggers == tuple(m.value for m in MessageTriggerEnumType),"
        " 'custom': 'CustomTrigger' in triggers}))")
    assert result == {"lazy": True, "package": True, "same": True, "custom": True}


def test_the_headless_studio_does_not_import_numpy() -> None:
    """numpy (~0.1 s) is imported when meter values are kept or a step measures them; the
    window still needs it at start for its message list (capture/query.py)."""
    result = loaded_after("import json, sys\nimport ocpp_studio.service, ocpp_studio.cli\n"
                          "print(json.dumps({'numpy': 'numpy' in sys.modules}))")
    assert result == {"numpy": False}


def test_a_studio_on_a_live_capture_imports_numpy_ahead_of_the_first_meter_values(
        tmp_path: Path) -> None:
    """Not on the event loop while the first MeterValues waits for its answer (it held
    the serve loop ~0.1 s, benchmarks/scale.py), and not at import either."""
    result = loaded_after(
        "import json, sys, threading\n"
        "from ocpp_studio.service import Studio\n"
        "from ocpp_studio.settings import AppSettings\n"
        "before = 'numpy' in sys.modules\n"
        f"studio = Studio(AppSettings(capture_path={str(tmp_path / 'c.db')!r}))\n"
        "[t.join(60) for t in threading.enumerate() if t.name == 'import numpy']\n"
        "studio.store.close()\n"
        "print(json.dumps({'before': before, 'after': 'numpy' in sys.modules}))")
    assert result == {"before": False, "after": True}


def test_the_ocpp_enums_are_the_ones_ocpp_itself_uses_when_imported_later() -> None:
    result = loaded_after(
        "import json, sys\n"
        "import ocpp_studio\n"
        "from ocpp.v201.enums import SetVariableStatusEnumType as early\n"
        "before = 'ocpp.v201' in sys.modules\n"
        "from ocpp.v201 import call_result, enums\n"  # the package, imported the usual way
        "from ocpp.v201.datatypes import SetVariableResultType\n"
        "print(json.dumps({'before': before, 'same': enums.SetVariableStatusEnumType is early,"
        " 'module': early.__module__}))")
    assert result == {"before": False, "same": True, "module": "ocpp.v201.enums"}


#: a fresh interpreter's main window on an in-memory capture, shown (no StudioRun: no
#: first-paint work)
SHOWN_WINDOW = (
    "import json, sys\n"
    "from ocpp_studio.ui.app import make_app\n"
    "from ocpp_studio.capture.store import CaptureStore\n"
    "from ocpp_studio.settings import CsmsSettings\n"
    "from ocpp_studio.station.central import CentralSystem\n"
    "from ocpp_studio.ui.main_window import MainWindow\n"
    "app = make_app()\n"
    "store = CaptureStore(':memory:')\n"
    "central = CentralSystem(store, CsmsSettings(host='127.0.0.1', port=0))\n"
    "window = MainWindow(central, store, urls=[], capture_path='(memory)')\n"
    "window.show(); app.processEvents()\n")


def test_the_power_plot_is_built_when_the_power_tab_is_first_shown() -> None:
    result = loaded_after(
        SHOWN_WINDOW +
        "shown = ('pyqtgraph' in sys.modules, window.power_tab.built)\n"
        "window.tabs.setCurrentWidget(window.power_tab); app.processEvents()\n"
        "power = ('pyqtgraph' in sys.modules, window.power_tab.built,"
        " window.power_panel.isVisible())\n"
        "window.detach(); window.close(); store.close()\n"
        "print(json.dumps({'shown': shown, 'power': power}))")
    assert result == {"shown": [False, False], "power": [True, True, True]}




def test_the_hidden_tabs_are_built_in_place_when_first_needed() -> None:
    """The window's first picture has every tab title but not the pages behind the hidden
    tabs (their modules neither). Switching to one builds that one where its placeholder
    was; choosing a charger builds the others, each showing that charger."""
    result = loaded_after(
        SHOWN_WINDOW +
        "titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]\n"
        f"loaded = [m for m in {HIDDEN_TAB_MODULES!r} if m in sys.modules]\n"
        "window.tabs.setCurrentIndex(titles.index('Proxy')); app.processEvents()\n"
        "page = window.tabs.currentWidget()\n"
        "proxy = (type(page).__name__, page.isVisible(), page is window.proxy_panel,"
        " 'ocpp_studio.ui.configuration.config_editor' in sys.modules)\n"
        "from ocpp_studio.station.model import Station\n"
        "window.chargers.update_station(Station('CP-7'))\n"
        "window.chargers.select_charger('CP-7')\n"  # as a click on its card does
        "window.tabs.setCurrentIndex(titles.index('Configuration')); app.processEvents()\n"
        "page = window.tabs.currentWidget()\n"
        "configuration = (type(page).__name__, page is window.config_editor, page.charger,"
        " page.isVisible(), window.tabs.tabText(window.tabs.currentIndex()))\n"
        "window.detach(); window.close(); store.close()\n"
        "print(json.dumps({'titles': titles, 'loaded': loaded, 'proxy': proxy,"
        " 'configuration': configuration}))")
    assert result["titles"] == ["Messages", "Power", "Configuration", "Charging hours",
                                "Operations", "Security", "Serial console", "Proxy"]
    assert result["loaded"] == []
    assert result["proxy"] == ["ProxyPanel", True, True, False]  # only the tab switched to
    assert result["configuration"] == ["ConfigEditor", True, "CP-7", True, "Configuration"]


@pytest.fixture
def power_tab(qtbot):  # noqa: ANN001, ANN201 - pytest-qt's fixture
    from ocpp_studio.metering import MeteringService
    from ocpp_studio.ui.power.power_tab import PowerTab
    tab = PowerTab(None, MeteringService(), None)
    qtbot.addWidget(tab)
    yield tab
    tab.detach()


def test_the_charger_chosen_before_the_tab_was_shown_is_the_one_plotted(power_tab) -> None:
    power_tab.set_charger("CP-7")
    assert not power_tab.built
    power_tab.show()
    assert power_tab.built
    panel = power_tab.panel()
    assert (panel.charger, panel.auto_charger) == ("CP-7", False)
    power_tab.set_charger(None)  # "All chargers" afterwards reaches the built panel
    assert panel.auto_charger


def test_a_detached_tab_is_not_built_when_shown_afterwards(power_tab) -> None:
    power_tab.detach()
    power_tab.show()
    assert not power_tab.built


def test_work_after_the_first_paint_waits_for_it_and_runs_once(qtbot) -> None:
    """The demo chargers start after the window's first paint (app.after_first_paint)."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QLabel

    from ocpp_studio.ui.app import after_first_paint

    events: list[str] = []

    class Paints(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                events.append("paint")
            return False

    widget = QLabel("OCPP Studio")
    qtbot.addWidget(widget)
    paints = Paints()
    widget.installEventFilter(paints)
    after_first_paint(widget, lambda: events.append("work"))
    widget.show()
    assert "work" not in events  # never before the event loop has painted the window
    qtbot.waitUntil(lambda: "work" in events, timeout=10_000)
    widget.update()
    qtbot.waitUntil(lambda: events.count("paint") >= 2, timeout=10_000)
    assert events.index("paint") < events.index("work") and events.count("work") == 1
    widget.removeEventFilter(paints)


def test_the_studio_is_imported_before_pyside6_which_then_does_not_read_its_source() -> None:
    """PySide6 reads the source of every module imported after it, and of each module an
    import statement names after it (looking for ``__feature__``): the window imports the
    studio (service, commissioning, websockets...) first, so only what the ui modules name
    themselves is read (about 140 modules instead of 490). The commissioning engine and its
    steps are left out on purpose: only a run needs them (commissioning/__init__.py)."""
    result = loaded_after(
        "import json, sys\n"
        "import ocpp_studio.ui.app\n"
        "from shibokensupport import feature\n"
        "names = ['ocpp_studio.service', 'ocpp_studio.commissioning.service',"
        " 'ocpp_studio.configuration.service', 'websockets.asyncio.server',"
        " 'numpy._core.numeric', 'serial.serialutil']\n"
        "print(json.dumps({'loaded': [n for n in names if n in sys.modules],"
        " 'read': [n for n in names if n in feature.pyside_feature_dict],"
        " 'engine': 'ocpp_studio.commissioning.engine' in sys.modules}))")
    assert len(result["loaded"]) == 6 and result["read"] == []
    assert result["engine"] is False


def test_the_engine_is_imported_at_start_only_when_an_unfinished_run_is_there(tmp_path) -> None:
    """The window looks for an unfinished commissioning run at every start (offer_resume);
    the engine and its steps are imported only when a state file is there to read."""
    code = (
        "import asyncio, json, sys\n"
        "from types import SimpleNamespace\n"
        "from ocpp_studio.ui.app import StudioRun\n"
        "run = StudioRun.__new__(StudioRun)\n"
        f"run.window = SimpleNamespace(live_capture_path={str(tmp_path / 'c.db')!r})\n"
        "async def no(text): return False\n"
        "offered = asyncio.run(run.offer_resume(ask=no))\n"
        "print(json.dumps({'offered': offered,"
        " 'engine': 'ocpp_studio.commissioning.engine' in sys.modules}))")
    assert loaded_after(code) == {"offered": False, "engine": False}
    (tmp_path / "c.db.commissioning.json").write_text(json.dumps(
        {"charger_id": "CP1", "steps": [], "done": 1, "total": 9}))
    assert loaded_after(code)["engine"] is True  # a state file to read: the engine reads it


def test_a_lazy_module_is_imported_on_first_use_and_then_is_the_module() -> None:
    result = loaded_after(
        "import json, sys\n"
        "from ocpp_studio.core.lazy import lazy_module, lazy_name\n"
        "x509 = lazy_module('cryptography.x509')\n"
        "oid = lazy_name('cryptography.x509.oid', 'NameOID')\n"
        "before = 'cryptography' in sys.modules\n"
        "from cryptography.x509.oid import NameOID\n"
        "import cryptography.x509 as real\n"
        "print(json.dumps({'before': before, 'same': x509.Certificate is real.Certificate,"
        " 'oid': oid.COMMON_NAME == NameOID.COMMON_NAME}))")
    assert result == {"before": False, "same": True, "oid": True}


def test_the_first_explained_violation_and_certificate_import_them() -> None:
    """Deferred, not gone: validation explains a failure and the CA issues certificates."""
    result = loaded_after(
        "import json, sys, tempfile\n"
        "import ocpp_studio.service\n"
        "from ocpp_studio.core.schemas import validate\n"
        "from ocpp_studio.core.versions import OcppVersion\n"
        "from ocpp_studio.security.ca import StudioCA\n"
        "ok = validate(OcppVersion.V16, 'Heartbeat', 'response',"
        " {'currentTime': '2026-01-01T00:00:00Z'})\n"
        "bad = validate(OcppVersion.V16, 'Heartbeat', 'response', {'currentTime': 5})\n"
        "ca = StudioCA(tempfile.mkdtemp())\n"
        "print(json.dumps({'ok': ok, 'bad': [v.keyword for v in bad],"
        " 'cn': ca.certificate.subject.rfc4514_string().count('CN='),"
        " 'loaded': ['jsonschema' in sys.modules, 'cryptography' in sys.modules]}))")
    assert result == {"ok": [], "bad": ["type"], "cn": 1, "loaded": [True, True]}


def test_numpy_runs_one_blas_thread_unless_the_user_said_otherwise() -> None:
    """OpenBLAS's spinning pool cost ~0.1 s of CPU per start on a 2-core machine."""
    code = ("import json, os\nimport ocpp_studio, numpy\n"
            "print(json.dumps({'setting': os.environ.get('OPENBLAS_NUM_THREADS')}))")
    # this test process imported ocpp_studio too: its environment has the setting already
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}

    def setting(env: dict[str, str]) -> str | None:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout.strip().splitlines()[-1])["setting"]

    assert setting(clean) == "1"
    assert setting({**clean, "OPENBLAS_NUM_THREADS": "3"}) == "3"
