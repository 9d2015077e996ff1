"""Trending: a calendar week's or month's feed papers, most upvoted first (CLI and filter)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from readinglist.errors import ReadingListError
from readinglist.services.trending import parse_window, window_of


def test_windows_are_calendar_weeks_and_months() -> None:
    w = window_of("week", dt.date(2024, 5, 31))  # a Friday
    assert (w.start, w.end, w.label) == (dt.date(2024, 5, 27), dt.date(2024, 6, 2), "2024-W22")
    m = window_of("month", dt.date(2024, 2, 10))
    assert (m.start, m.end, m.label) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024-02")
    assert window_of("month", dt.date(2024, 12, 31)).end == dt.date(2024, 12, 31)
    assert parse_window("2024-w22") == w and parse_window("2024-02") == m
    for bad in ("2024-W54", "2024-13", "last week", ""):
        with pytest.raises(ReadingListError):
            parse_window(bad)


def _feed(cli, day: str) -> list[dict]:  # type: ignore[no-untyped-def]
    code, out, err = cli("list", "--date", day, "--format", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_trending_week_and_month(cli) -> None:  # type: ignore[no-untyped-def]
    for day in ("2024-05-30", "2024-05-31", "2024-06-27"):
        assert cli("sync", "--date", day)[0] == 0
    may = {p["arxiv_id"]: p for day in ("2024-05-30", "2024-05-31") for p in _feed(cli, day)}
    june = {p["arxiv_id"]: p for p in _feed(cli, "2024-06-27")}
    assert may and june and not may.keys() & june.keys()

    code, out, err = cli("trending", "--window", "2024-W22", "--format", "json")
    assert code == 0, err
    week = json.loads(out)
    assert (week["window"], week["start"], week["end"]) == ("2024-W22", "2024-05-27", "2024-06-02")
    ids = [p["arxiv_id"] for p in week["papers"]]
    # Both days of the week, each paper once, nothing from June, the most upvoted first.
    expected = sorted(may.values(), key=lambda p: (-p["upvotes"], p["arxiv_id"]))[:30]
    assert sorted(ids) == sorted(p["arxiv_id"] for p in expected)
    ups = [p["upvotes"] for p in week["papers"]]
    assert ups == sorted(ups, reverse=True) and len(ids) == len(set(ids))

    # Without a window: the week of the newest synced feed day (June's), not today's empty one.
    code, out, _ = cli("trending", "--format", "json")
    assert code == 0 and json.loads(out)["window"] == "2024-W26"
    assert {p["arxiv_id"] for p in json.loads(out)["papers"]} == june.keys()
    code, out, _ = cli("trending", "--month", "--format", "json")
    assert json.loads(out)["window"] == "2024-06"

    # `list --trending` is the same filter, combinable with the others.
    code, out, _ = cli("list", "--trending", "2024-05", "--format", "json")
    assert code == 0 and {p["arxiv_id"] for p in json.loads(out)} == may.keys()
    some = next(iter(may))
    assert cli("dismiss", some)[0] == 0
    code, out, _ = cli("trending", "--window", "2024-05", "--format", "json")
    assert some not in {p["arxiv_id"] for p in json.loads(out)["papers"]}

    code, out, err = cli("trending", "--limit", "2")
    assert code == 0 and "This week (2024-W26" in err and out.count("▲") == 2


def test_trending_bad_window_is_a_clear_error(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("trending", "--window", "2024-W60")
    assert code != 0 and "not a week or a month" in err
