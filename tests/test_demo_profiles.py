"""The demo charger's charging-profile evaluator (no network)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ocpp_studio.demo.profiles import Profile, ProfileStore, TxContext

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # a Monday, midnight


def store() -> ProfileStore:
    return ProfileStore(max_current_a=32.0, voltage_v=230.0, phases=1, connectors=2)


def v16(pid: int, purpose: str, limit: float | list[tuple[int, float]], *, stack: int = 0,
        kind: str = "Absolute", unit: str = "A", connector: int = 1, **extra) -> Profile:
    periods = [(0, limit)] if not isinstance(limit, list) else limit
    schedule = {"chargingRateUnit": unit, "chargingSchedulePeriod": [
        {"startPeriod": s, "limit": lim} for s, lim in periods]}
    schedule.update(extra.pop("schedule", {}))
    data = {"chargingProfileId": pid, "stackLevel": stack, "chargingProfilePurpose": purpose,
            "chargingProfileKind": kind, "chargingSchedule": schedule, **extra}
    return Profile.from_v16(connector, data, T0)


def test_no_profile_gives_hardware_maximum() -> None:
    assert store().limit_a(1, T0) == 32.0


def test_highest_stack_level_wins_and_falls_back_after_duration() -> None:
    s = store()
    s.install(v16(1, "TxDefaultProfile", 16, stack=0, schedule={"startSchedule": "2026-03-02T00:00:00Z"}))
    s.install(v16(2, "TxDefaultProfile", 10, stack=1,
                  schedule={"startSchedule": "2026-03-02T00:00:00Z", "duration": 3600}))
    assert s.limit_a(1, T0 + timedelta(minutes=30)) == 10
    assert s.limit_a(1, T0 + timedelta(hours=2)) == 16  # §5.16.4: lower stack after duration


def test_tx_profile_overrides_default_and_max_profile_caps() -> None:
    s = store()
    tx = TxContext("101", T0)
    s.install(v16(1, "TxDefaultProfile", 8, schedule={"startSchedule": "2026-03-02T00:00:00Z"}))
    s.install(v16(2, "TxProfile", 20, kind="Relative", transactionId=101))
    assert s.limit_a(1, T0 + timedelta(seconds=5)) == 8  # no transaction: TxProfile unused
    assert s.limit_a(1, T0 + timedelta(seconds=5), tx) == 20
    s.install(v16(3, "ChargePointMaxProfile", 12, connector=0,
                  schedule={"startSchedule": "2026-03-02T00:00:00Z"}))
    assert s.limit_a(1, T0 + timedelta(seconds=5), tx) == 12
    # the charger-wide maximum is shared by two charging connectors
    assert s.limit_a(1, T0 + timedelta(seconds=5), tx, sharing=2) == 6


def test_daily_recurring_off_peak_profile_in_watts() -> None:
    s = store()
    # 0 W from 16:00 to 22:00 every day, full power otherwise (a UK-style peak block)
    s.install(v16(1, "TxDefaultProfile", [(0, 7360), (16 * 3600, 0), (22 * 3600, 7360)],
                  kind="Recurring", unit="W", recurrencyKind="Daily",
                  schedule={"startSchedule": "2026-03-01T00:00:00Z"}))
    assert s.limit_a(1, T0 + timedelta(days=3, hours=12)) == 32
    assert s.limit_a(1, T0 + timedelta(days=3, hours=17)) == 0
    periods = s.composite(1, T0 + timedelta(hours=15), 8 * 3600, "W")
    assert periods == [(0, 7360.0), (3600, 0.0), (7 * 3600, 7360.0)]
    assert s.composite(1, T0 + timedelta(hours=15), 3600, "A") == [(0, 32.0)]


def test_weekly_recurring_and_validity() -> None:
    s = store()
    s.install(v16(1, "TxDefaultProfile", [(0, 10), (2 * 86400, 32)], kind="Recurring",
                  recurrencyKind="Weekly", schedule={"startSchedule": "2026-03-02T00:00:00Z"},
                  validTo="2026-03-20T00:00:00Z"))
    assert s.limit_a(1, T0 + timedelta(days=7, hours=1)) == 10  # Monday, next week
    assert s.limit_a(1, T0 + timedelta(days=9, hours=1)) == 32  # Wednesday
    assert s.limit_a(1, T0 + timedelta(days=21)) == 32  # expired: no limit


def test_same_stack_and_purpose_replaces_and_clear_by_criteria() -> None:
    s = store()
    s.install(v16(1, "TxDefaultProfile", 10))
    s.install(v16(2, "TxDefaultProfile", 12))  # same stackLevel + purpose + connector
    assert [p.id for p in s.profiles] == [2]
    s.install(v16(3, "TxDefaultProfile", 6, stack=2, connector=2))
    assert s.clear(purpose="TxDefaultProfile", stack_level=2) == 1
    assert s.clear(profile_id=99) == 0
    assert s.clear() == 1 and not s.profiles


def test_v201_profile_three_phase_watts() -> None:
    s = ProfileStore(max_current_a=16.0, voltage_v=230.0, phases=3, connectors=1)
    s.install(Profile.from_v201(0, {
        "id": 1, "stackLevel": 0, "chargingProfilePurpose": "ChargingStationMaxProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": [{
            "id": 1, "chargingRateUnit": "W", "startSchedule": "2026-03-02T00:00:00Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6900}]}]}, T0))
    assert abs(s.limit_a(1, T0 + timedelta(minutes=1)) - 10.0) < 1e-9
    assert s.composite(1, T0 + timedelta(minutes=1), 60, "W") == [(0, 6900.0)]


def test_a_single_phase_limit_on_a_three_phase_charger_is_single_phase_power() -> None:
    """numberPhases 1 on a 3-phase charger: 16 A x 230 V x 1 phase = 3,680 W, in the
    composite schedule and in what the charger draws (it used to report 11,040 W)."""
    s = ProfileStore(max_current_a=16.0, voltage_v=230.0, phases=3, connectors=1)
    s.install(Profile.from_v201(0, {
        "id": 1, "stackLevel": 0, "chargingProfilePurpose": "ChargingStationMaxProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": [{
            "id": 1, "chargingRateUnit": "A", "startSchedule": "2026-03-02T00:00:00Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16, "numberPhases": 1}]}]},
        T0))
    t = T0 + timedelta(minutes=1)
    assert s.composite(0, t, 60, "W") == [(0, 3680.0)]
    assert abs(s.limit_a(1, t) * 230.0 * 3 - 3680.0) < 1e-6
    # without numberPhases, 3 phases (the spec's default): 11,040 W
    s.install(Profile.from_v201(0, {
        "id": 1, "stackLevel": 0, "chargingProfilePurpose": "ChargingStationMaxProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": [{
            "id": 1, "chargingRateUnit": "A", "startSchedule": "2026-03-02T00:00:00Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}]}, T0))
    assert s.composite(0, t, 60, "W") == [(0, 11040.0)]
