"""Export references (BibTeX, BibLaTeX, CSL-JSON, RIS): of the selection, a tag, a reading list or
the whole library; to a file or the clipboard.

:class:`ExportDialog` only collects the choice (an :class:`ExportRequest`); :func:`run_export`
does the work in a worker and the result comes back as a notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from readinglist.services.library import Library
from readinglist.textutil import plural
from ui.dialogs import prompt
from ui.models.context import AppContext

FORMAT_LABELS = (("bibtex", "BibTeX"), ("biblatex", "BibLaTeX (biber)"), ("csl-json", "CSL-JSON (pandoc, Zotero)"),
                 ("ris", "RIS"))  # fmt: skip


@dataclass(frozen=True)
class ExportRequest:
    scope: str  # selection | tag | list | library
    value: str | None
    ids: tuple[int, ...]
    path: str | None  # None: the clipboard
    format: str = "bibtex"


def export_text(lib: Library, req: ExportRequest) -> tuple[str, int]:
    """Worker side: the BibTeX and the number of entries; written to the file if one was given."""
    from readinglist.services import exporting

    ids = exporting.scope_ids(
        lib, ids=req.ids if req.scope == "selection" else (),
        tag=req.value if req.scope == "tag" else None,
        list_name=req.value if req.scope == "list" else None,
        saved=req.scope == "library",
    )  # fmt: skip
    text = exporting.export_text(lib, ids, req.format)
    if req.path:
        exporting.write_text_atomically(Path(req.path), text)
    return text, len(ids)


class ExportDialog(QDialog):
    def __init__(
        self,
        selection: list[int],
        tags: list[str],
        lists: list[str],
        start_dir: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export references")
        self.selection = selection
        lay = QVBoxLayout(self)
        what = QGroupBox("What")
        form = QFormLayout(what)
        self.scope = QButtonGroup(self)
        self.sel_radio = QRadioButton(f"The selected papers ({len(selection)})")
        self.tag_radio = QRadioButton("A tag")
        self.list_radio = QRadioButton("A reading list")
        self.lib_radio = QRadioButton("The whole library (saved papers)")
        self.tag_combo = QComboBox()
        self.tag_combo.addItems(tags)
        self.list_combo = QComboBox()
        self.list_combo.addItems(lists)
        for n, r in enumerate((self.sel_radio, self.tag_radio, self.list_radio, self.lib_radio)):
            self.scope.addButton(r, n)
        form.addRow(self.sel_radio)
        form.addRow(self.tag_radio, self.tag_combo)
        form.addRow(self.list_radio, self.list_combo)
        form.addRow(self.lib_radio)
        self.sel_radio.setEnabled(bool(selection))
        self.tag_radio.setEnabled(bool(tags))
        self.list_radio.setEnabled(bool(lists))
        (self.sel_radio if selection else self.lib_radio).setChecked(True)
        lay.addWidget(what)
        fmt_row = QFormLayout()
        self.format = QComboBox()
        for key, label in FORMAT_LABELS:
            self.format.addItem(label, key)
        self.format.setAccessibleName("Export format")
        self.format.currentIndexChanged.connect(self._format_changed)
        fmt_row.addRow("Format:", self.format)
        lay.addLayout(fmt_row)
        where = QGroupBox("Where")
        wl = QVBoxLayout(where)
        self.file_radio = QRadioButton("To a file")
        self.clip_radio = QRadioButton("To the clipboard")
        self.file_radio.setChecked(True)
        row = QHBoxLayout()
        self.path = QLineEdit(str(Path(start_dir) / "references.bib"))
        self.path.setAccessibleName("File to write")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        wl.addWidget(self.file_radio)
        wl.addLayout(row)
        wl.addWidget(self.clip_radio)
        lay.addWidget(where)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def _suffix(self) -> str:
        from readinglist.formats import SUFFIXES

        return SUFFIXES[str(self.format.currentData())]

    def _format_changed(self) -> None:
        path = Path(self.path.text().strip() or "references.bib")
        self.path.setText(str(path.with_suffix(self._suffix())))

    def _browse(self) -> None:
        suffix = self._suffix()
        path = prompt.save_file(
            self, "Export to", self.path.text(), f"{self.format.currentText()} (*{suffix})"
        )
        if path:
            self.path.setText(path if path.endswith(suffix) else path + suffix)
            self.file_radio.setChecked(True)

    def request(self) -> ExportRequest:
        scope = ("selection", "tag", "list", "library")[max(0, self.scope.checkedId())]
        value = {"tag": self.tag_combo.currentText(), "list": self.list_combo.currentText()}.get(scope)
        path = self.path.text().strip() if self.file_radio.isChecked() else None
        return ExportRequest(
            scope, value or None, tuple(self.selection), path or None, str(self.format.currentData())
        )


def run_export(ctx: AppContext, req: ExportRequest) -> None:
    def done(result: tuple[str, int]) -> None:
        text, n = result
        if req.path is None:
            QGuiApplication.clipboard().setText(text)
            ctx.bus.info(f"Copied {plural(n, 'entry', 'entries')} ({req.format}) to the clipboard")
        else:
            ctx.bus.info(f"Wrote {plural(n, 'entry', 'entries')} ({req.format}) to {req.path}")

    ctx.tasks.run(export_text, ctx.lib, req, name="export", on_done=done, on_error=ctx.report_error)
