"""Editing annotations in the reader with the mouse: moving notes, areas and ink, resizing an
area by its corner handles, Escape to cancel; and deleting an annotation imported from the PDF,
which must stay deleted across reopening and re-importing. Checked against the database."""

from __future__ import annotations

import pymupdf
import pytest
import test_reader
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from test_reader import _db, _settled

from readinglist.records import AnnotationRecord
from readinglist.services import annotations as service
from readinglist.services import history
from ui.reader import drag, open_windows, overlay

paper, reader = test_reader.paper, test_reader.reader  # the fixtures of the reader tests

NOTE = AnnotationRecord(None, 0, "note", "#5fb236", ((300.0, 120.0, 300.0, 120.0),), comment="look")
AREA = AnnotationRecord(None, 0, "rectangle", "#f19837", ((60.0, 200.0, 200.0, 300.0),))
INK = AnnotationRecord(None, 0, "ink", "#a28ae5", ((80.0, 350.0, 160.0, 400.0),), ink=(((80.0, 350.0), (120.0, 400.0), (160.0, 370.0)),))  # fmt: skip


def _stored(lib, pid: int, kind: str) -> AnnotationRecord:
    (rec,) = [a for a in _db(lib, pid) if a.kind == kind]
    return rec


def _close(a: tuple[float, ...], b: tuple[float, ...], tol: float = 1.0) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def _mouse_drag(qtbot, w, a: QPoint, b: QPoint) -> None:
    vp = w.view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(vp, pos=a + (b - a) / 3)
    qtbot.mouseMove(vp, pos=b)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)
    _settled(qtbot, w)


def _box(w, key: int) -> QRectF:
    rec = w.model.get(key)
    return overlay.bounds(rec, w.view.page_transform(rec.page))


def _key(w, kind: str) -> int:
    return next(k for k, r in w.model.items() if r.kind == kind)


def test_move_note_area_and_ink_with_undo(qtbot, lib, paper, reader) -> None:
    pid, _path = paper
    for rec in (NOTE, AREA, INK):
        service.add_annotation(lib, pid, rec)
    w = reader()
    z = w.view.zoom
    # The note: grab its icon, drop it 40 px right and 30 px down.
    grab = _box(w, _key(w, "note")).center().toPoint()
    _mouse_drag(qtbot, w, grab, grab + QPoint(40, 30))
    moved = _stored(lib, pid, "note")
    assert _close(moved.rects[0], (300 + 40 / z, 120 + 30 / z, 300 + 40 / z, 120 + 30 / z))
    assert moved.comment == "look"
    assert w.model.get(w.model.selected).kind == "note"
    # The area: grab it inside, move it up and left.
    inside = w.view.page_to_widget(0, QPointF(130, 250)).toPoint()
    _mouse_drag(qtbot, w, inside, inside + QPoint(-25, -35))
    dx, dy = -25 / z, -35 / z
    assert _close(_stored(lib, pid, "rectangle").rects[0], (60 + dx, 200 + dy, 200 + dx, 300 + dy))
    # Ink moves with all its points (grab it on its stroke).
    on_stroke = w.view.page_to_widget(0, QPointF(100, 375)).toPoint()
    _mouse_drag(qtbot, w, on_stroke, on_stroke + QPoint(30, 10))
    ink = _stored(lib, pid, "ink")
    dx, dy = 30 / z, 10 / z
    assert _close(ink.ink[0][0] + ink.ink[0][2], (80 + dx, 350 + dy, 160 + dx, 370 + dy))
    assert _close(ink.rects[0], (80 + dx, 350 + dy, 160 + dx, 400 + dy))

    # Three moves, three steps of the library's history; undo them all, then redo one.
    _settled(qtbot, w)
    assert [s.label for s in history.history(lib, 3)] == ["Move ink", "Move area", "Move note"]
    assert w.actions_["undo"].text().endswith("Move ink")
    for _ in range(3):
        w.actions_["undo"].trigger()
    _settled(qtbot, w)
    assert {a.kind: a.rects[0] for a in _db(lib, pid)} == {r.kind: r.rects[0] for r in (NOTE, AREA, INK)}
    assert _stored(lib, pid, "ink").ink == INK.ink
    w.actions_["redo"].trigger()
    _settled(qtbot, w)
    assert _close(_stored(lib, pid, "note").rects[0], moved.rects[0])


def test_note_stays_on_its_page(qtbot, lib, paper, reader) -> None:
    pid, _path = paper
    service.add_annotation(lib, pid, NOTE)
    w = reader()
    grab = _box(w, _key(w, "note")).center().toPoint()
    far = w.view.page_to_widget(0, QPointF(900, -300)).toPoint()  # right of and above the page
    _mouse_drag(qtbot, w, grab, far)
    x0, y0, _x1, _y1 = _stored(lib, pid, "note").rects[0]
    assert x0 == pytest.approx(400, abs=0.01) and y0 == pytest.approx(0, abs=0.01)


def test_resize_area_by_a_corner_handle(qtbot, lib, paper, reader) -> None:
    pid, _path = paper
    service.add_annotation(lib, pid, AREA)
    w = reader()
    z = w.view.zoom
    key = _key(w, "rectangle")
    t = w.view.page_transform(0)
    corner = drag.handle_boxes(w.model.get(key), t)[2].center().toPoint()  # bottom-right
    # No handles until the area is selected: the same press would move it instead.
    assert w.model.selected is None
    edge = w.view.page_to_widget(0, QPointF(60, 250)).toPoint()
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=edge)
    assert w.model.selected == key
    _mouse_drag(qtbot, w, corner, corner + QPoint(30, 20))
    assert _close(_stored(lib, pid, "rectangle").rects[0], (60, 200, 200 + 30 / z, 300 + 20 / z))
    # The top-left handle, dragged past the opposite corner: the box flips, and stays a box.
    corner = drag.handle_boxes(w.model.get(key), w.view.page_transform(0))[0].center().toPoint()
    beyond = w.view.page_to_widget(0, QPointF(250, 380)).toPoint()
    _mouse_drag(qtbot, w, corner, beyond)
    x0, y0, x1, y1 = _stored(lib, pid, "rectangle").rects[0]
    assert _close((x0, y0), (200 + 30 / z, 300 + 20 / z)) and _close((x1, y1), (250, 380))
    _settled(qtbot, w)
    assert history.history(lib, 1)[0].label == "Resize area"
    w.actions_["undo"].trigger()
    w.actions_["undo"].trigger()
    _settled(qtbot, w)
    assert _stored(lib, pid, "rectangle").rects == AREA.rects


def test_move_on_a_rotated_page_follows_the_pointer(qtbot, lib, paper, reader) -> None:
    pid, _path = paper
    service.add_annotation(
        lib, pid, AnnotationRecord(None, 3, "rectangle", rects=((100.0, 100.0, 180.0, 160.0),))
    )
    w = reader()
    w.view.go_to_page(3)
    qtbot.waitUntil(lambda: w.view.is_rendered(3), timeout=5000)
    key = _key(w, "rectangle")
    before = _box(w, key)
    grab = before.center().toPoint()
    _mouse_drag(qtbot, w, grab, grab + QPoint(50, 0))  # to the right, as the page is shown
    after = _box(w, key)
    assert after.left() - before.left() == pytest.approx(50, abs=1.5)
    assert after.top() == pytest.approx(before.top(), abs=1.5)
    stored = _stored(lib, pid, "rectangle").rects[0]
    assert stored != (100.0, 100.0, 180.0, 160.0) and w.model.get(key).rects[0] == pytest.approx(stored)


def test_escape_cancels_a_drag(qtbot, lib, paper, reader) -> None:
    pid, _path = paper
    service.add_annotation(lib, pid, AREA)
    w = reader()
    key = _key(w, "rectangle")
    vp = w.view.viewport()
    inside = w.view.page_to_widget(0, QPointF(130, 250)).toPoint()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=inside)
    qtbot.mouseMove(vp, pos=inside + QPoint(20, 20))
    qtbot.mouseMove(vp, pos=inside + QPoint(60, 40))
    shown = dict(w.model.on_page(0))[key].rects[0]
    assert shown[0] > 60 + 30 / w.view.zoom  # it follows the pointer while dragged
    qtbot.keyClick(w.view, Qt.Key.Key_Escape)
    assert dict(w.model.on_page(0))[key].rects == AREA.rects  # back at once
    qtbot.mouseMove(vp, pos=inside + QPoint(80, 60))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=inside + QPoint(80, 60))
    _settled(qtbot, w)
    assert _stored(lib, pid, "rectangle").rects == AREA.rects
    steps_before = len(history.history(lib, 100))
    assert w.model.get(key).rects == AREA.rects
    assert len(history.history(lib, 100)) == steps_before  # an Escaped drag is no step at all


def _yellow(w, page: int, rect: pymupdf.Rect) -> int:
    """Highlighter-yellow pixels on screen inside a page-space rect."""
    box = overlay.qrect((rect.x0, rect.y0, rect.x1, rect.y1), w.view.page_transform(page))
    img = w.view.viewport().grab().toImage()
    return sum(
        1
        for x in range(int(box.left()) + 1, int(box.right()) - 1)
        for y in range(int(box.top()) + 1, int(box.bottom()) - 1)
        if 0 <= x < img.width() and 0 <= y < img.height()
        and (c := img.pixelColor(x, y)).red() > 200 and c.green() > 200 and c.blue() < 120
    )  # fmt: skip


def test_deleting_an_imported_annotation_sticks(qtbot, lib, paper, reader) -> None:
    pid, path = paper
    with pymupdf.open(path) as doc:  # another viewer's highlight, saved into the PDF
        page = doc[0]  # keep the page: an annotation of a page object already collected raises
        hit = page.search_for("encoder maps")[0]
        page.add_highlight_annot(hit).set_info(content="from Acrobat")
        doc.saveIncr()
    with pymupdf.open(path) as doc:  # the PDF really shows it, so the checks below can fail
        pix = doc[0].get_pixmap(clip=hit)
        assert any(
            r > 200 and g > 200 and b < 120
            for r, g, b in (pix.pixel(x, pix.height // 2) for x in range(pix.width))
        )
    assert service.import_pdf_annotations(lib, pid, path) == 1
    (imported,) = _db(lib, pid)
    assert imported.fingerprint

    w = reader()
    assert _yellow(w, 0, hit) > 20  # drawn by the reader from the library
    centre = w.view.page_to_widget(0, QPointF((hit.x0 + hit.x1) / 2, (hit.y0 + hit.y1) / 2)).toPoint()
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert w.model.get(w.model.selected).fingerprint == imported.fingerprint
    w.actions_["delete"].trigger()
    _settled(qtbot, w)
    assert _db(lib, pid) == []
    assert service.dismissed_fingerprints(lib, pid) == {imported.fingerprint}
    assert _yellow(w, 0, hit) == 0  # and the PDF's own copy does not show through

    w.actions_["undo"].trigger()  # undo brings it back, and forgets that it was deleted
    _settled(qtbot, w)
    assert [(a.fingerprint, a.comment) for a in _db(lib, pid)] == [(imported.fingerprint, "from Acrobat")]
    assert service.dismissed_fingerprints(lib, pid) == set()
    assert service.import_pdf_annotations(lib, pid, path) == 0  # no duplicate either
    w.actions_["redo"].trigger()
    _settled(qtbot, w)
    assert _db(lib, pid) == []
    w.close()
    qtbot.waitUntil(lambda: not open_windows(), timeout=2000)

    assert service.import_pdf_annotations(lib, pid, path) == 0  # a re-import skips it
    assert _db(lib, pid) == []
    w2 = reader()
    assert len(w2.model) == 0
    assert _yellow(w2, 0, hit) == 0  # reopened: still hidden
