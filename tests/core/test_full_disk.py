"""A full disk (a real 3 MB tmpfs): reads keep working, writes say the disk is full, nothing is lost."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from readinglist.cli.main import main
from tests.pdfgen import make_paper_pdf


@pytest.fixture
def small_disk() -> Iterator[Path]:
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    where = Path(tempfile.mkdtemp(prefix="rl-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)
        where.rmdir()


def _fill(folder: Path) -> Path:
    filler = folder / "filler.bin"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_said_plainly_and_reads_still_work(
    small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = small_disk / "lib"

    def cli(*args: str) -> tuple[int, str, str]:
        code = main(["--library", str(root), *args])
        out, err = capsys.readouterr()
        return code, out, err

    bib = tmp_path / "a.bib"
    bib.write_text(
        "@misc{first2020, title = {A paper that is already there}, year = 2020}\n", encoding="utf-8"
    )
    assert cli("import", str(bib))[0] == 0
    filler = _fill(small_disk)
    code, out, err = cli("list", "--format", "json")
    assert code == 0, err
    assert "first2020" in out
    code, _, err = cli("tag", "first2020", "full")
    assert code == 1 and "Traceback" not in err
    assert "is full (0 MB free)" in err, err
    pdf = make_paper_pdf(tmp_path / "p.pdf", title="Mixtures of Sparse Experts", authors=["Ada Byron"])
    code, _, err = cli("import", str(pdf))
    assert "Traceback" not in err and "full" in err, err
    filler.unlink()
    code, _, err = cli("check")
    assert code == 0, err
    code, out, _ = cli("list", "--format", "json")
    assert "first2020" in out and '"full"' not in out
