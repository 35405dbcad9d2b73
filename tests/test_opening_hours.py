"""Open now, and when a closed service opens next, with Norwegian public holidays
(rules.is_open and rules.next_opening; time is passed in)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from guidance import rules

OSLO = ZoneInfo("Europe/Oslo")
WEEKDAYS_9_15 = tuple((day, dt.time(9), dt.time(15)) for day in range(5))
VERN = rules.Contact("vern-for-eldre", {"nb": "Vern for eldre"}, (), extra={"hours": WEEKDAYS_9_15})
ROUND_THE_CLOCK = rules.Contact("rosa", {"nb": "ROSA"}, (), extra={"always_open": True})


def at(*args):
    return dt.datetime(*args, tzinfo=OSLO)


def test_a_weekday_service_is_closed_on_christmas_day_and_boxing_day():
    assert rules.is_open(VERN, at(2026, 12, 24, 10)) is True  # julaften is a working day
    assert rules.is_open(VERN, at(2026, 12, 25, 10)) is False  # a Friday
    assert rules.next_opening(VERN, at(2026, 12, 24, 16)) == at(2026, 12, 28, 9)


def test_easter_closes_a_weekday_service_from_maundy_thursday_to_easter_monday():
    for day in (2, 3, 6):  # 2-6 April 2026
        assert rules.is_open(VERN, at(2026, 4, day, 10)) is False
    assert rules.next_opening(VERN, at(2026, 4, 1, 15, 30)) == at(2026, 4, 7, 9)


def test_constitution_day_on_a_weekday_is_closed():
    assert rules.is_open(VERN, at(2027, 5, 17, 10)) is False  # a Monday
    assert rules.next_opening(VERN, at(2027, 5, 17, 10)) == at(2027, 5, 18, 9)


def test_friday_evening_opens_next_on_monday_morning():
    assert rules.next_opening(VERN, at(2026, 11, 27, 18)) == at(2026, 11, 30, 9)


def test_before_opening_the_same_day_it_opens_today():
    assert rules.next_opening(VERN, at(2026, 11, 30, 7, 45)) == at(2026, 11, 30, 9)


def test_an_open_service_has_no_next_opening():
    assert rules.is_open(VERN, at(2026, 11, 30, 10)) is True
    assert rules.next_opening(VERN, at(2026, 11, 30, 10)) is None


def test_a_service_open_round_the_clock_is_open_on_holidays_and_never_opens_next():
    for when in (at(2026, 12, 25, 3), at(2027, 5, 17, 12), at(2026, 4, 5, 23)):
        assert rules.is_open(ROUND_THE_CLOCK, when) is True
        assert rules.next_opening(ROUND_THE_CLOCK, when) is None


def test_unknown_hours_say_nothing():
    unknown = rules.Contact("u", {}, ())
    assert rules.is_open(unknown, at(2026, 11, 30, 10)) is None
    assert rules.next_opening(unknown, at(2026, 11, 30, 10)) is None


def test_a_sunday_service_is_open_on_an_ordinary_sunday():
    sundays = rules.Contact("s", {}, (), extra={"hours": ((6, dt.time(14), dt.time(22)),)})
    assert rules.is_open(sundays, at(2026, 11, 29, 15)) is True
    # Easter Sunday is a public holiday: closed, and next open the Sunday after.
    assert rules.is_open(sundays, at(2026, 4, 5, 15)) is False
    assert rules.next_opening(sundays, at(2026, 4, 5, 15)) == at(2026, 4, 12, 14)


@pytest.mark.parametrize("year", [2026, 2027, 2030])
def test_the_holidays_are_norways(year):
    days = rules.public_holidays(year)
    assert dt.date(year, 5, 17) in days and dt.date(year, 12, 25) in days
    assert dt.date(year, 12, 24) not in days and dt.date(year, 12, 31) not in days
