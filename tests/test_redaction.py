"""Charger passwords are never shown in clear in the log view or exports unless asked for."""

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from ocpp_studio.capture.jsonl import export_jsonl  # noqa: E402
from ocpp_studio.capture.redaction import MASK, redact_raw  # noqa: E402
from ocpp_studio.capture.store import CaptureStore  # noqa: E402
from ocpp_studio.cli import format_record  # noqa: E402
from ocpp_studio.core.records import Direction, FrameRecord  # noqa: E402

KEY_16 = '[2,"c1","ChangeConfiguration",{"key":"AuthorizationKey","value":"0123456789abcdef01"}]'
PW_201 = ('[2,"s1","SetVariables",{"setVariableData":[{"attributeValue":"hunter2-hunter2-x",'
          '"component":{"name":"SecurityCtrlr"},"variable":{"name":"BasicAuthPassword"}},'
          '{"attributeValue":"60","component":{"name":"OCPPCommCtrlr"},'
          '"variable":{"name":"HeartbeatInterval"}}]}]')
REPORT = ('[2,"r1","NotifyReport",{"requestId":1,"generatedAt":"2026-01-01T00:00:00Z","seqNo":0,'
          '"reportData":[{"component":{"name":"SecurityCtrlr"},"variable":{"name":"BasicAuthPassword"},'
          '"variableAttribute":[{"value":"leaked-by-charger","mutability":"WriteOnly"}]}]}]')


def test_passwords_are_masked_and_other_values_kept():
    masked = json.loads(redact_raw(KEY_16))
    assert masked[3] == {"key": "AuthorizationKey", "value": MASK}
    masked = json.loads(redact_raw(PW_201))
    assert masked[3]["setVariableData"][0]["attributeValue"] == MASK
    assert masked[3]["setVariableData"][1]["attributeValue"] == "60"
    assert "leaked-by-charger" not in redact_raw(REPORT)
    plain = '[2,"h","ChangeConfiguration",{"key":"HeartbeatInterval","value":"60"}]'
    assert redact_raw(plain) == plain  # untouched, byte for byte
    assert redact_raw("not json AuthorizationKey") == "not json AuthorizationKey"


def test_export_masks_unless_asked_and_the_capture_keeps_the_wire_text(tmp_path):
    store = CaptureStore(tmp_path / "c.db")
    store.record_frame(FrameRecord("CP", Direction.TO_CHARGER, KEY_16, message_type=2))
    store.record_frame(FrameRecord("CP", Direction.TO_CHARGER, PW_201, message_type=2))
    masked, revealed = tmp_path / "masked.jsonl", tmp_path / "revealed.jsonl"
    export_jsonl(store, masked)
    export_jsonl(store, revealed, reveal_secrets=True)
    assert "0123456789abcdef01" not in masked.read_text() and "hunter2" not in masked.read_text()
    raws = [json.loads(line)["raw"] for line in revealed.read_text().splitlines()[1:]]
    assert raws == [KEY_16, PW_201]
    assert [f.raw for f in store.frames()] == [KEY_16, PW_201]  # nothing lost


def test_serve_log_line_masks_the_password():
    line = format_record(FrameRecord("CP", Direction.TO_CHARGER, KEY_16, message_type=2,
                                     action="ChangeConfiguration"))
    assert "0123456789abcdef01" not in line and MASK in line


def test_detail_pane_hides_until_show_passwords(qtbot):
    from PySide6.QtGui import QGuiApplication

    from ocpp_studio.ui.detail_pane import FrameDetail
    pane = FrameDetail()
    qtbot.addWidget(pane)
    record = FrameRecord("CP", Direction.TO_CHARGER, KEY_16, message_type=2,
                         action="ChangeConfiguration", unique_id="c1", id=1)
    pane.show_pair(record, None)
    assert "0123456789abcdef01" not in pane.raw.toPlainText()
    assert not pane.reveal.isHidden()
    pane.copy_raw_text()
    assert "0123456789abcdef01" not in QGuiApplication.clipboard().text()
    pane.reveal.setChecked(True)
    assert pane.raw.toPlainText() == KEY_16
    pane.copy_raw_text()
    assert QGuiApplication.clipboard().text() == KEY_16
