"""Which citation keys a document cites: LaTeX ``.aux`` and ``.tex`` (following ``\\input``,
``\\include``, ``\\subfile``), and pandoc Markdown (``[@key]``, ``@key``, ``@{key}``).

Pure reading functions: every result lists keys in first-cited order, without duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from readinglist.errors import ReadingListError

# \citation{a,b} (natbib and plain BibTeX), \abx@aux@cite{a} or \abx@aux@cite{0}{a} (biblatex),
# \@input{chapter.aux} (one .aux per \include'd file).
_AUX_CITATION = re.compile(r"\\citation\{([^}]*)\}")
_AUX_BIBLATEX = re.compile(r"\\abx@aux@cite\{([^}]*)\}(?:\{([^}]*)\})?")
_AUX_INPUT = re.compile(r"\\@input\{([^}]*)\}")
# \cite, \citep, \citet*, \parencite, \textcite, \autocite, \footcite, \citeauthor, \nocite, \Cite…
# with up to two optional arguments; biblatex's \cites[..][..]{a}[..]{b} repeats the groups.
_TEX_CITE = re.compile(
    r"\\([A-Za-z]*cite[A-Za-z]*|nocite)\*?((?:\s*\[[^\]]*\])*\s*\{[^}]*\}(?:\s*(?:\[[^\]]*\]\s*)*\{[^}]*\})*)"
)
_TEX_GROUP = re.compile(r"\{([^}]*)\}")
_TEX_INPUT = re.compile(r"\\(input|include|subfile|subfileinclude)\s*\{([^}]+)\}")
_TEX_IMPORT = re.compile(r"\\(?:sub)?(?:import|inputfrom|includefrom)\s*\{([^}]*)\}\s*\{([^}]+)\}")
_TEX_COMMENT = re.compile(r"(?<!\\)%.*")
# pandoc: a key starts with a letter, digit or _, may hold internal punctuation :.#$%&-+?<>~/
# (followed by an alphanumeric), and @ must not follow a word character (e-mail addresses).
_MD_KEY = re.compile(r"(?<![\w@])-?@(?:\{([^{}]+)\}|([\w](?:[\w]|[:.#$%&+?<>~/-](?=[\w]))*))")
_MD_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_MD_CODE = re.compile(r"`[^`\n]+`")
_MAX_DEPTH = 20


@dataclass
class Cited:
    """Keys in first-cited order, the files read, and what could not be followed."""

    keys: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    all_cited: bool = False  # \nocite{*} or \citation{*}: the whole bibliography

    def add(self, key: str) -> None:
        key = key.strip()
        if key == "*":
            self.all_cited = True
        elif key and key not in self.keys:
            self.keys.append(key)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise ReadingListError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise ReadingListError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise ReadingListError(f"cannot read {path}: {exc.strerror or exc}") from None


def keys_from_aux(path: Path) -> Cited:
    """Keys a LaTeX run wrote into ``paper.aux`` (and the ``.aux`` files it ``\\@input``s)."""
    out = Cited()
    _aux(Path(path), out, 0)
    return out


def _aux(path: Path, out: Cited, depth: int) -> None:
    if path in out.files or depth > _MAX_DEPTH:
        return
    if depth and not path.is_file():
        out.problems.append(f"{path.name} (named in an .aux file) is missing; run LaTeX again")
        return
    text = _read(path)
    out.files.append(path)
    for line in text.splitlines():
        for m in _AUX_CITATION.finditer(line):
            for key in m.group(1).split(","):
                out.add(key)
        for m in _AUX_BIBLATEX.finditer(line):
            out.add(m.group(2) if m.group(2) is not None else m.group(1))
        for m in _AUX_INPUT.finditer(line):
            _aux(path.parent / m.group(1), out, depth + 1)


def tex_citations(text: str) -> Iterator[tuple[int, str]]:
    """``(line, key)`` of every citation command in LaTeX source, comments skipped."""
    for n, line in enumerate(text.splitlines(), 1):
        line = _TEX_COMMENT.sub("", line)
        for m in _TEX_CITE.finditer(line):
            for group in _TEX_GROUP.findall(m.group(2)):
                for key in group.split(","):
                    if key.strip():
                        yield n, key.strip()


def keys_from_tex(path: Path) -> Cited:
    """Keys cited in a LaTeX project, from its main file through ``\\input``/``\\include``."""
    path = Path(path)
    out = Cited()
    _tex(path, path.parent, out, 0)
    return out


def _tex_file(name: str, base: Path) -> Path:
    p = base / name.strip()
    return p if p.suffix == ".tex" or p.is_file() else p.with_name(p.name + ".tex")


def _tex(path: Path, root: Path, out: Cited, depth: int) -> None:
    if path in out.files or depth > _MAX_DEPTH:
        return
    if depth and not path.is_file():
        out.problems.append(f"{path} (input from the project) is missing; its citations are not counted")
        return
    text = _read(path)
    out.files.append(path)
    for _line, key in tex_citations(text):
        out.add(key)
    body = "\n".join(_TEX_COMMENT.sub("", line) for line in text.splitlines())
    for m in _TEX_INPUT.finditer(body):
        # LaTeX resolves \input against the folder it runs in (the main file's), \subfile too.
        _tex(_tex_file(m.group(2), root), root, out, depth + 1)
    for m in _TEX_IMPORT.finditer(body):
        folder = root / m.group(1)
        _tex(_tex_file(m.group(2), folder), folder, out, depth + 1)


def markdown_citations(text: str) -> Iterator[tuple[int, str]]:
    """``(line, key)`` of every pandoc citation in Markdown, code blocks and spans skipped."""
    text = _MD_FENCE.sub(lambda m: "\n" * m.group().count("\n"), text)
    for n, line in enumerate(text.splitlines(), 1):
        line = _MD_CODE.sub("", line)
        for m in _MD_KEY.finditer(line):
            yield n, (m.group(1) or m.group(2)).strip()


def keys_from_markdown(path: Path) -> Cited:
    path = Path(path)
    out = Cited(files=[path])
    for _line, key in markdown_citations(_read(path)):
        out.add(key)
    return out


SOURCE_SUFFIXES = {".tex": tex_citations, ".md": markdown_citations, ".markdown": markdown_citations,
                   ".qmd": markdown_citations, ".rmd": markdown_citations}  # fmt: skip


def cited_in(folder: Path) -> dict[str, list[tuple[Path, int]]]:
    """Every key cited in the LaTeX and Markdown files under ``folder``, with ``(file, line)``s."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReadingListError(f"{folder} is not a folder")
    found: dict[str, list[tuple[Path, int]]] = {}
    for path in sorted(folder.rglob("*")):
        scan = SOURCE_SUFFIXES.get(path.suffix.lower())
        if (
            scan is None
            or not path.is_file()
            or any(p.startswith(".") for p in path.relative_to(folder).parts)
        ):
            continue
        for line, key in scan(_read(path)):
            if key != "*":
                found.setdefault(key, []).append((path, line))
    return found
