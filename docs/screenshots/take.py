"""Screenshots of the app on a real X server: Xvfb with the openbox window manager, at 1024×700,
1400×900 and 2560×1440, light and dark, of the feed, the details pane with notes, a search with
hits and one with none, the digest and the reader with annotations.

    python docs/screenshots/take.py            # all of them, into docs/screenshots/*.png
    python docs/screenshots/take.py --only 1400x900

Needs ``xvfb`` and ``openbox`` (apt-get install xvfb openbox). Each (size, theme) runs in its
own process on a demo library; 2560×1440 shots are stored at 60 % to keep the folder small.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENES = {  # what each size shows
    "1400x900": ("feed", "foryou", "details", "search", "search-none", "digest", "reader"),
    "1024x700": ("feed", "foryou", "search"),
    "2560x1440": ("feed", "foryou", "reader"),
}
SCALE = {"2560x1440": 0.6}


def _wait(app, until: Callable[[], bool], timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if until():
            return True
        time.sleep(0.02)
    return False


def _settle(app, seconds: float = 0.6) -> None:  # type: ignore[no-untyped-def]
    _wait(app, lambda: False, seconds)


def shoot(size: str, theme: str, out: Path) -> None:
    """In a process of its own: open the demo, show each scene, save ``out/NAME-SIZE-THEME.png``."""
    import tempfile

    from PySide6.QtCore import Qt

    from readinglist.records import PaperFilter
    from readinglist.services import papers as papers_ops
    from ui.app import _demo_library, build_context, make_app, open_window
    from ui.appearance import apply_appearance
    from ui.settings import Settings

    w, h = (int(x) for x in size.split("x"))
    app = make_app()
    settings = Settings(Path(tempfile.mkdtemp(prefix="readinglist-shots-")) / "ui.ini")
    apply_appearance(settings, theme)
    lib = _demo_library()
    ctx = build_context(lib, settings)
    win = open_window(ctx, sync=False)
    win.resize(w, h)
    win.move(0, 0)
    _wait(app, lambda: win.is_ready)
    _settle(app, 1.0)
    scale = SCALE.get(size, 1.0)

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        _settle(app)
        img = widget.grab().toImage()
        if scale != 1.0:
            img = img.scaledToWidth(int(img.width() * scale), Qt.TransformationMode.SmoothTransformation)
        path = out / f"{name}-{size}-{theme}.png"
        img.save(str(path), "PNG", 0)  # 0: the strongest compression
        print(f"  {path.name} ({path.stat().st_size // 1024} KB)", file=sys.stderr)

    noted = [r for r in lib.list_papers(PaperFilter(saved=True), limit=200) if r.note]
    for scene in SCENES[size]:
        if scene == "feed":
            save(win, "feed")
        elif scene == "foryou":  # ranked in a worker: the first build trains the models
            win.sidebar.select_key("feed:foryou")
            _settle(app, 6.0)
            save(win, "foryou")
            win.sidebar.select_key("feed:latest")
            _settle(app, 1.0)
        elif scene == "details":
            if not noted:
                row = lib.list_papers(PaperFilter(saved=True), limit=1)[0]
                papers_ops.set_note(lib, row.id, "Read **section 3** first; compare with `baseline`.")
                noted = [lib.get(row.id)]
            pid = noted[0].id
            win.sidebar.select_key("library:all")
            _wait(app, lambda pid=pid: win.papers.row_of(pid) >= 0, 5)
            win.list.select_id(pid)
            save(win, "details")
        elif scene in ("search", "search-none"):
            win.search.setText("diffusion" if scene == "search" else "zebra quantum origami")
            win.search._fire()
            _settle(app, 1.2)
            save(win, scene)
            win.search.clear()
            win.search._fire()
            _settle(app, 0.8)
        elif scene == "digest":
            d = win.digests.open()
            d.resize(int(w * 0.7), int(h * 0.9))
            _settle(app, 1.5)
            save(d, "digest")
            d.close()
        elif scene == "reader":
            reader = _open_reader(app, win, lib, w, h)
            if reader is not None:
                save(reader, "reader")
                reader.close()
    win.close()
    ctx.bus.detach()
    lib.close()


def _open_reader(app, win, lib, w: int, h: int):  # type: ignore[no-untyped-def]
    """The reader on a demo PDF, with a highlight, an underline and a note on its first page."""
    import pymupdf

    from readinglist.records import AnnotationRecord, PaperFilter
    from readinglist.services import annotations as service
    from ui.reader import open_reader

    rows = [r for r in lib.list_papers(PaperFilter(dismissed=None), limit=500) if r.pdf]
    if not rows:
        return None
    row = rows[0]
    with pymupdf.open(row.pdf) as doc:
        words = doc[0].get_text("words")
    lines: dict[tuple[int, int], list] = {}
    for x0, y0, x1, y1, _t, block, line, _n in words:
        lines.setdefault((block, line), []).append((x0, y0, x1, y1))
    boxes = [
        (min(b[0] for b in ws), min(b[1] for b in ws), max(b[2] for b in ws), max(b[3] for b in ws))
        for ws in lines.values()
        if len(ws) > 4
    ]
    if len(boxes) >= 5:  # the abstract's second line highlighted, its fourth underlined
        service.add_annotation(lib, row.id, AnnotationRecord(None, 0, "highlight", rects=(boxes[3],)))
        service.add_annotation(
            lib,
            row.id,
            AnnotationRecord(
                None, 0, "underline", color="#2ea8e5", rects=(boxes[5 if len(boxes) > 5 else 4],)
            ),
        )
        x1, y0 = boxes[3][2], boxes[3][1]
        service.add_annotation(
            lib,
            row.id,
            AnnotationRecord(
                None,
                0,
                "note",
                rects=((x1 + 8, y0, x1 + 16, y0 + 8),),
                comment="The key claim; check Table 2.",
            ),
        )
    reader = open_reader(win, lib, row.id, row.pdf)
    reader.resize(w, h)
    reader.move(0, 0)
    _wait(app, lambda: reader.view.is_rendered(0), 10)
    _settle(app, 1.5)
    return reader


def _run_display(size: str, only_theme: str | None, out: Path) -> None:
    w, h = (int(x) for x in size.split("x"))
    display = f":{90 + list(SCENES).index(size)}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{w + 64}x{h + 64}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=display, PYTHONPATH=str(ROOT), READINGLIST_ARXIV_DELAY="0")
    wm = None
    try:
        time.sleep(1.0)
        wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.8)
        for theme in ("light", "dark"):
            if only_theme and theme != only_theme:
                continue
            print(f"{size} {theme}", file=sys.stderr)
            subprocess.run(
                [sys.executable, __file__, "--shoot", size, theme, str(out)],
                env=env,
                cwd=ROOT,
                check=True,
                timeout=300,
            )
    finally:
        for p in (wm, xvfb):
            if p is not None:
                p.terminate()
                p.wait(10)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=list(SCENES), help="one size only")
    p.add_argument("--theme", choices=("light", "dark"), help="one theme only")
    p.add_argument("--out", type=Path, default=HERE)
    p.add_argument("--shoot", nargs=3, metavar=("SIZE", "THEME", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.shoot:
        size, theme, out = args.shoot
        shoot(size, theme, Path(out))
        return 0
    for tool in ("Xvfb", "openbox"):
        if shutil.which(tool) is None:
            print(f"error: {tool} is missing (apt-get install xvfb openbox)", file=sys.stderr)
            return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for size in [args.only] if args.only else list(SCENES):
        _run_display(size, args.theme, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
