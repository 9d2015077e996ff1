"""The digest as an Atom feed and as one multipart mail to a local SMTP server, with For you."""

from __future__ import annotations

import email
import email.policy
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from readinglist.cli.main import main
from readinglist.config import Endpoints
from readinglist.services.library import Library
from tests import recommend_fixture as fx

A = "{http://www.w3.org/2005/Atom}"
DEAD = Endpoints(
    hf="http://127.0.0.1:9", arxiv="http://127.0.0.1:9", arxiv_api="http://127.0.0.1:9/x", arxiv_delay=0
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("digest") / "lib"
    lib = Library.open(path, DEAD)
    fx.build(lib, later=False)
    lib.close()
    return path


def run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_atom_digest_is_a_valid_feed_with_a_for_you_section(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "feed.xml"
    code, _, err = run(
        root, capsys, "digest", "--date", "2026-08-19", "--format", "atom", "-o", str(out_file)
    )
    assert code == 0, err
    feed = ET.parse(out_file).getroot()
    assert feed.tag == f"{A}feed"
    # RFC 4287 4.1.1: exactly one id, title and updated; an author on the feed or on every entry.
    for tag in ("id", "title", "updated"):
        assert len(feed.findall(f"{A}{tag}")) == 1, tag
    assert feed.find(f"{A}author/{A}name") is not None
    entries = feed.findall(f"{A}entry")
    assert len(entries) == 4  # the day's four papers, each once, whatever sections it is in
    ids = [e.findtext(f"{A}id") for e in entries]
    assert len(set(ids)) == 4 and all(i and i.startswith("http") for i in ids)
    for e in entries:
        for tag in ("id", "title", "updated"):
            assert len(e.findall(f"{A}{tag}")) == 1, tag
        assert e.findtext(f"{A}updated", "").endswith("Z")
        assert e.find(f"{A}summary") is not None or e.find(f"{A}content") is not None
        assert e.find(f"{A}link[@rel='alternate']") is not None
    for_you = [e for e in entries if any(c.get("term") == "for-you" for c in e.findall(f"{A}category"))]
    # The top third of the day's ranking, with why; not the KV-cache paper (a dismissed topic).
    assert len(for_you) == 2
    assert "2608.15502" not in " ".join(e.findtext(f"{A}id") or "" for e in for_you)
    assert all("you tagged" in (e.findtext(f"{A}summary") or "") for e in for_you)


def test_the_markdown_digest_starts_with_for_you(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(root, capsys, "digest", "--date", "2026-08-19")
    assert code == 0
    assert out.index("## For you") < out.index("## New papers")
    code, out, _ = run(root, capsys, "digest", "--date", "2026-08-19", "--no-for-you")
    assert "## For you" not in out


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller's start-up check needs a real one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_a_mailed_digest_arrives_as_one_multipart_message(
    root: Path, smtp: tuple[Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, port = smtp
    code, out, err = run(
        root, capsys, "digest", "--date", "2026-08-19", "--email", "--smtp", f"127.0.0.1:{port}",
        "--mail-from", "digest@example.org", "--mail-to", "me@example.org", "--mail-to", "you@example.org",
    )  # fmt: skip
    assert code == 0, err
    assert out == "" and "mailed the digest" in err
    assert len(inbox.messages) == 1
    sender, rcpts, raw = inbox.messages[0]
    assert sender == "digest@example.org" and rcpts == ["me@example.org", "you@example.org"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Subject"] == "Reading digest: 2026-08-19"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "## For you" in plain and "Harbor" in plain
    assert "<h2" in html and "For you" in html


def test_mail_errors_say_what_to_do(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        root, capsys, "digest", "--date", "2026-08-19", "--email", "--mail-to", "me@example.org"
    )
    assert code == 1 and "--smtp" in err
    code, _, err = run(
        root, capsys, "digest", "--date", "2026-08-19", "--email", "--smtp", "127.0.0.1:9",
        "--mail-from", "a@example.org", "--mail-to", "me@example.org",
    )  # fmt: skip
    assert code == 1 and err.startswith("error: could not send the digest through 127.0.0.1:9")
