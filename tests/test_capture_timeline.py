"""Connection timeline of one charger, in plain words, on a scripted capture."""

from __future__ import annotations

import json

import pytest

from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.capture.timeline import charger_timeline, duration_text
from ocpp_studio.core.records import ConnectionEvent, Direction, FrameRecord

T0 = 1_780_000_000_000_000
S = 1_000_000
MIN = 60 * S
H = 60 * MIN


def _call(store, charger, ts, conn, action, payload, uid):
    call = FrameRecord(charger, Direction.TO_CSMS, json.dumps([2, uid, action, payload]),
                       ts_us=ts, connection_id=conn, message_type=2, unique_id=uid,
                       action=action, valid=True, state="answered")
    store.record_frame(call)
    return call


def _answer(store, call, payload, delay=2000):
    answer = FrameRecord(call.charger, Direction.TO_CHARGER,
                         json.dumps([3, call.unique_id, payload]), ts_us=call.ts_us + delay,
                         connection_id=call.connection_id, message_type=3,
                         unique_id=call.unique_id, action=call.action, pair_id=call.id,
                         state="answered")
    store.record_response(answer, "answered")


def _heartbeats(store, charger, conn, start, stop, every):
    ts = start
    while ts <= stop:
        call = _call(store, charger, ts, conn, "Heartbeat", {}, f"hb{ts}")
        _answer(store, call, {"currentTime": "2026-01-01T00:00:00Z"})
        ts += every


@pytest.fixture
def scripted(tmp_path):
    store = CaptureStore(tmp_path / "t.db")
    handshake = {"remote": "192.168.1.50:51234", "path": "/ocpp/CP001", "offered": ["ocpp1.6"],
                 "subprotocol": "ocpp1.6", "auth_user": "CP001"}
    store.record_event(ConnectionEvent("CP001", "connected", {**handshake, "version": "1.6"},
                                       ts_us=T0, connection_id=1))
    boot = _call(store, "CP001", T0 + S, 1, "BootNotification",
                 {"chargePointVendor": "Acme", "chargePointModel": "W7",
                  "firmwareVersion": "1.0"}, "b1")
    _answer(store, boot, {"status": "Accepted", "currentTime": "2026-01-01T00:00:00Z",
                          "interval": 60})
    _heartbeats(store, "CP001", 1, T0 + MIN, T0 + 2 * H, MIN)
    # 12 minutes of nothing, one more heartbeat, then the connection drops
    _heartbeats(store, "CP001", 1, T0 + 2 * H + 12 * MIN, T0 + 2 * H + 12 * MIN, MIN)
    store.record_event(ConnectionEvent("CP001", "disconnected", {
        "code": 1006, "reason": ""}, ts_us=T0 + 2 * H + 13 * MIN, connection_id=1))
    store.record_event(ConnectionEvent("CP001", "refused", {
        **handshake, "auth_user": "CP001", "reason": "wrong password", "http_status": 401},
        ts_us=T0 + 2 * H + 20 * MIN))
    store.record_event(ConnectionEvent("CP001", "connected", {
        **handshake, "offered": ["ocpp2.0.1"], "subprotocol": "ocpp2.0.1", "version": "2.0.1"},
        ts_us=T0 + 2 * H + 30 * MIN, connection_id=2))
    boot = _call(store, "CP001", T0 + 2 * H + 30 * MIN + S, 2, "BootNotification",
                 {"reason": "PowerUp", "chargingStation": {"vendorName": "Acme",
                                                           "model": "W22"}}, "b2")
    _answer(store, boot, {"status": "Accepted", "currentTime": "2026-01-01T00:00:00Z",
                          "interval": 300})
    _heartbeats(store, "CP001", 2, T0 + 2 * H + 35 * MIN, T0 + 3 * H, 5 * MIN)
    # another charger, busy and silent at other times, must not leak in
    store.record_event(ConnectionEvent("OTHER", "connected", {"remote": "10.0.0.2:1"},
                                       ts_us=T0, connection_id=3))
    _heartbeats(store, "OTHER", 3, T0, T0 + 3 * H, 40 * MIN)
    yield store
    store.close()


def test_timeline_in_plain_words(scripted):
    timeline = charger_timeline(scripted, "CP001")
    assert [(e.kind, e.title) for e in timeline.entries] == [
        ("connected", "Connected from 192.168.1.50:51234 (ocpp1.6, user CP001)"),
        ("boot", "Rebooted (BootNotification)"),
        ("silence", "No message for 12 min (heartbeat interval 300 s)"),
        ("disconnected", "Disconnected: connection lost without a closing handshake "
                         "(code 1006) after 2 h 13 min"),
        ("refused", "Refused: wrong password"),
        ("connected", "Connected from 192.168.1.50:51234 (ocpp2.0.1, user CP001)"),
        ("boot", "Rebooted (BootNotification, reason PowerUp)"),
    ]
    assert timeline.connects == 2 and timeline.reconnects == 1 and timeline.refusals == 1
    assert timeline.disconnects_by_code == {1006: 1}
    assert timeline.longest_silence_s == pytest.approx(12 * 60)
    assert timeline.heartbeat_interval_s == 300 and timeline.silence_threshold_s == 600
    # online 0 -> 2h13 and 2h30 -> 3h00 (end of capture) out of 3 h
    assert timeline.online_fraction == pytest.approx((133 + 30) / 180)
    silence = timeline.entries[2]
    assert silence.detail["from_us"] == T0 + 2 * H and silence.detail["connection_id"] == 1
    assert timeline.entries[1].detail["vendor"] == "Acme"
    assert timeline.entries[3].detail["lasted_s"] == pytest.approx(133 * 60)
    assert [e.ts_us for e in timeline.entries] == sorted(e.ts_us for e in timeline.entries)


def test_heartbeat_interval_given_and_threshold_floor(scripted):
    # given 600 s: silences must exceed 20 min, so the 12-minute gap is not one
    relaxed = charger_timeline(scripted, "CP001", heartbeat_interval_s=600)
    assert not [e for e in relaxed.entries if e.kind == "silence"]
    assert relaxed.longest_silence_s is None
    # given 10 s: the floor is 60 s, so every 5-minute gap of connection 2 counts too
    strict = charger_timeline(scripted, "CP001", heartbeat_interval_s=10)
    silences = [e for e in strict.entries if e.kind == "silence"]
    assert strict.silence_threshold_s == 60
    assert len(silences) == 1 + 1 + 5  # 12 min; boot -> first heartbeat (4 min); 5 x 5 min
    assert "heartbeat interval 10 s" in silences[0].title


def test_silence_before_a_drop_and_other_chargers(tmp_path):
    store = CaptureStore(tmp_path / "d.db")
    store.record_event(ConnectionEvent("CP9", "connected", {"remote": "1.2.3.4:5"}, ts_us=T0,
                                       connection_id=1))
    _heartbeats(store, "CP9", 1, T0, T0 + 10 * MIN, 5 * MIN)
    store.record_event(ConnectionEvent("CP9", "disconnected", {"code": 1000,
                                                               "reason": "going home"},
                                       ts_us=T0 + 70 * MIN, connection_id=1))
    timeline = charger_timeline(store, "CP9")
    kinds = [(e.kind, e.title) for e in timeline.entries]
    assert kinds == [
        ("connected", "Connected from 1.2.3.4:5 (no subprotocol, no password)"),
        ("silence", "No message for 1 h (heartbeat interval unknown, assumed 300 s)"),
        ("disconnected", "Disconnected: closed normally (code 1000) after 1 h 10 min — going home"),
    ]
    assert timeline.online_fraction == pytest.approx(1.0)
    assert charger_timeline(store, "NOBODY").online_fraction is None
    assert charger_timeline(store, "NOBODY").entries == []
    store.close()


def test_duration_text():
    assert [duration_text(s) for s in (5, 59.4, 60, 12 * 60 + 5, 3600, 7980, 90000)] == [
        "5 s", "59 s", "1 min", "12 min", "1 h", "2 h 13 min", "1 d 1 h"]


def test_a_connection_over_tls_is_titled_with_its_credential():
    """Profile 3 connects with a client certificate and no password: the timeline says the
    certificate, not "no password"; profile 2 says wss and the user."""
    from ocpp_studio.capture.timeline import _connected_title
    certificate = {"subject": "CN=CP-3", "issuer": "CN=Studio CA", "serial": "0a",
                   "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z",
                   "common_name": "CP-3"}
    profile3 = {"remote": "127.0.0.1:5000", "subprotocol": "ocpp1.6", "auth_user": None,
                "extra": {"scheme": "wss", "tls": {"version": "TLSv1.3", "cipher": "X",
                                                   "client_certificate": certificate}}}
    assert _connected_title(profile3) == ("Connected from 127.0.0.1:5000 (wss, TLSv1.3, "
                                          "ocpp1.6, client certificate CN=CP-3)")
    profile2 = {"remote": "127.0.0.1:5000", "subprotocol": "ocpp2.0.1", "auth_user": "CP-2",
                "extra": {"scheme": "wss", "tls": {"version": "TLSv1.2", "cipher": "X",
                                                   "client_certificate": None}}}
    assert _connected_title(profile2).endswith("(wss, TLSv1.2, ocpp2.0.1, user CP-2)")
    plain = {"remote": "127.0.0.1:5000", "subprotocol": "ocpp1.6", "auth_user": None}
    assert _connected_title(plain).endswith("(ocpp1.6, no password)")
