"""Alerts over synced feed days, and the digest in Markdown, HTML and JSON."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from readinglist.cli.main import main
from readinglist.config import Endpoints
from readinglist.errors import NotFoundError
from readinglist.services import alerts, papers, sync
from readinglist.services import alerts as alerts_ops
from readinglist.services.alerts import (
    after_sync_day,
    alert_counts,
    check_alerts,
    mark_seen,
    match_alerts,
    new_feed_paper_ids,
    sync_hook,
)
from readinglist.services.digest import (
    build_digest,
    md_escape,
    newest_day,
    render_html,
    render_json,
    render_markdown,
)
from readinglist.services.library import Library

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
D1, D2 = dt.date(2025, 10, 6), dt.date(2025, 10, 7)
EMPTY_DAY = dt.date(2025, 10, 11)
DAY1 = ["2510.04001", "2510.04002", "2510.04003", "2510.04004", "2510.04005", "2510.04006"]
DAY2_NEW = ["2510.05001", "2510.05002", "2510.05003"]


class Feed:
    """A local Hugging Face serving the two fixture days (any other day is empty)."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.days = {d.isoformat(): (FIX / f"daily_{d.isoformat()}.json").read_bytes() for d in (D1, D2)}
        self.base = httpserver.url_for("").rstrip("/")

        def daily(req: Request) -> Response:
            return Response(self.days.get(req.args.get("date", ""), b"[]"), content_type="application/json")

        httpserver.expect_request("/api/daily_papers").respond_with_handler(daily)

    def endpoints(self) -> Endpoints:
        return Endpoints(
            hf=self.base, arxiv="https://arxiv.example", arxiv_api=self.base + "/api/query", arxiv_delay=0
        )


@pytest.fixture
def feed(httpserver: HTTPServer) -> Feed:
    return Feed(httpserver)


@pytest.fixture
def flib(feed: Feed, tmp_path: Path) -> Iterator[Library]:
    lib = Library.open(tmp_path / "library", feed.endpoints())
    yield lib
    lib.close()


def pid(lib: Library, arxiv_id: str) -> int:
    return lib.resolve(arxiv_id)


def aids(lib: Library, ids: list[int]) -> list[str]:
    return [r.arxiv_id or "" for r in lib.get_many(ids)]


def add_alerts(lib: Library) -> None:
    alerts.add_alert(lib, "diffusion", "diffusion")
    alerts.add_alert(lib, "marek", 'author:"Marek Dvořák"')
    alerts.add_alert(lib, "eos", '"EOS" budgets')
    alerts_ops.save_search(lib, "plain search", "diffusion")  # not an alert: never matched


def synced(lib: Library, *days: dt.date) -> None:
    report = sync.sync_days(lib, list(days), after_day=sync_hook(lib))
    assert report.ok


def matches(lib: Library) -> list[tuple[str, str, str | None, int]]:
    con = sqlite3.connect(lib.db_path)
    try:
        return con.execute(
            "SELECT s.name, p.arxiv_id, am.feed_date, am.seen FROM alert_matches am "
            "JOIN saved_searches s ON s.id = am.search_id JOIN papers p ON p.id = am.paper_id ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()


# --- new feed papers and alerts --------------------------------------------------------------


def test_new_feed_papers_are_first_appearances(flib: Library) -> None:
    synced(flib, D1, D2)
    with flib.read() as s:
        assert aids(flib, new_feed_paper_ids(s, D1, D1)) == DAY1
        assert aids(flib, new_feed_paper_ids(s, D2, D2)) == DAY2_NEW  # 04003 and 04006 were listed again
        assert sorted(aids(flib, new_feed_paper_ids(s, D1, D2))) == sorted(DAY1 + DAY2_NEW)


def test_alerts_run_after_each_synced_day_and_record_once(flib: Library) -> None:
    add_alerts(flib)
    synced(flib, D1)
    assert matches(flib) == [
        ("diffusion", "2510.04001", "2025-10-06", 0),
        ("diffusion", "2510.04004", "2025-10-06", 0),
        ("eos", "2510.04002", "2025-10-06", 0),
        ("marek", "2510.04001", "2025-10-06", 0),
        ("marek", "2510.04006", "2025-10-06", 0),
    ]
    synced(flib, D2)  # 2510.04006 comes back on day 2: not new, no second match
    assert ("diffusion", "2510.05001", "2025-10-07", 0) in matches(flib)
    assert len(matches(flib)) == 6
    assert alert_counts(flib) == {"diffusion": 3, "marek": 2, "eos": 1}
    assert mark_seen(flib, "diffusion") == 3
    assert alert_counts(flib) == {"diffusion": 0, "marek": 2, "eos": 1}
    synced(flib, D1, D2)  # a re-sync records nothing twice and keeps "seen"
    assert alert_counts(flib) == {"diffusion": 0, "marek": 2, "eos": 1}
    assert len(matches(flib)) == 6
    saved = {s.name: s.unseen for s in flib.saved_searches()}
    assert saved == {"diffusion": 0, "marek": 2, "eos": 1, "plain search": 0}


def test_after_sync_day_is_the_callback_shape(flib: Library) -> None:
    add_alerts(flib)
    seen: list[dict[str, list[int]]] = []
    report = sync.sync_days(flib, [D1], after_day=lambda day, ch: seen.append(after_sync_day(flib, day, ch)))
    assert report.ok
    assert {k: aids(flib, v) for k, v in seen[0].items()} == {
        "diffusion": ["2510.04001", "2510.04004"],
        "marek": ["2510.04001", "2510.04006"],
        "eos": ["2510.04002"],
    }


def test_a_day_synced_late_moves_the_match_to_the_first_appearance(flib: Library) -> None:
    add_alerts(flib)
    synced(flib, D2)
    assert ("marek", "2510.04006", "2025-10-07", 0) in matches(flib)
    synced(flib, D1)
    assert ("marek", "2510.04006", "2025-10-06", 0) in matches(flib)
    assert len([m for m in matches(flib) if m[1] == "2510.04006"]) == 1


def test_alerts_check_runs_over_days_already_synced(flib: Library) -> None:
    synced(flib, D1, D2)
    assert matches(flib) == []
    alerts.add_alert(flib, "retrieval", "retrieval OR spreadsheets")
    found = check_alerts(flib, D1)
    assert {k: aids(flib, v) for k, v in found.items()} == {"retrieval": ["2510.04003"]}
    found = check_alerts(flib)
    assert {k: aids(flib, v) for k, v in found.items()} == {"retrieval": ["2510.04003", "2510.05002"]}
    assert [(m[1], m[2]) for m in matches(flib)] == [
        ("2510.04003", "2025-10-06"),
        ("2510.05002", "2025-10-07"),
    ]


def test_many_papers_take_the_whole_index_path(flib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    synced(flib, D1, D2)
    alerts.add_alert(flib, "diffusion", "diffusion")
    alerts.add_alert(flib, "bench", "tag:benchmarks")
    papers.tag(flib, [pid(flib, "2510.04005")], ["benchmarks"])
    small = check_alerts(flib)
    alerts_ops.delete_search(flib, "diffusion")
    alerts_ops.delete_search(flib, "bench")
    alerts.add_alert(flib, "diffusion", "diffusion")
    alerts.add_alert(flib, "bench", "tag:benchmarks")
    monkeypatch.setattr(alerts, "_DIRECT", 2)
    assert check_alerts(flib) == small
    assert {k: aids(flib, v) for k, v in small.items()} == {
        "diffusion": ["2510.04001", "2510.04004", "2510.05001"],
        "bench": ["2510.04005"],
    }


def test_match_alerts_skips_dismissed_and_honours_filters(flib: Library) -> None:
    synced(flib, D1)
    papers.dismiss(flib, [pid(flib, "2510.04004")])
    papers.tag(flib, [pid(flib, "2510.04005")], ["benchmarks"])
    alerts.add_alert(flib, "diffusion", "diffusion")
    alerts.add_alert(flib, "bench", "tag:benchmarks")
    alerts.add_alert(flib, "recent", "year:2024")
    with flib.read() as s:
        ids = new_feed_paper_ids(s, D1, D1)
    found = match_alerts(flib, ids, None)
    assert {k: aids(flib, v) for k, v in found.items()} == {
        "diffusion": ["2510.04001"],
        "bench": ["2510.04005"],
    }
    assert match_alerts(flib, [], D1) == {}


def test_remove_alert_drops_its_matches_and_refuses_plain_searches(flib: Library) -> None:
    add_alerts(flib)
    synced(flib, D1)
    alerts.remove_alert(flib, "diffusion")
    assert all(m[0] != "diffusion" for m in matches(flib))
    with pytest.raises(NotFoundError):
        alerts.remove_alert(flib, "plain search")
    with pytest.raises(NotFoundError):
        mark_seen(flib, "nope")


# --- digest ----------------------------------------------------------------------------------


def test_digest_of_a_day(flib: Library) -> None:
    add_alerts(flib)
    synced(flib, D1)
    d = build_digest(flib, date=D1, top=3)
    assert d.has_data and d.synced_days == (D1,) and d.missing_days == ()
    assert [e.paper.arxiv_id for e in d.new] == [
        "2510.04001", "2510.04003", "2510.04002", "2510.04006", "2510.04004", "2510.04005",
    ]  # fmt: skip
    assert [e.upvotes for e in d.new] == [44, 29, 17, 12, 8, 3]
    assert [e.paper.arxiv_id for e in d.top] == ["2510.04001", "2510.04003", "2510.04002"]
    assert {a.name: [e.paper.arxiv_id for e in a.papers] for a in d.alerts} == {
        "diffusion": ["2510.04001", "2510.04004"],
        "marek": ["2510.04001", "2510.04006"],
        "eos": ["2510.04002"],
    }
    e = d.new[0]
    assert e.url == "https://arxiv.example/abs/2510.04001"
    assert e.hf_url == flib.endpoints.hf + "/papers/2510.04001"


def test_digest_of_a_range_lists_each_new_paper_once(flib: Library) -> None:
    add_alerts(flib)
    synced(flib, D1, D2)
    d = build_digest(flib, days=2, today=D2)
    assert (d.start, d.end, d.label) == (D1, D2, "2025-10-06 to 2025-10-07")
    got = [e.paper.arxiv_id for e in d.new]
    assert sorted(got) == sorted(DAY1 + DAY2_NEW) and len(set(got)) == len(got)
    ups = [e.upvotes for e in d.new]
    assert ups == sorted(ups, reverse=True)
    assert got[0] == "2510.04001" and dict(zip(got, ups, strict=True))["2510.04006"] == 40  # best in range
    assert [e.paper.arxiv_id for e in d.top][:2] == ["2510.04001", "2510.04006"]
    only_d2 = build_digest(flib, date=D2)
    assert [e.paper.arxiv_id for e in only_d2.new] == ["2510.05001", "2510.05003", "2510.05002"]
    assert "2510.04006" in [e.paper.arxiv_id for e in only_d2.top]  # listed that day, not new
    assert {a.name: len(a.papers) for a in only_d2.alerts} == {"diffusion": 1, "marek": 0, "eos": 0}


def test_digest_queue_missing_and_empty_days(flib: Library) -> None:
    synced(flib, D1, EMPTY_DAY)
    unread, reading, gone = (pid(flib, a) for a in ("2510.04005", "2510.04003", "2510.04001"))
    papers.save(flib, [unread, reading, gone])
    papers.set_status(flib, [reading], "reading")
    papers.dismiss(flib, [gone])
    d = build_digest(flib, date=D1)
    assert [e.paper.arxiv_id for e in d.queue] == ["2510.04005"] and d.queue_total == 1
    assert "2510.04001" not in [e.paper.arxiv_id for e in d.new + d.top]  # dismissed: hidden
    empty = build_digest(flib, date=EMPTY_DAY)
    assert empty.has_data and empty.new == () and empty.top == ()
    never = build_digest(flib, date=dt.date(2025, 10, 9))
    assert not never.has_data and never.missing_days == (dt.date(2025, 10, 9),)
    week = build_digest(flib, days=7, today=EMPTY_DAY)
    assert week.synced_days == (D1, EMPTY_DAY) and len(week.missing_days) == 5
    # By default the newest day that has papers: a synced but empty newer day is skipped
    assert build_digest(flib, today=dt.date(2025, 12, 1)).start == D1
    assert newest_day(flib, dt.date(2025, 12, 1)) == D1


def test_markdown_structure_and_escaping(flib: Library) -> None:
    add_alerts(flib)
    synced(flib, D1)
    papers.save(flib, [pid(flib, "2510.04005")])
    md = render_markdown(build_digest(flib, date=D1))
    heads = [line for line in md.splitlines() if line.startswith("#")]
    assert heads == [
        "# Reading digest: 2025-10-06",
        "## New papers (6)",
        "## Top upvoted (6)",
        "## Alerts",
        "### diffusion (2)",
        "### marek (2)",
        "### eos (1)",
        "## Unread queue (1 of 1)",
    ]
    new_part = md.split("## New papers")[1].split("## Top upvoted")[0]
    for row in flib.get_many([pid(flib, a) for a in DAY1]):
        assert new_part.count(md_escape(row.title)) == 1
    assert "When \\<EOS\\> Comes Too Early" in md and "<EOS>" not in md
    assert '\\<a href="https://streamweaver.example.org/"\\>' in md
    assert re.search(r"(?<!\\)[<>]", md) is None  # no raw angle bracket: nothing turns into HTML
    assert "[Hugging Face](" + flib.endpoints.hf + "/papers/2510.04001)" in md


class Checker(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "link", "input"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_well_formed_and_escaped(flib: Library) -> None:
    add_alerts(flib)
    synced(flib, D1)
    page = render_html(build_digest(flib, date=D1))
    p = Checker()
    p.feed(page)
    p.close()
    assert p.errors == [] and p.stack == []
    names = [t for t, _ in p.tags]
    assert names[0] == "html" and "script" not in names and "link" not in names and "img" not in names
    assert "style" not in names  # inline style attributes only
    for _, attrs in p.tags:
        assert "src" not in attrs and not any(k.startswith("on") for k in attrs)
        assert "url(" not in (attrs.get("style") or "")
    hrefs = [a["href"] for t, a in p.tags if t == "a"]
    assert all(
        h and h.startswith(("https://arxiv.example/abs/", flib.endpoints.hf + "/papers/")) for h in hrefs
    )
    text = "".join(p.text)
    for row in flib.get_many([pid(flib, a) for a in DAY1]):
        assert row.title in text
    assert "When <EOS> Comes Too Early" in text and "When &lt;EOS&gt; Comes Too Early" in page
    assert '<a href="https://streamweaver.example.org/">' not in page  # a summary's markup stays text
    assert "&lt;a href=&quot;https://streamweaver.example.org/&quot;&gt;" in page
    assert "stop at an &lt;EOS&gt; token" in page


def test_json_shape(flib: Library) -> None:
    add_alerts(flib)
    synced(flib, D1)
    data = render_json(build_digest(flib, date=D1, top=2))
    json.dumps(data)
    assert set(data) == {"range", "new", "top", "alerts", "queue", "queue_total"}
    assert data["range"] == {
        "start": "2025-10-06",
        "end": "2025-10-06",
        "synced_days": ["2025-10-06"],
        "missing_days": [],
    }
    first = data["new"][0]
    assert first["arxiv_id"] == "2510.04001" and first["range_upvotes"] == 44
    assert first["authors"] == ["Haruto Sato", "Emily Clarke", "Marek Dvořák"]
    assert first["feed_dates"] == ["2025-10-06"] and first["first_feed_date"] == "2025-10-06"
    for key in (
        "title",
        "published",
        "upvotes",
        "saved",
        "status",
        "tags",
        "citekey",
        "pdf",
        "url",
        "hf_url",
    ):
        assert key in first
    assert len(data["top"]) == 2
    assert [a["name"] for a in data["alerts"]] == ["diffusion", "marek", "eos"]
    assert [p["arxiv_id"] for p in data["alerts"][2]["papers"]] == ["2510.04002"]


# --- CLI -------------------------------------------------------------------------------------


@pytest.fixture
def cli_lib(feed: Feed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_ENDPOINT", feed.base)
    monkeypatch.setenv("READINGLIST_ARXIV_ENDPOINT", "https://arxiv.example")
    root = tmp_path / "cli-library"
    lib = Library.open(root, feed.endpoints())
    synced(lib, D1)
    lib.close()
    return root


def run(root: Path, *args: str) -> int:
    return main(["--library", str(root), *args])


def test_cli_alerts(cli_lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cli_lib, "alerts", "add", "diffusion", "--query", "diffusion") == 0
    assert run(cli_lib, "alerts", "add", "marek", "--query", 'author:"Marek Dvořák"') == 0
    capsys.readouterr()
    assert run(cli_lib, "alerts", "check", "--date", "2025-10-06") == 0
    assert "diffusion: 2 matching papers, 2 unseen" in capsys.readouterr().err
    assert run(cli_lib, "alerts", "list", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out) == [
        {"name": "diffusion", "query": "diffusion", "unseen": 2},
        {"name": "marek", "query": 'author:"Marek Dvořák"', "unseen": 2},
    ]
    assert run(cli_lib, "alerts", "seen", "diffusion") == 0
    assert run(cli_lib, "alerts", "list") == 0
    out = capsys.readouterr().out
    assert "diffusion     0 unseen  diffusion" in out
    assert run(cli_lib, "alerts", "remove", "marek") == 0
    assert run(cli_lib, "alerts", "remove", "marek") == 1
    assert "no alert named 'marek'" in capsys.readouterr().err
    assert run(cli_lib, "alerts", "check", "--date", "2025-10-09") == 0
    assert "no papers synced for 2025-10-09" in capsys.readouterr().err


def test_cli_digest_formats_and_file(
    cli_lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(cli_lib, "digest", "--date", "2025-10-06") == 0
    assert capsys.readouterr().out.startswith("# Reading digest: 2025-10-06\n")
    assert run(cli_lib, "digest", "--date", "2025-10-06", "--format", "json") == 0
    assert len(json.loads(capsys.readouterr().out)["new"]) == 6
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "digest.html"
    target.write_text("old", encoding="utf-8")
    assert run(cli_lib, "digest", "--date", "2025-10-06", "--format", "html", "-o", str(target)) == 0
    cap = capsys.readouterr()
    assert cap.out == "" and "wrote the digest" in cap.err
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out_dir.iterdir()] == ["digest.html"]  # no temp file left behind
    assert run(cli_lib, "digest") == 0  # default: the newest synced day
    assert "2025-10-06" in capsys.readouterr().out.splitlines()[0]


def test_cli_digest_without_data_says_so(
    cli_lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(cli_lib, "digest", "--date", "2025-10-09") == 1
    cap = capsys.readouterr()
    assert cap.out == ""
    assert (
        "no Daily Papers synced for 2025-10-09" in cap.err and "readinglist sync --date 2025-10-09" in cap.err
    )
    assert run(tmp_path / "empty-library", "digest") == 1
    assert "nothing synced yet" in capsys.readouterr().err
    assert run(cli_lib, "digest", "--days", "0") == 2


def test_the_dark_digest_is_dark_and_files_stay_light(flib: Library) -> None:
    synced(flib, D1)
    d = build_digest(flib, date=D1)
    light, dark = render_html(d), render_html(d, theme="dark")
    assert "background:#ffffff" in light and "background:#ffffff" not in dark
    assert "background:#181b20" in dark and "color:#e6e8eb" in dark
    assert light.replace(" ", "") != dark.replace(" ", "")
