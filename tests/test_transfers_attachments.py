"""Received logs from earlier runs are listed, and a received log attached to the commissioning
report is listed there with its size, SHA-256 and when it was received (issue 16 §3)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import jsonschema  # noqa: E402

from test_commissioning_report import SCHEMA, run_async, run_steps, studio_and_demo  # noqa: E402

from ocpp_studio.commissioning.steps import ConnectStep, ReportStep  # noqa: E402
from ocpp_studio.core.versions import OcppVersion  # noqa: E402
from ocpp_studio.station.transfer_files import attach, attachments, received_files  # noqa: E402
from ocpp_studio.station.transfers import TransferManager  # noqa: E402


def _earlier_run(folder: Path) -> tuple[Path, Path]:
    """What an earlier studio run left in ``<capture>.files/CP-1/``: two logs, one upload
    cut off half-way (``.part``)."""
    charger = folder / "CP-1"
    charger.mkdir(parents=True)
    old, new = charger / "CP-1-diagnostics.log", charger / "CP-1-security.log"
    old.write_text("old diagnostics\n")
    new.write_text("newer security log\n")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_700_000_600, 1_700_000_600))
    (charger / "CP-1-diagnostics.log.part").write_text("half")
    return old, new


def test_logs_from_earlier_runs_are_listed_newest_first_without_partial_uploads(
        tmp_path: Path) -> None:
    old, new = _earlier_run(tmp_path)
    manager = TransferManager(central=None, folder=tmp_path)
    found = manager.received_logs("CP-1")
    assert [f.path for f in found] == [new, old]
    assert found[0].size == len("newer security log\n")
    assert found[0].to_json()["received"].startswith("2023-11-14T22:23:20")
    assert manager.received_logs("NEVER-SEEN") == []
    assert not (tmp_path / "NEVER-SEEN").exists()  # listing makes no folder


def test_attach_lists_size_sha256_and_received_and_survives_a_new_manager(
        tmp_path: Path) -> None:
    old, new = _earlier_run(tmp_path)
    manager = TransferManager(central=None, folder=tmp_path)
    manager.attach("CP-1", new)
    manager.attach("CP-1", new)  # twice: listed once
    manager.attach("CP-1", old)
    again = TransferManager(central=None, folder=tmp_path)  # the next studio run
    listed = again.attachments("CP-1")
    assert [a["name"] for a in listed] == [new.name, old.name]
    assert listed[0]["sha256"] == hashlib.sha256(new.read_bytes()).hexdigest()
    assert listed[0]["size"] == new.stat().st_size and listed[0]["missing"] is False
    # the attachment list is not itself a received log
    assert [f.path.name for f in received_files(tmp_path / "CP-1")] == [new.name, old.name]
    old.unlink()
    gone = attachments(tmp_path / "CP-1")[1]
    assert gone["missing"] is True and gone["sha256"] is None
    try:
        attach(tmp_path / "CP-1", tmp_path / "nothing-here.log")
    except FileNotFoundError as exc:
        assert "nothing-here.log is not a file" in str(exc)
    else:
        raise AssertionError("attached a missing file")


def test_logs_view_lists_earlier_runs_and_attaches(qtbot: Any, tmp_path: Path) -> None:
    from ocpp_studio.ui.operations.logs_view import LogsView
    old, new = _earlier_run(tmp_path)
    manager = TransferManager(central=None, folder=tmp_path)
    view = LogsView(manager)
    qtbot.addWidget(view)
    view.set_charger("CP-1")
    assert view.files.count() == 2
    assert view.files.item(0).text().startswith(f"{new.name}  (19 bytes, received ")
    assert "attached" not in view.files.item(0).text()
    assert view.attach_button.isEnabled()
    assert view.attach(view.files.currentItem())
    assert view.files.item(0).text().endswith("· attached to the report")
    assert "will be listed in CP-1's commissioning report" in view.files_note.text()
    assert "commissioning report" not in view.progress.words.text()  # the job's words stay
    assert [a["path"] for a in manager.attachments("CP-1")] == [str(new)]
    view.set_charger("OTHER")
    assert view.files.count() == 0 and not view.attach_button.isEnabled()


def test_a_fetched_log_attached_is_in_the_commissioning_report(tmp_path: Path) -> None:
    async def go() -> None:
        cid = "REP-ATTACH"
        async with studio_and_demo(tmp_path, cid, OcppVersion.V201) as (studio, charger):
            assert await charger.wait_booted(10)
            job = await studio.central.transfers.get_log(cid, "security", scheme="http")
            progress = await asyncio.wait_for(job.wait(), 60)
            assert progress.ok, progress.words
            assert progress.file is not None
            studio.central.transfers.attach(cid, progress.file)
            run = await run_steps(studio, cid, [ConnectStep(), ReportStep()])
            data = run.report().to_json()
            jsonschema.validate(json.loads(json.dumps(data, default=str)),
                                json.loads(SCHEMA.read_text(encoding="utf-8")))
            [item] = data["attachments"]
            assert item["name"] == progress.file.name
            assert item["sha256"] == hashlib.sha256(progress.file.read_bytes()).hexdigest()
            assert item["size"] == progress.file.stat().st_size
            html = run.report().to_html()
            assert "<h2>Attachments</h2>" in html and item["sha256"] in html
            assert progress.file.parent == tmp_path / "capture.db.files" / cid
    run_async(go(), 120)
