"""Evaluator, validation and off-peak builder (OCA app note §2.6 worked examples)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from ocpp_studio.smartcharging.evaluator import Interval, compare, composite_schedule, limit_at
from ocpp_studio.smartcharging.offpeak import (OFFPEAK_CLOCK_CHANGE_EXPLANATION, WeeklyHours,
                                               build_profiles, next_clock_change)
from ocpp_studio.smartcharging.profiles import (ChargerLimits, ChargingProfile, SchedulePeriod,
                                                validate_profile)

LON = ZoneInfo("Europe/London")


def utc(*a):
    return datetime(*a, tzinfo=timezone.utc).timestamp()


def local(*a):
    return datetime(*a, tzinfo=LON).timestamp()


def note_profiles():
    """App note §2.6 sidebar: ids 10/11 verbatim (startSchedule without offset = UTC)."""
    daily = ChargingProfile.from_ocpp201({"evseId": 0, "chargingProfile": {
        "id": 10, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring", "recurrencyKind": "Daily",
        "chargingSchedule": [{"id": 1, "startSchedule": "2022-06-30T00:00:00", "duration": 86400,
                              "chargingRateUnit": "W", "chargingSchedulePeriod": [
                                  {"startPeriod": 0, "limit": 999999},
                                  {"startPeriod": 28800, "limit": 0},
                                  {"startPeriod": 39600, "limit": 999999},
                                  {"startPeriod": 57600, "limit": 0},
                                  {"startPeriod": 79200, "limit": 999999}]}]}})
    weekend = ChargingProfile.from_ocpp201({"evseId": 0, "chargingProfile": {
        "id": 11, "stackLevel": 2, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring", "recurrencyKind": "Weekly",
        "chargingSchedule": [{"id": 1, "startSchedule": "2022-07-02T00:00:00", "duration": 172800,
                              "chargingRateUnit": "W",
                              "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 999999}]}]}})
    return [daily, weekend]


def test_app_note_worked_example_weekday_and_weekend():
    profiles = note_profiles()
    # Monday 2022-07-04 (UTC, as the note's startSchedule has no offset)
    assert limit_at(profiles, utc(2022, 7, 4, 7, 59)) == 999999
    assert limit_at(profiles, utc(2022, 7, 4, 8, 0)) == 0
    assert limit_at(profiles, utc(2022, 7, 4, 11, 0)) == 999999
    assert limit_at(profiles, utc(2022, 7, 4, 18, 0)) == 0
    assert limit_at(profiles, utc(2022, 7, 4, 22, 0)) == 999999
    # Saturday and Sunday: stack 2 overrides the daily peaks
    assert limit_at(profiles, utc(2022, 7, 2, 9, 0)) == 999999
    assert limit_at(profiles, utc(2022, 7, 3, 17, 0)) == 999999
    week = composite_schedule(profiles, utc(2022, 7, 4), utc(2022, 7, 11))
    blocked = [iv for iv in week if iv.limit_w == 0]
    assert len(blocked) == 10  # 2 peaks x 5 weekdays
    assert blocked[0] == Interval(utc(2022, 7, 4, 8), utc(2022, 7, 4, 11), 0)


def test_stacking_validity_and_max():
    base = ChargingProfile(1, 0, "TxDefaultProfile", "Absolute", None, None, None, utc(2026, 1, 1),
                           None, "W", [SchedulePeriod(0, 7000)])
    top = ChargingProfile(2, 3, "TxDefaultProfile", "Absolute", None, utc(2026, 1, 1, 1),
                          utc(2026, 1, 1, 2), utc(2026, 1, 1), 7200, "A",
                          [SchedulePeriod(0, 10)])
    cap = ChargingProfile(3, 0, "ChargePointMaxProfile", "Absolute", None, None, None,
                          utc(2026, 1, 1), None, "W", [SchedulePeriod(0, 5000)])
    out = composite_schedule([base, top], utc(2026, 1, 1), utc(2026, 1, 1, 3))
    assert out == [Interval(utc(2026, 1, 1), utc(2026, 1, 1, 1), 7000),
                   Interval(utc(2026, 1, 1, 1), utc(2026, 1, 1, 2), 2300),
                   Interval(utc(2026, 1, 1, 2), utc(2026, 1, 1, 3), 7000)]
    out = composite_schedule([base, top, cap], utc(2026, 1, 1), utc(2026, 1, 1, 3))
    assert [iv.limit_w for iv in out] == [5000, 2300, 5000]
    assert composite_schedule([], 0, 10) == [Interval(0, 10, None)]


def test_relative_profile_and_tx_over_default():
    delay = ChargingProfile(5, 5, "TxDefaultProfile", "Relative", None, None, None, None, 300,
                            "W", [SchedulePeriod(0, 0)])
    tx = ChargingProfile(6, 1, "TxProfile", "Relative", None, None, None, None, None, "W",
                         [SchedulePeriod(0, 11000)], connector=1, transaction_id="7")
    t0 = utc(2026, 5, 1, 12)
    out = composite_schedule([delay], t0, t0 + 3600, transaction_start_s=t0 + 60)
    assert out == [Interval(t0, t0 + 60, None), Interval(t0 + 60, t0 + 360, 0),
                   Interval(t0 + 360, t0 + 3600, None)]
    out = composite_schedule([delay, tx], t0, t0 + 3600, transaction_start_s=t0)
    assert out == [Interval(t0, t0 + 3600, 11000)]


def test_compare():
    a = [Interval(0, 100, 0), Interval(100, 200, 7000)]
    b = [Interval(0, 150, 0), Interval(150, 200, 7020)]
    assert compare(a, b) == [Interval(100, 150, 7000)]
    assert compare(a, a) == []


def test_validate_profile_plain_words():
    ok = ChargingProfile(1, 1, "TxDefaultProfile", "Recurring", "Daily", None, None, 0, 86400, "W",
                         [SchedulePeriod(0, 0), SchedulePeriod(3600, 1000)])
    assert validate_profile(ok, ChargerLimits()) == []
    bad = ChargingProfile(1, 9, "TxProfile", "Recurring", None, None, None, None, None, "W",
                          [SchedulePeriod(10, 0), SchedulePeriod(5, 1)])
    words = " ".join(validate_profile(bad, ChargerLimits(max_stack_level=8, allowed_units=("A",))))
    for text in ("Stack level 9", "limits in W", "first period", "increase", "running transaction",
                 "recurrencyKind"):
        assert text in words
    many = ChargingProfile(1, 1, "TxDefaultProfile", "Absolute", None, None, None, 0, None, "A",
                           [SchedulePeriod(i * 60, 6) for i in range(30)])
    assert "30 periods" in " ".join(validate_profile(many, ChargerLimits(max_periods=24)))


def test_roundtrip_16_201():
    p = note_profiles()[0]
    assert ChargingProfile.from_ocpp16(p.to_ocpp16()) == p
    assert ChargingProfile.from_ocpp201(p.to_ocpp201()) == p
    assert p.to_ocpp16()["csChargingProfiles"]["chargingSchedule"]["startSchedule"].endswith("Z")


def test_uk_default_hours():
    h = WeeklyHours.uk_default()
    assert h.blocked_ranges(0) == [(480, 660), (960, 1320)]
    assert h.blocked_ranges(5) == [] and h.blocked_ranges(6) == []
    assert WeeklyHours.from_json(h.to_json()) == h


def _check_local(profiles, hours, start, days=7):
    """Every half hour over `days` from start: the limit matches the local-time hours."""
    for k in range(days * 48):
        t = start + k * 1800 + 60
        lt = datetime.fromtimestamp(t, LON)
        want = hours.is_allowed(lt.weekday(), lt.hour * 60 + lt.minute)
        got = limit_at(profiles, t)
        assert (got is not None and got > 0) == want, (lt, got)


def test_build_uk_default_matches_app_note_shape():
    now = local(2026, 6, 10, 12, 0)  # a Wednesday in BST
    profiles = build_profiles(WeeklyHours.uk_default(), now)
    assert [(p.recurrency, p.stack_level) for p in profiles] == [
        ("Daily", 1), ("Weekly", 2), ("Daily", 3), ("Weekly", 4)]
    daily = profiles[0]
    assert [q.start_s for q in daily.periods] == [0, 28800, 39600, 57600, 79200]
    assert [q.limit for q in daily.periods] == [22000, 0, 22000, 0, 22000]
    assert daily.start_schedule_s == local(2026, 6, 10)  # local midnight, BST
    assert datetime.fromtimestamp(profiles[1].start_schedule_s, LON).weekday() == 5
    assert profiles[0].valid_to_s == profiles[2].valid_from_s == utc(2026, 10, 25, 1)
    _check_local(profiles, WeeklyHours.uk_default(), local(2026, 6, 10))


def test_bst_gmt_changes_2026():
    assert next_clock_change(local(2026, 3, 1), "Europe/London") == utc(2026, 3, 29, 1)
    assert next_clock_change(local(2026, 6, 1), "Europe/London") == utc(2026, 10, 25, 1)
    hours = WeeklyHours.uk_default()
    # March: GMT -> BST on the last Sunday; peaks stay at 08:00-11:00 local on the Monday after
    profiles = build_profiles(hours, local(2026, 3, 26, 9))
    _check_local(profiles, hours, local(2026, 3, 26), days=10)
    assert limit_at(profiles, utc(2026, 3, 30, 7, 30)) == 0  # 08:30 BST Monday
    assert limit_at(profiles, utc(2026, 3, 30, 10, 30)) == 22000  # 11:30 BST
    # October: BST -> GMT
    profiles = build_profiles(hours, local(2026, 10, 22, 15))
    _check_local(profiles, hours, local(2026, 10, 22), days=10)
    assert limit_at(profiles, utc(2026, 10, 26, 8, 30)) == 0  # 08:30 GMT
    assert limit_at(profiles, utc(2026, 10, 26, 7, 30)) == 22000  # 07:30 GMT
    # without the second set, a profile anchored in BST is an hour out after the change
    only_a = [p for p in profiles if p.stack_level <= 2]
    for p in only_a:
        p.valid_to_s = None
    assert limit_at(only_a, utc(2026, 10, 26, 7, 30)) == 0
    assert "British Summer Time" in OFFPEAK_CLOCK_CHANGE_EXPLANATION


def test_custom_hours_weekly_profile():
    hours = WeeklyHours.uk_default()
    hours.allowed[2][0:12] = [False] * 12  # Wednesday 00:00-06:00 blocked too
    now = local(2026, 1, 14, 12)
    profiles = build_profiles(hours, now)
    assert [(p.recurrency, p.stack_level) for p in profiles] == [("Weekly", 1), ("Weekly", 3)]
    assert datetime.fromtimestamp(profiles[0].start_schedule_s, LON).weekday() == 0
    assert all(validate_profile(p, ChargerLimits()) == [] for p in profiles)
    _check_local(profiles, hours, local(2026, 1, 12), days=14)
    same = WeeklyHours.all_allowed()
    for d in range(7):
        same.allowed[d][2:4] = [False, False]
    assert [p.recurrency for p in build_profiles(same, now)] == ["Daily", "Daily"]


def test_a_boundary_a_second_off_is_rounding_not_a_difference():
    """The charger's composite schedule puts 22:00 at 21:59:59 (whole-second startPeriods
    from a scheduleStart with milliseconds): not a difference. Two seconds or more is."""
    intended = [Interval(0, 1000, 7360.0), Interval(1000, 2000, 0.0)]
    one_early = [Interval(0, 999, 7360.0), Interval(999, 2000, 0.0)]
    assert compare(intended, one_early) == []
    two_late = [Interval(0, 1002, 7360.0), Interval(1002, 2000, 0.0)]
    assert compare(intended, two_late) == [Interval(1000, 1002, 0.0)]
