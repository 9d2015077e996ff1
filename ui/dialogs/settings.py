"""Settings: library folder, sync, PDFs, citation keys and auto-export, For you (auto-tagging),
the digest by e-mail, appearance, and the database server of a lab library.

Window and UI preferences go to QSettings (:mod:`ui.settings`); library-level ones (back-fill
days, citation-key pattern) to the library. The dialog reads them on open and writes on OK.
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from readinglist.errors import ReadingListError
from readinglist.lazy import lazy_module
from readinglist.records import PaperFilter, PaperRow
from readinglist.texdisplay import tex_to_unicode
from ui import settings as keys
from ui.dialogs import prompt
from ui.models.context import AppContext

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import library_settings
else:
    library_settings = lazy_module("readinglist.services.library_settings")

THEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))


def pattern_problem(pattern: str) -> str | None:
    """Why a citation-key pattern is unusable, or None."""
    from readinglist.bibtex.citekeys import validate_pattern

    try:
        validate_pattern(pattern)
    except Exception as exc:  # the core raises its own error kinds with a readable message
        return str(exc)
    return None


class SettingsDialog(QDialog):
    switch_library = Signal(str)
    move_library = Signal(str)  # copy the library to a new folder, verify, then switch to it

    def __init__(
        self, ctx: AppContext, tags: list[str], lists: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.ctx = ctx
        self.tags, self.lists = tags, lists
        lay = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._general(), "General")
        self.tabs.addTab(self._sync(), "Sync and PDFs")
        self.tabs.addTab(self._citations(), "Citations")
        from ui.dialogs.settings_tabs import ForYouTab, MailTab

        self.for_you = ForYouTab(ctx)
        self.tabs.addTab(self.for_you, "For you")
        self.mail = MailTab(ctx)
        self.tabs.addTab(self.mail, "Digest by e-mail")
        self.tabs.addTab(self._lab(), "Lab")
        lay.addWidget(self.tabs)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.resize(620, 480)
        self._check_pattern()
        self._load_autoexports()

    # -- tabs --------------------------------------------------------------------------------
    def _general(self) -> QWidget:
        w = QWidget()
        form = QFormLayout(w)
        folder = QLineEdit(str(self.ctx.lib.root))
        folder.setReadOnly(True)
        folder.setAccessibleName("Library folder")
        row = QHBoxLayout()
        row.addWidget(folder, 1)
        open_btn = QPushButton("Open folder")
        open_btn.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ctx.lib.root))))
        switch = QPushButton("Switch library…")
        switch.clicked.connect(self._switch)
        move = QPushButton("Move library…")
        move.setToolTip("Copy the whole library to another folder, check the copy, and use it from then on")
        move.clicked.connect(self._move)
        row.addWidget(open_btn)
        row.addWidget(switch)
        row.addWidget(move)
        form.addRow("Library folder:", row)
        self.theme = QComboBox()
        for key, label in THEMES:
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(
            max(
                0,
                [k for k, _ in THEMES].index(self.ctx.settings.get(keys.THEME))
                if self.ctx.settings.get(keys.THEME) in dict(THEMES)
                else 0,
            )
        )
        form.addRow("Theme:", self.theme)
        self.font_size = QSpinBox()
        self.font_size.setRange(0, 24)
        self.font_size.setSpecialValueText("System default")
        self.font_size.setSuffix(" pt")
        self.font_size.setValue(self.ctx.settings.get(keys.FONT_SIZE))
        form.addRow("Font size:", self.font_size)
        return w

    def _sync(self) -> QWidget:
        w = QWidget()
        form = QFormLayout(w)
        self.sync_on_start = QCheckBox("Sync the Daily Papers when the app starts")
        self.sync_on_start.setChecked(self.ctx.settings.get(keys.SYNC_ON_START))
        form.addRow(self.sync_on_start)
        self.interval = QSpinBox()
        self.interval.setRange(0, 48)
        self.interval.setSpecialValueText("Never while running")
        self.interval.setSuffix(" h")
        self.interval.setValue(self.ctx.settings.get(keys.SYNC_INTERVAL_HOURS))
        form.addRow("Sync again every:", self.interval)
        self.backfill = QSpinBox()
        self.backfill.setRange(1, 7)
        self.backfill.setSuffix(" days")
        self.backfill.setValue(int(self.ctx.lib.setting("sync_backfill_days") or 7))  # type: ignore[call-overload]
        form.addRow("A new library fetches the last:", self.backfill)
        self.auto_download = QCheckBox("Download the PDF when I save a paper")
        self.auto_download.setChecked(self.ctx.settings.get(keys.AUTO_DOWNLOAD))
        form.addRow(self.auto_download)
        self.write_pdf = QCheckBox("Also write my annotations into the stored PDFs")
        self.write_pdf.setToolTip(
            "Other viewers then show them. The library keeps its own copy of every annotation either way."
        )
        self.write_pdf.setChecked(bool(self.ctx.lib.setting("write_annotations_to_pdf")))
        form.addRow(self.write_pdf)
        return w

    def _citations(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        form = QFormLayout()
        self.pattern = QLineEdit(str(self.ctx.lib.setting("citekey_pattern") or ""))
        self.pattern.setAccessibleName("Citation key pattern")
        self.pattern.textChanged.connect(self._check_pattern)
        form.addRow("Citation key pattern:", self.pattern)
        self.pattern_error = QLabel()
        self.pattern_error.setObjectName("errorLabel")
        self.pattern_error.setWordWrap(True)
        form.addRow("", self.pattern_error)
        hint = QLabel("For new papers only; existing keys stay as they are. Example: {auth}{year}{title}")
        hint.setWordWrap(True)
        hint.setObjectName("hintLabel")
        form.addRow("", hint)
        self.example = QLabel()  # the pattern applied to a real paper, live as you type
        self.example.setObjectName("citekeyExample")
        self.example.setWordWrap(True)
        self.example.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Gives:", self.example)
        self._example_paper = self._sample_paper()
        self.cite_style = QComboBox()
        for key, label in (("apa", "APA"), ("ieee", "IEEE"), ("acm", "ACM")):
            self.cite_style.addItem(label, key)
        self.cite_style.setCurrentIndex(
            max(0, self.cite_style.findData(self.ctx.settings.get(keys.CITATION_STYLE)))
        )
        self.cite_style.setAccessibleName("Citation style for Copy formatted citation")
        form.addRow("Formatted citations:", self.cite_style)
        server_row = QHBoxLayout()
        self.server_on = QCheckBox("Answer editor plugins on 127.0.0.1, port")
        self.server_on.setToolTip(
            "Better BibTeX's cite-as-you-write and pull-export URLs, for editor plugins made for Zotero. "
            "Use 23119 for plugins with a fixed port while Zotero itself is closed."
        )
        self.server_on.setChecked(self.ctx.settings.get(keys.CITE_SERVER_ON))
        self.server_port = QSpinBox()
        self.server_port.setRange(1024, 65535)
        self.server_port.setValue(self.ctx.settings.get(keys.CITE_SERVER_PORT))
        self.server_port.setAccessibleName("Port of the citation server")
        server_row.addWidget(self.server_on)
        server_row.addWidget(self.server_port)
        server_row.addStretch(1)
        form.addRow("Editors:", server_row)
        lay.addLayout(form)
        lay.addWidget(QLabel("Auto-export: files kept up to date as the library changes (.bib, .json, .ris)"))
        self.exports = QTableWidget(0, 3)
        self.exports.setHorizontalHeaderLabels(["File", "Scope", "Last written"])
        self.exports.horizontalHeader().setStretchLastSection(True)
        self.exports.verticalHeader().setVisible(False)
        self.exports.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.exports.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        lay.addWidget(self.exports)
        row = QHBoxLayout()
        self.export_scope = QComboBox()
        self.export_scope.addItem("Saved library", ("saved", None))
        for t in self.tags:
            self.export_scope.addItem(f"Tag: {t}", ("tag", t))
        for name in self.lists:
            self.export_scope.addItem(f"List: {name}", ("list", name))
        add = QPushButton("Add…")
        add.clicked.connect(self._add_export)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_export)
        row.addWidget(self.export_scope, 1)
        row.addWidget(add)
        row.addWidget(remove)
        lay.addLayout(row)
        return w

    def _lab(self) -> QWidget:
        """The database server a lab shares (stored in QSettings, used from the next start)."""
        w = QWidget()
        form = QFormLayout(w)
        intro = QLabel(
            "A lab shares one library on a PostgreSQL server: papers, tags, lists, notes and "
            "annotations; each member keeps their own triage and undo history. Leave the URL empty "
            "to keep the library in its folder's SQLite file."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.db_url = QLineEdit(self.ctx.settings.get(keys.DATABASE_URL))
        self.db_url.setPlaceholderText("postgresql+psycopg://user@host/database")
        self.db_url.setAccessibleName("Database URL")
        self.db_url.setClearButtonEnabled(True)
        self.db_test = QPushButton("Test connection")
        self.db_test.clicked.connect(self._test_connection)
        row = QHBoxLayout()
        row.addWidget(self.db_url, 1)
        row.addWidget(self.db_test)
        form.addRow("Database URL:", row)
        self.db_result = QLabel()
        self.db_result.setObjectName("dbTestResult")
        self.db_result.setWordWrap(True)
        self.db_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("", self.db_result)
        env = os.environ.get("READINGLIST_DATABASE_URL", "").strip()
        if env:
            from readinglist.services.migrate import describe_url

            said = f"READINGLIST_DATABASE_URL is set ({describe_url(env)}): it wins over this field."
        else:
            said = "Takes effect when the app starts again. To bring this library along, run "
            said += "readinglist migrate --to URL first."
        self.db_note = QLabel(said)
        self.db_note.setObjectName("hintLabel")
        self.db_note.setWordWrap(True)
        form.addRow("", self.db_note)
        self.member = QLineEdit(self.ctx.settings.get(keys.MEMBER))
        self.member.setPlaceholderText(self.ctx.lib.member)
        self.member.setAccessibleName("Your name in the lab")
        self.member.setMaxLength(100)
        form.addRow("Your name:", self.member)
        if os.environ.get("READINGLIST_USER", "").strip() and not self.ctx.settings.get(keys.MEMBER):
            said = f"READINGLIST_USER is set: you are {self.ctx.lib.member}."
        else:
            said = f"You are {self.ctx.lib.member}. Your triage, alerts and undo history are your own; "
            said += "a new name takes effect when the app starts again."
        who = QLabel(said)
        who.setObjectName("hintLabel")
        who.setWordWrap(True)
        form.addRow("", who)
        return w

    def _test_connection(self) -> None:
        from readinglist.services.server import check_database_url

        self.db_test.setEnabled(False)
        self.db_result.setObjectName("hintLabel")
        self.db_result.setText("Connecting…")
        self.ctx.tasks.run(
            check_database_url, self.db_url.text(), name="test connection", owner=self,
            on_done=lambda said: self._tested(str(said), ok=True),
            on_error=lambda exc: self._tested(str(exc), ok=False),
        )  # fmt: skip

    def _tested(self, said: str, *, ok: bool) -> None:
        self.db_test.setEnabled(True)
        self.db_result.setObjectName("hintLabel" if ok else "errorLabel")
        self.db_result.setStyleSheet("")  # the object name picks the theme's colour
        self.db_result.setText(("✓ " if ok else "✗ ") + said[:1].upper() + said[1:])

    # -- behaviour ---------------------------------------------------------------------------
    def _sample_paper(self) -> PaperRow | None:
        """A paper of this library to show the pattern on: a saved one, else any."""
        for f in (PaperFilter(saved=True), PaperFilter(dismissed=None)):
            rows = self.ctx.lib.list_papers(f, limit=1)
            if rows:
                return rows[0]
        return None

    def _check_pattern(self) -> None:
        problem = pattern_problem(self.pattern.text().strip())
        self.pattern_error.setText(problem or "")
        self.pattern_error.setVisible(bool(problem))
        self._show_example(None if problem else self.pattern.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def _show_example(self, pattern: str | None) -> None:
        if not hasattr(self, "example"):
            return
        row = getattr(self, "_example_paper", None)
        if row is None or pattern is None:
            self.example.setText("")
            return
        from readinglist.bibtex.citekeys import DEFAULT_PATTERN, make_citekey

        try:
            key = make_citekey(row, pattern=pattern or DEFAULT_PATTERN)
        except ReadingListError as exc:
            self.example.setText(str(exc))
            return
        self.example.setText(f"<b>{html.escape(key)}</b> for “{html.escape(tex_to_unicode(row.title))}”")

    def _switch(self) -> None:
        path = prompt.pick_folder(self, "Open or create a library folder", str(self.ctx.lib.root.parent))
        if path:
            self.switch_library.emit(path)
            self.reject()

    def _move(self) -> None:
        path = prompt.pick_folder(
            self, "Move the library to a new, empty folder", str(self.ctx.lib.root.parent)
        )
        if path:
            self.move_library.emit(path)
            self.reject()

    def _load_autoexports(self) -> None:
        from readinglist.services import exporting

        self.ctx.tasks.run(
            exporting.autoexports, self.ctx.lib, on_done=self._show_exports, on_error=self.ctx.report_error
        )

    def _show_exports(self, items: list) -> None:  # type: ignore[type-arg]
        self.exports.setRowCount(len(items))
        for r, a in enumerate(items):
            scope = ("saved library" if a.scope == "saved" else f"{a.scope}: {a.value}") + f" ({a.format})"
            when = (a.last_error and f"error: {a.last_error}") or (a.last_written or "never")
            for c, v in enumerate((a.path, scope, when)):
                self.exports.setItem(r, c, QTableWidgetItem(v))

    def _add_export(self) -> None:
        from readinglist.services import citations

        scope, value = self.export_scope.currentData()
        path = prompt.save_file(
            self, "Keep this file up to date", str(self.ctx.lib.root.parent / "library.bib"),
            "BibTeX (*.bib);;CSL-JSON (*.json);;RIS (*.ris)",
        )  # fmt: skip
        if path:
            self.ctx.tasks.run(
                citations.add_autoexport, self.ctx.lib, path, scope, value,
                on_done=lambda _a: self._load_autoexports(), on_error=self.ctx.report_error,
            )  # fmt: skip

    def _remove_export(self) -> None:
        from readinglist.services import citations

        rows = sorted({i.row() for i in self.exports.selectedIndexes()})
        for r in rows:
            item = self.exports.item(r, 0)
            if item is not None:
                self.ctx.tasks.run(
                    citations.remove_autoexport, self.ctx.lib, item.text(),
                    on_done=lambda _a: self._load_autoexports(), on_error=self.ctx.report_error,
                )  # fmt: skip

    def apply(self) -> None:
        """Store the choices (call after the dialog was accepted)."""
        s = self.ctx.settings
        s.set(keys.THEME, self.theme.currentData())
        s.set(keys.FONT_SIZE, self.font_size.value())
        s.set(keys.SYNC_ON_START, self.sync_on_start.isChecked())
        s.set(keys.SYNC_INTERVAL_HOURS, self.interval.value())
        s.set(keys.AUTO_DOWNLOAD, self.auto_download.isChecked())
        s.set(keys.CITATION_STYLE, self.cite_style.currentData())
        s.set(keys.CITE_SERVER_ON, self.server_on.isChecked())
        s.set(keys.CITE_SERVER_PORT, self.server_port.value())
        self.mail.apply()
        url = self.db_url.text().strip()
        if url != s.get(keys.DATABASE_URL):
            s.set(keys.DATABASE_URL, url)
            self.ctx.bus.info("The database URL takes effect when the app starts again.")
        member = self.member.text().strip()
        if member != s.get(keys.MEMBER):
            s.set(keys.MEMBER, member)
            self.ctx.bus.info("Your name in the lab takes effect when the app starts again.")
        s.sync()
        lib = self.ctx.lib
        self.ctx.write(library_settings.set_setting, lib, "sync_backfill_days", self.backfill.value())
        self.ctx.write(
            library_settings.set_setting, lib, "write_annotations_to_pdf", self.write_pdf.isChecked()
        )
        self.for_you.apply()
        pattern = self.pattern.text().strip()
        if pattern and pattern != lib.setting("citekey_pattern"):
            self.ctx.write(library_settings.set_setting, lib, "citekey_pattern", pattern)
