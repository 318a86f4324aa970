"""One studio per capture database: a second one is refused and told who holds it."""

import subprocess
import sys
import textwrap

import pytest

from ocpp_studio.capture.lock import CaptureInUse
from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.cli import main

HOLDER = textwrap.dedent("""
    import sys
    from ocpp_studio.capture.store import CaptureStore
    store = CaptureStore(sys.argv[1])
    print("holding", flush=True)
    sys.stdin.readline()  # until the test is done
    store.close()
""")


@pytest.fixture
def held_capture(tmp_path):
    """A capture database opened by another process (another studio)."""
    path = tmp_path / "capture.db"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield path, holder.pid
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_second_studio_is_told_which_process_holds_the_capture(held_capture):
    path, pid = held_capture
    with pytest.raises(CaptureInUse) as caught:
        CaptureStore(path)
    assert f"process {pid}" in str(caught.value) and str(path) in str(caught.value)
    # reading it (export) is still allowed
    CaptureStore(path, read_only=True).close()


def test_cli_exits_2_with_one_plain_line(held_capture, tmp_path, capsys):
    path, pid = held_capture
    lines = tmp_path / "in.jsonl"
    lines.write_text("")
    assert main(["import", "--capture", str(path), str(lines)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"in use by another OCPP Studio: process {pid}" in err


def test_lock_is_released_on_close_and_shared_within_one_studio(tmp_path):
    path = tmp_path / "capture.db"
    first = CaptureStore(path)
    second = CaptureStore(path)  # the same process (the window re-opening it) is no rival
    second.close()
    first.close()
    # free again for another process
    done = subprocess.run([sys.executable, "-c", "import sys\n"
                           "from ocpp_studio.capture.store import CaptureStore\n"
                           "CaptureStore(sys.argv[1]).close()", str(path)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_window_offers_another_capture_file_when_in_use(held_capture, tmp_path, loop,
                                                        monkeypatch):
    """GUI: the capture is in use -> the user picks another file (or quits)."""
    from ocpp_studio.settings import AppSettings
    from ocpp_studio.ui import app as app_module

    path, pid = held_capture
    asked = []

    async def choose(message):
        asked.append(message)
        return str(tmp_path / "other.db") if len(asked) == 1 else None

    monkeypatch.setattr(app_module, "choose_other_capture", choose)
    run = app_module.StudioRun(AppSettings(capture_path=str(path)))
    assert loop.run_until_complete(run._open_studio())
    assert f"process {pid}" in asked[0]
    assert run.studio.capture_path == tmp_path / "other.db"
    run.studio.store.close()
    quitting = app_module.StudioRun(AppSettings(capture_path=str(path)))
    assert not loop.run_until_complete(quitting._open_studio())  # Quit
