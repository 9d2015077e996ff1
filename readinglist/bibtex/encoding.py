"""Decoding a .bib file's bytes without ever storing mojibake.

A byte-order mark decides (UTF-8, UTF-16, UTF-32). Otherwise a file that is valid UTF-8 is
UTF-8. A file that is not is decoded line by line: lines valid as UTF-8 stay UTF-8 (so one stray
Latin-1 byte does not turn every "é" of the file into "Ã©"), the others are read as Windows-1252
(Latin-1 for the five bytes cp1252 leaves undefined), and each such line is reported.
"""

from __future__ import annotations

import codecs

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAX_NOTES = 20


def _legacy(line: bytes) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def decode_bib(data: bytes, name: str) -> tuple[str, list[tuple[int, str]]]:
    """The text of a .bib file and notes ``(line, message)`` about how it was decoded."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), []
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                text = data.decode(encoding, errors="replace")
                return text, [
                    (
                        line,
                        f"{name} starts as {encoding} but is damaged here; unreadable bytes are shown as \ufffd",
                    )
                ]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    bad: list[int] = []
    for n, chunk in enumerate(data.splitlines(keepends=True), 1):
        try:
            out.append(chunk.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(_legacy(chunk))
            bad.append(n)
    notes = [
        (n, f"{name}: this line is not UTF-8; read as Windows-1252/Latin-1 (check its accents)")
        for n in bad[:_MAX_NOTES]
    ]
    if len(bad) > _MAX_NOTES:
        notes.append((bad[_MAX_NOTES], f"{name}: {len(bad) - _MAX_NOTES} more lines are not UTF-8 either"))
    return "".join(out), notes
