"""Annotations as Markdown and JSON: structure, order, escaping, the CLI's JSON fields."""

from __future__ import annotations

import datetime as dt
import json

from readinglist.annotations_md import COLORS, annotations_json, annotations_markdown, color_name
from readinglist.records import AnnotationRecord

WHEN = dt.datetime(2024, 5, 31, 12, 0, tzinfo=dt.UTC)

RECORDS = [
    AnnotationRecord(3, 2, "note", "#2ea8e5", ((50.0, 60.0, 50.0, 60.0),), comment="Check the proof."),
    AnnotationRecord(
        1,
        0,
        "highlight",
        "#ffd400",
        ((72.0, 300.0, 200.0, 312.0),),
        text="lower on the page",
        comment="second",
    ),
    AnnotationRecord(
        2,
        0,
        "highlight",
        "#FF6666",
        ((72.0, 100.0, 200.0, 112.0), (72.0, 113.0, 150.0, 125.0)),
        text="# not a heading",
        comment="- not a list\n1. not numbered",
        created=WHEN,
        modified=WHEN,
    ),
    AnnotationRecord(4, 2, "ink", "#123456", ink=(((10.0, 20.0), (30.456, 40.0)),)),
    AnnotationRecord(5, 2, "underline", "#5fb236", ((72.0, 400.0, 100.0, 410.0),), text="underlined words"),
]


def test_palette() -> None:
    assert COLORS["yellow"] == "#ffd400" and len(COLORS) == 8
    assert color_name("#FFD400") == "yellow" and color_name("#123456") is None


def test_markdown_groups_by_page_in_order_with_quotes_comments_and_key() -> None:
    md = annotations_markdown("vaswani2017", "Attention  Is All\nYou Need", RECORDS)
    lines = md.splitlines()
    assert lines[0] == "# Annotations: Attention Is All You Need (`vaswani2017`)"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == ["## p. 1", "## p. 3"]
    # Within a page: top to bottom by the first rect (ink by its highest point).
    sequence = [
        "## p. 1",
        "not a heading",
        "lower on the page",
        "## p. 3",
        "· ink",
        "Check the",
        "underlined",
    ]
    positions = [md.index(s) for s in sequence]
    assert positions == sorted(positions)
    # Colour name and hex; kind only for non-highlights; quotes escaped; comment below the quote.
    assert "**Red** `#ff6666`" in lines
    assert "**Blue** `#2ea8e5` · note" in lines
    assert "**Green** `#5fb236` · underline" in lines
    assert "> \\# not a heading ([@vaswani2017], p. 1)" in lines
    assert "\\- not a list" in lines and "1\\. not numbered" in lines
    assert lines.index("\\- not a list") > lines.index("> \\# not a heading ([@vaswani2017], p. 1)")
    assert "Check the proof. ([@vaswani2017], p. 3)" in lines
    assert "`#123456` · ink" in lines and "([@vaswani2017], p. 3)" in lines
    assert md.endswith("\n") and "\n\n\n" not in md


def test_markdown_without_key_or_annotations() -> None:
    md = annotations_markdown(None, "A Paper", RECORDS[1:2])
    assert md.splitlines()[0] == "# Annotations: A Paper"
    assert "> lower on the page (p. 1)" in md and "@" not in md
    empty = annotations_markdown("key1", "A Paper", [])
    assert empty.splitlines()[0] == "# Annotations: A Paper (`key1`)"
    assert "no annotations" in empty and "##" not in empty


def test_json_fields() -> None:
    data = annotations_json(RECORDS)
    json.dumps(data)  # serialisable as is
    assert [d["id"] for d in data] == [2, 1, 4, 3, 5]
    red = data[0]
    assert red == {
        "id": 2,
        "page": 1,
        "kind": "highlight",
        "color": "#ff6666",
        "text": "# not a heading",
        "comment": "- not a list\n1. not numbered",
        "rects": [[72.0, 100.0, 200.0, 112.0], [72.0, 113.0, 150.0, 125.0]],
        "created": "2024-05-31T12:00:00+00:00",
        "modified": "2024-05-31T12:00:00+00:00",
        "author": "",  # made by this library's member (no name recorded for these records)
    }
    ink = data[2]
    assert ink["kind"] == "ink" and ink["ink"] == [[[10.0, 20.0], [30.46, 40.0]]] and ink["rects"] == []
    assert all("ink" not in d for d in data if d["kind"] != "ink")
    assert data[3]["page"] == 3 and data[3]["created"] is None
