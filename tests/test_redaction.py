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

    from ocpp_studio.ui.inspector.detail_pane import FrameDetail
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


# ---------------------------------------------------------------- issue 12 item 2
import asyncio  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from ocpp_studio.capture.redaction import redact_value  # noqa: E402
from ocpp_studio.cli import main  # noqa: E402
from ocpp_studio.core.frames import dumps  # noqa: E402

#: What chargers (and `config pull`) sent that made the export, the API and the GUI fail.
HOSTILE_FRAMES = [
    '[2,"g1","GetConfiguration",{"key":["HeartbeatInterval","AuthorizationKey","WifiPassword"]}]',
    '[2,"p-1","Heartbeat",{"key":["AuthorizationKey"]}]',
    '[3,"g1",{"configurationKey":{"key":"AuthorizationKey","value":"x"}}]',
    '[3,"g1",{"configurationKey":"AuthorizationKey"}]',
    '[2,"s1","SetVariables",{"setVariableData":[{"variable":{"name":["BasicAuthPassword"]}}]}]',
    '[2,"s1","SetVariables",{"setVariableData":{"variable":"BasicAuthPassword"}}]',
    '[2,"k","ChangeConfiguration",{"key":{"AuthorizationKey":1},"value":[1,2]}]',
    '{"key":"AuthorizationKey","value":"not a message"}',
    '[2,"k","ChangeConfiguration",{"key":"AuthorizationKey","value":"' + "[" * 3000 + '"}]',
    "[" * 5000 + "]" * 5000 + ' "AuthorizationKey"',
]

_json_leaf = st.none() | st.booleans() | st.integers() | st.text() | \
    st.decimals(allow_nan=False, allow_infinity=False)
_names = st.sampled_from(["key", "value", "variable", "name", "attributeValue", "variableAttribute",
                          "configurationKey", "AuthorizationKey", "password", "vpn", "apnPassword",
                          "setVariableData", "idToken", "Token"]) | st.text(max_size=12)
ANY_JSON = st.recursive(_json_leaf, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(_names, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(ANY_JSON)
def test_redaction_never_fails_on_any_json_value(value):
    assert isinstance(redact_raw(dumps(value)), str)
    for message_type in (2, 3):
        frame = [message_type, "id", "Action", value] if message_type == 2 else [3, "id", value]
        assert isinstance(redact_raw(dumps(frame)), str)
    redact_value(value)  # and the configuration values path (model.redact)


def test_hostile_frames_export_serve_and_show(tmp_path, capsys):
    db = tmp_path / "c.db"
    store = CaptureStore(db)
    for raw in HOSTILE_FRAMES:
        store.record_frame(FrameRecord("CP", Direction.TO_CSMS, raw, message_type=2))
        format_record(FrameRecord("CP", Direction.TO_CSMS, raw))  # serve output
    store.close()
    out = tmp_path / "out.jsonl"
    assert main(["export", "--capture", str(db), str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {len(HOSTILE_FRAMES)} lines")
    assert len(out.read_text().splitlines()) == len(HOSTILE_FRAMES) + 1


def test_a_failed_export_says_so_and_leaves_no_file(tmp_path, capsys, monkeypatch):
    db = tmp_path / "c.db"
    store = CaptureStore(db)
    for n in range(3):
        store.record_frame(FrameRecord("CP", Direction.TO_CSMS, KEY_16, message_type=2))
    store.close()

    def broken(raw):
        raise TypeError("unhashable type: 'list'")
    monkeypatch.setattr("ocpp_studio.capture.jsonl.redact_raw", broken)
    out = tmp_path / "out.jsonl"
    assert main(["export", "--capture", str(db), str(out)]) == 1
    assert "export failed" in capsys.readouterr().err
    assert list(tmp_path.glob("out.jsonl*")) == [] and list(tmp_path.glob(".out.jsonl*")) == []
    out.write_text("an earlier export\n")  # and an earlier export of that name is kept
    assert main(["export", "--capture", str(db), str(out)]) == 1
    assert out.read_text() == "an earlier export\n"


def test_frames_api_answers_after_a_charger_sends_a_key_list():
    import aiohttp

    from conftest import exchange, raw_charger, running_csms
    from ocpp_studio.api.server import ControlApi

    async def scenario():
        async with running_csms() as csms:
            api = ControlApi(csms.central, csms.store, 0, token="t")
            await api.start()
            try:
                async with raw_charger(csms.url("CP1")) as ws:
                    await exchange(ws, HOSTILE_FRAMES[1])
                    headers = {"Authorization": "Bearer t"}
                    async with aiohttp.ClientSession(headers=headers) as http:
                        async with http.get(f"http://127.0.0.1:{api.port}/api/v1/frames") as r:
                            assert r.status == 200
                            raws = [f["raw"] for f in await r.json()]
                assert HOSTILE_FRAMES[1] in raws
            finally:
                await api.stop()
    asyncio.run(scenario())


def test_gui_export_failure_is_reported_not_left_exporting(loop, tmp_path, monkeypatch):
    from test_ui_main_window import studio

    def broken(raw):
        raise TypeError("unhashable type: 'list'")
    monkeypatch.setattr("ocpp_studio.capture.jsonl.redact_raw", broken)
    target = tmp_path / "x.jsonl"

    async def scenario():
        async with studio() as s:
            s.store.record_frame(FrameRecord("CP", Direction.TO_CHARGER, KEY_16, message_type=2))
            errors = []
            monkeypatch.setattr(s.window, "_error", lambda title, text: errors.append((title, text)))
            await s.window._export("all", str(target))  # what "Export all" runs
            assert errors and errors[0][0] == "Export failed" and "unhashable" in errors[0][1]
            assert "Exporting" not in s.window.notice_label.text()
    loop.run_until_complete(asyncio.wait_for(scenario(), 60))
    assert list(tmp_path.iterdir()) == []  # no partial file


# ---------------------------------------------------------------- issue 16: file-server logins
GET_DIAGNOSTICS = ('[2,"d1","GetDiagnostics",{"location":'
                   '"ftp://u7Kx:Zq9-one-time_pw@192.168.1.20:2121/a1b2c3/","retries":1}]')
UPDATE_FIRMWARE_201 = ('[2,"f1","UpdateFirmware",{"requestId":4,"firmware":{"location":'
                       '"http://fw:s3cr3T-x@10.0.0.2:8080/tok/fw-2.0.bin",'
                       '"retrieveDateTime":"2026-01-01T00:00:00Z"}}]')


def test_url_passwords_in_transfer_locations_are_masked():
    from ocpp_studio.capture.redaction import might_hold_secret, redact_url_passwords
    masked = json.loads(redact_raw(GET_DIAGNOSTICS))
    assert masked[3]["location"] == f"ftp://u7Kx:{MASK}@192.168.1.20:2121/a1b2c3/"
    assert masked[3]["retries"] == 1
    masked = json.loads(redact_raw(UPDATE_FIRMWARE_201))
    assert masked[3]["firmware"]["location"] == f"http://fw:{MASK}@10.0.0.2:8080/tok/fw-2.0.bin"
    assert might_hold_secret(GET_DIAGNOSTICS)
    # a URL without a password, or an e-mail address, stays as it is
    for text in ("http://10.0.0.2/fw.bin", "ftp://anonymous@h/x", "mail me: a@b.c",
                 "https://h/p?x=a:b@c"):
        assert redact_url_passwords(text) == text
    plain = '[2,"d","GetDiagnostics",{"location":"ftp://10.0.0.2/up/"}]'
    assert redact_raw(plain) == plain


def test_transfer_logins_hidden_in_export_and_detail_pane_until_asked(qtbot, tmp_path):
    store = CaptureStore(tmp_path / "c.db")
    store.record_frame(FrameRecord("CP", Direction.TO_CHARGER, GET_DIAGNOSTICS, message_type=2))
    masked, revealed = tmp_path / "masked.jsonl", tmp_path / "revealed.jsonl"
    export_jsonl(store, masked)
    export_jsonl(store, revealed, reveal_secrets=True)
    assert "Zq9-one-time_pw" not in masked.read_text() and MASK in masked.read_text()
    assert "Zq9-one-time_pw" in revealed.read_text()
    assert [f.raw for f in store.frames()] == [GET_DIAGNOSTICS]  # the capture keeps the frame
    line = format_record(FrameRecord("CP", Direction.TO_CHARGER, GET_DIAGNOSTICS,
                                     message_type=2, action="GetDiagnostics"))
    assert "Zq9-one-time_pw" not in line
    from ocpp_studio.ui.inspector.detail_pane import FrameDetail
    pane = FrameDetail()
    qtbot.addWidget(pane)
    pane.show_pair(FrameRecord("CP", Direction.TO_CHARGER, UPDATE_FIRMWARE_201, message_type=2,
                               action="UpdateFirmware", unique_id="f1", id=1), None)
    assert "s3cr3T-x" not in pane.raw.toPlainText() and not pane.reveal.isHidden()
    pane.reveal.setChecked(True)
    assert pane.raw.toPlainText() == UPDATE_FIRMWARE_201
