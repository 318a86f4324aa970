"""The layering rule of DESIGN.md: only ocpp_studio.ui imports Qt."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_only_ui_imports_qt():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


def test_core_runs_without_qt_installed_in_the_process():
    code = ("import sys; import ocpp_studio.cli, ocpp_studio.service, ocpp_studio.demo; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync', 'pyqtgraph')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
