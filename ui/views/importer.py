"""Importing .bib files and PDFs (dropped on the window, or picked): in a worker, with a report."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl

from readinglist.errors import Cancelled
from ui.models.context import AppContext
from ui.tasks import TaskContext
from ui.views.jobs import JobsIndicator

IMPORTABLE = (".pdf", ".bib", ".json", ".ris")


def importable(urls: list[QUrl]) -> list[Path]:
    paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in IMPORTABLE or p.is_dir()]


def run_import(ctx: AppContext, paths: list[Path], *, task: TaskContext):  # type: ignore[no-untyped-def]
    from readinglist.services import importer

    return importer.import_files(ctx.lib, paths, progress=task.progress, cancelled=task.cancelled)


class ImportController(QObject):
    def __init__(self, ctx: AppContext, jobs: JobsIndicator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.jobs = jobs
        self.last_report = None

    def import_paths(self, paths: list[Path]) -> None:
        if not paths:
            return
        n = len(paths)
        h = self.ctx.tasks.run(
            run_import, self.ctx, list(paths), context=True, name="import",
            on_done=self._done, on_error=self._failed,
        )  # fmt: skip
        self.jobs.track(h, f"Importing {n} file{'s' if n != 1 else ''}")

    def import_zotero(self, folder: Path, *, copy_linked: bool = True) -> None:
        """Import a Zotero data folder in a worker, with progress and cancellation. Not the serial
        write lane: each batch is its own short change, so the user's edits interleave instead of
        waiting for the whole import."""
        from readinglist.services.zotero_import import import_zotero

        def run(*, task: TaskContext):  # type: ignore[no-untyped-def]
            return import_zotero(self.ctx.lib, folder, copy_linked=copy_linked, progress=task.progress,
                                 cancelled=task.cancelled)  # fmt: skip

        h = self.ctx.tasks.run(run, context=True, name="zotero import",
                               on_done=self._zotero_done, on_error=self._failed)  # fmt: skip
        self.jobs.track(h, "Importing from Zotero")

    def _zotero_done(self, report) -> None:  # type: ignore[no-untyped-def]
        self.last_report = report
        lines = report.summary_lines()
        if report.skipped:
            self.ctx.bus.warning(
                f"Zotero: {lines[0]}; {len(report.skipped)} things skipped.", "\n".join(lines)
            )
        else:
            self.ctx.bus.info(f"Zotero: {lines[0]}. {lines[1]}.")

    def _done(self, report) -> None:  # type: ignore[no-untyped-def]
        self.last_report = report
        added, merged, problems = len(report.added), len(report.merged), list(report.problems)
        text = f"Imported {added} new paper{'s' if added != 1 else ''}"
        if merged:
            text += f", merged {merged} into existing ones"
        if problems:
            self.ctx.bus.warning(
                f"{text}; {len(problems)} problem{'s' if len(problems) != 1 else ''}.", "\n".join(problems)
            )
        else:
            self.ctx.bus.info(text + ".")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.ctx.bus.info(str(exc))
        else:
            self.ctx.report_error(exc)
