"""Item painting: tag chips and PDF state in the paper list, count pills in the sidebar."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from readinglist.search import MARK_CLOSE, MARK_OPEN
from ui.models.papers import MatchRole, NewRole, PdfRole, TagsRole
from ui.models.sidebar import AlertRole, ColorRole, CountRole, KindRole
from ui.views.icons import icon

ModelIndex = QModelIndex | QPersistentModelIndex
MARK_BG = QColor("#fde68a")  # the same highlight as the details pane
MARK_FG = QColor("#111827")


def readable_on(bg: QColor) -> QColor:
    """Black or white text, whichever reads better on ``bg``."""
    lum = 0.2126 * bg.redF() + 0.7152 * bg.greenF() + 0.0722 * bg.blueF()
    return QColor("#111827") if lum > 0.6 else QColor("#ffffff")


def pill_colors(pal: QPalette, *, selected: bool, alert: bool) -> tuple[QColor, QColor]:
    """Background and text of a sidebar count. A selected row's pill is the accent colour with
    its own text colour: the stylesheet's pale selection would swallow white digits."""
    if alert:
        return QColor("#dc2626"), QColor("#ffffff")
    if selected:
        return pal.color(QPalette.ColorRole.Highlight), pal.color(QPalette.ColorRole.HighlightedText)
    bg = QColor(pal.color(QPalette.ColorRole.Text))
    bg.setAlphaF(0.10)
    return bg, pal.color(QPalette.ColorRole.Text)


def _background(painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
    opt = QStyleOptionViewItem(option)
    opt.text = ""
    opt.icon = icon(None)
    style = opt.widget.style() if opt.widget else QApplication.style()
    style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)


AUTO_MARK = 8  # room for the dot that marks an auto tag


def auto_font(font: QFont) -> QFont:
    f = QFont(font)
    f.setItalic(True)
    return f


def paint_auto_chip(painter: QPainter, rect: QRectF, color: QColor, name: str, pal: QPalette) -> None:
    """An auto tag (For you's guess, not yet confirmed): a dashed outline in the tag's colour
    on a pale fill, italic text, and a small dot before the name."""
    h = rect.height()
    fill = QColor(color)
    fill.setAlpha(50)
    pen = QPen(color.darker(115), 1.2, Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(fill)
    painter.drawRoundedRect(rect.adjusted(0.6, 0.6, -0.6, -0.6), h / 2, h / 2)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color.darker(115))
    d = 4.0
    painter.drawEllipse(QRectF(rect.left() + 6, rect.center().y() - d / 2, d, d))
    painter.setPen(pal.color(QPalette.ColorRole.Text))
    painter.drawText(rect.adjusted(AUTO_MARK, 0, 0, 0), Qt.AlignmentFlag.AlignCenter, name)


class TagChipsDelegate(QStyledItemDelegate):
    """Tags as small rounded chips in their colours, as many as fit (then "+N"); auto tags
    dashed and italic with a dot (:func:`paint_auto_chip`)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        _background(painter, option, index)
        paint_chips(painter, option.rect, index.data(TagsRole) or [], option.palette)


def paint_chips(painter: QPainter, rect: QRect, tags: list[tuple[str, str, bool]], pal: QPalette) -> None:
    """A cell's tags as chips, as many as fit in ``rect`` (then "+N")."""
    if not tags:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QApplication.font()
    font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
    painter.setFont(font)
    fm = QFontMetrics(font)
    r = rect.adjusted(4, 0, -4, 0)
    h = min(r.height() - 6, fm.height() + 4)
    y = r.top() + (r.height() - h) / 2
    x = float(r.left())
    plain_font = font
    for n, (name, color, *flags) in enumerate(tags):
        auto = bool(flags and flags[0])
        painter.setFont(auto_font(plain_font) if auto else plain_font)
        fm = QFontMetrics(painter.font())
        w = fm.horizontalAdvance(name) + 12 + (AUTO_MARK if auto else 0)
        rest = len(tags) - n
        more = f"+{rest}"
        if n == 0 and x + w > r.right():  # not even one fits: the first, elided
            name = fm.elidedText(name, Qt.TextElideMode.ElideRight, max(8, int(r.right() - x - 12)))
            w = fm.horizontalAdvance(name) + 12
        elif n > 0 and x + w > r.right() - (fm.horizontalAdvance(more) + 6 if rest > 1 else 0):
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRectF(x, y, r.right() - x, h), Qt.AlignmentFlag.AlignVCenter, more)
            break
        bg = QColor(color)
        if auto:
            paint_auto_chip(painter, QRectF(x, y, w, h), bg, name, pal)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bg)
            painter.drawRoundedRect(QRectF(x, y, w, h), h / 2, h / 2)
            painter.setPen(readable_on(bg))
            painter.drawText(QRectF(x, y, w, h), Qt.AlignmentFlag.AlignCenter, name)
        x += w + 4
    painter.restore()


class PdfDelegate(QStyledItemDelegate):
    """The PDF column: nothing, a downloading icon, or a document icon."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        _background(painter, option, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        paint_pdf(painter, option.rect, index.data(PdfRole), option.palette, selected)

    def helpEvent(self, event, view, option, index):  # type: ignore[no-untyped-def]
        state = index.data(PdfRole)
        from PySide6.QtWidgets import QToolTip

        tips = {"present": "PDF in the library", "downloading": "Downloading…", "none": "No PDF yet"}
        QToolTip.showText(event.globalPos(), tips.get(state, ""), view)
        return True


def paint_pdf(painter: QPainter, rect: QRect, state: object, pal: QPalette, selected: bool) -> None:
    """A cell's PDF state: nothing, a downloading icon, or a document icon."""
    if state not in ("present", "downloading"):
        return
    name = "pdf" if state == "present" else "downloading"
    role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
    color = pal.color(role) if state == "present" or selected else QColor("#0ea5e9")
    size = min(rect.height() - 6, 18)
    r = QRect(0, 0, size, size)
    r.moveCenter(rect.center())
    icon(name, color).paint(painter, r)


def marked_pieces(text: str) -> list[tuple[str, bool]]:
    """``text`` with search marks as (piece, matched) pairs."""
    out: list[tuple[str, bool]] = []
    for n, part in enumerate(text.split(MARK_OPEN)):
        if n == 0:
            out.append((part, False))
            continue
        hit, _, rest = part.partition(MARK_CLOSE)
        out += [(hit, True), (rest, False)]
    return [(t, m) for t, m in out if t]


def title_mark(starred: bool, new: bool, pal: QPalette) -> QIcon | None:
    """The icon before a title: a star for a starred paper, else a bell for an alert's new match."""
    if starred:
        return icon("star-filled", "#f59e0b")
    if new:
        return icon("bell", pal.color(QPalette.ColorRole.Highlight).name())
    return None


class TitleDelegate(QStyledItemDelegate):
    """The title, with a star in front of starred papers and a search's matches highlighted."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        super().initStyleOption(option, index)
        mark = title_mark(
            bool(index.data(Qt.ItemDataRole.UserRole)), bool(index.data(NewRole)), option.palette
        )
        if mark is None:
            return
        option.icon = mark
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
        option.decorationSize = QSize(14, 14)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        marked = index.data(MatchRole)
        if not marked:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget else QApplication.style()
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        fg = opt.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        paint_marked(painter, text_rect.adjusted(2, 0, -2, 0), marked, opt.font, fg)


def paint_marked(painter: QPainter, r: QRect, marked: str, font: QFont, fg: QColor) -> None:
    """A title with a search's matches highlighted, elided at the right of ``r``."""
    painter.save()
    painter.setFont(font)
    fm = QFontMetrics(font)
    x, right = float(r.left()), float(r.right())
    for piece, hit in marked_pieces(" ".join(marked.split())):
        w = fm.horizontalAdvance(piece)
        elided = x + w > right
        if elided:
            piece = fm.elidedText(piece, Qt.TextElideMode.ElideRight, int(right - x))
            w = fm.horizontalAdvance(piece)
            if not piece:  # no room left: no sliver of a mark at the edge
                break
        box = QRectF(x, r.top(), w, r.height())
        if hit:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(MARK_BG)
            painter.drawRoundedRect(box.adjusted(-1, 3, 1, -3), 3, 3)
            painter.setPen(MARK_FG)
        else:
            painter.setPen(fg)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), piece)
        x += w
        if elided or x >= right:  # the rest is behind the "…"
            break
    painter.restore()


class SidebarDelegate(QStyledItemDelegate):
    """Sidebar rows: section headers in small caps, a colour dot for tags, counts on the right."""

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        s = super().sizeHint(option, index)
        extra = 10 if index.data(KindRole) == "section" else 6
        return QSize(s.width(), s.height() + extra)

    def initStyleOption(self, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        super().initStyleOption(option, index)
        kind = index.data(KindRole)
        if kind == "section":
            option.font.setPointSizeF(option.font.pointSizeF() * 0.85)
            option.font.setWeight(option.font.Weight.DemiBold)
            option.font.setCapitalization(option.font.Capitalization.AllUppercase)
            option.font.setLetterSpacing(option.font.SpacingType.PercentageSpacing, 106)
            option.palette.setColor(
                QPalette.ColorRole.Text, option.palette.color(QPalette.ColorRole.PlaceholderText)
            )
        elif kind == "tag":
            option.icon = _dot(index.data(ColorRole), index.data(0))
            option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
        elif kind in _KIND_ICONS or index.data(0) in _LIBRARY_ICONS:
            name = _LIBRARY_ICONS.get(index.data(0)) or _KIND_ICONS[kind]
            option.icon = icon(name)
            option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        count = index.data(CountRole)
        alert = index.data(AlertRole) or 0
        text = str(alert) if alert else ("" if count is None else str(count))
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        if not text:
            super().paint(painter, option, index)
            return
        fm = QFontMetrics(opt.font)
        pill_w = fm.horizontalAdvance(text) + 12
        narrowed = QStyleOptionViewItem(option)
        narrowed.rect = option.rect.adjusted(0, 0, -(pill_w + 6), 0)
        # Paint the full-width selection background first, then the label in the narrowed rect.
        _background(painter, option, index)
        super().paint(painter, narrowed, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = fm.height() + 2
        rect = QRectF(option.rect.right() - pill_w - 4, option.rect.center().y() - h / 2 + 1, pill_w, h)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        bg, fg = pill_colors(option.palette, selected=selected, alert=bool(alert))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(rect, h / 2, h / 2)
        painter.setPen(fg)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


_KIND_ICONS = {"feed": "feed", "trending": "feed", "list": "list", "search": "search"}
_LIBRARY_ICONS = {
    "Library": "library",
    "Unread": "inbox",
    "Reading": "book",
    "Read": "check",
    "Starred": "star",
    "Dismissed": "dismiss",
}


def _dot(color: str | None, name: str) -> QIcon:
    from PySide6.QtGui import QPixmap

    from ui.models.papers import tag_color

    pm = QPixmap(32, 32)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(tag_color(name, color)))
    p.drawEllipse(QRectF(8, 8, 16, 16))
    p.end()
    return QIcon(pm)
