"""Two tabs of the settings dialog: For you (auto-tagging, with the model's own accuracy) and
the digest by e-mail (this user's SMTP server, a test send).

The auto-tag threshold is a library setting (it travels with the library); the mail server is
this user's, so it lives in QSettings, and its password goes to the system keyring, never into
the library or QSettings. Measuring the model and sending mail run in workers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from readinglist.lazy import lazy_module
from readinglist.services.digest_out import KEYRING_SERVICE, PASSWORD_ENV, MailSettings, keyring_available
from ui import settings as keys
from ui.models.context import AppContext

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import autotag, library_settings
else:
    autotag = lazy_module("readinglist.services.autotag")
    library_settings = lazy_module("readinglist.services.library_settings")

SECURITY = (("starttls", "STARTTLS"), ("ssl", "TLS (SSL, usually port 465)"), ("none", "None"))


def _hint(text: str) -> QLabel:
    lab = QLabel(text)
    lab.setObjectName("hintLabel")
    lab.setWordWrap(True)
    return lab


class ForYouTab(QWidget):
    """Auto-tagging on or off, its threshold, and how accurate the model is on this library."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        form = QFormLayout(self)
        current = autotag.threshold(ctx.lib)
        self.enabled = QCheckBox("Auto-tag new papers after each sync")
        self.enabled.setChecked(current is not None)
        form.addRow(self.enabled)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(current if current is not None else 0.6)
        self.threshold.setAccessibleName("Auto-tag confidence threshold")
        self.threshold.setEnabled(current is not None)
        self.enabled.toggled.connect(self.threshold.setEnabled)
        form.addRow("When the model is at least this sure:", self.threshold)
        form.addRow(
            _hint(
                "A suggested tag at or above this confidence is added, drawn dashed with a small "
                "mark until you confirm it (one click on the chip). Each run is one undo step. "
                "The model never learns from the tags it added itself."
            ),
        )
        self.accuracy = QLabel("Model accuracy: measuring…")
        self.accuracy.setObjectName("modelAccuracy")
        self.accuracy.setWordWrap(True)
        self.accuracy.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.accuracy)
        self.measured: autotag.Accuracy | None = None
        ctx.tasks.run(
            autotag.accuracy, ctx.lib, name="measure For you", owner=self,
            on_done=self._measured, on_error=self._not_measured,
        )  # fmt: skip

    def value(self) -> float | None:
        return round(self.threshold.value(), 2) if self.enabled.isChecked() else None

    def _measured(self, a: autotag.Accuracy) -> None:
        self.measured = a

        def pct(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.2f}"

        self.accuracy.setText(
            f"Model accuracy on your library (tested on {a.n_test} later papers): "
            f"tag precision@1 {pct(a.precision_at_1)}, precision@3 {pct(a.precision_at_3)}, "
            f"For you nDCG@10 {pct(a.ndcg_at_10)}"
        )

    def _not_measured(self, exc: BaseException) -> None:
        self.accuracy.setText(f"Model accuracy: not measured yet ({exc})")

    def apply(self) -> None:
        value = self.value()
        if value != autotag.threshold(self.ctx.lib):
            self.ctx.write(library_settings.set_setting, self.ctx.lib, autotag.SETTING, value)


def send_test(ctx: AppContext, m: MailSettings, password: str | None) -> str:
    """The worker side of "Send test digest": the newest day's digest to ``m.to``."""
    from readinglist.services.digest import build_digest
    from readinglist.services.digest_out import send

    d = build_digest(ctx.lib)
    send(d, m, timeout=20.0, password=password)
    return ", ".join(m.to)


class MailTab(QWidget):
    """The SMTP server the digest goes through, and a test send."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        s = ctx.settings
        form = QFormLayout(self)
        self.host = QLineEdit(s.get(keys.MAIL_HOST))
        self.host.setPlaceholderText("smtp.example.org")
        self.host.setAccessibleName("SMTP server")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(s.get(keys.MAIL_PORT))
        self.port.setAccessibleName("SMTP port")
        row = QHBoxLayout()
        row.addWidget(self.host, 1)
        row.addWidget(QLabel("port"))
        row.addWidget(self.port)
        form.addRow("SMTP server:", row)
        self.security = QComboBox()
        for key, label in SECURITY:
            self.security.addItem(label, key)
        self.security.setCurrentIndex(max(0, self.security.findData(s.get(keys.MAIL_SECURITY))))
        self.security.setAccessibleName("Encryption")
        form.addRow("Encryption:", self.security)
        self.user = QLineEdit(s.get(keys.MAIL_USER))
        self.user.setPlaceholderText("none: the server needs no login")
        self.user.setAccessibleName("SMTP user")
        form.addRow("User:", self.user)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("SMTP password")
        self.has_keyring = keyring_available()
        if self.has_keyring:
            self.password.setPlaceholderText("unchanged (kept in the system keyring)")
            where = (
                f"The password goes to the system keyring (service “{KEYRING_SERVICE}”), never into the "
                "library or the app's settings."
            )
        else:
            self.password.setPlaceholderText("used for the test only")
            where = (
                "The keyring package is not installed, so the password is not stored anywhere: "
                f"set {PASSWORD_ENV} for the digest command, or install keyring "
                "(pip install keyring). It never goes into the library."
            )
        form.addRow("Password:", self.password)
        form.addRow(_hint(where))
        self.mail_from = QLineEdit(s.get(keys.MAIL_FROM))
        self.mail_from.setAccessibleName("From address")
        form.addRow("From:", self.mail_from)
        self.to = QLineEdit(s.get(keys.MAIL_TO))
        self.to.setPlaceholderText("me@example.org, you@example.org")
        self.to.setAccessibleName("To addresses")
        form.addRow("To:", self.to)
        self.test_btn = QPushButton("Send test digest")
        self.test_btn.setToolTip("Mail the newest day's digest now with these settings")
        self.test_btn.clicked.connect(self.send_test)
        self.result = QLabel()
        self.result.setObjectName("mailResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.test_btn, self.result)
        form.addRow(
            _hint(
                "The command line sends the same digest: readinglist digest --email --smtp HOST:PORT "
                "--mail-from … --mail-to …"
            ),
        )

    def mail_settings(self) -> MailSettings:
        sec = self.security.currentData()
        return MailSettings(
            host=self.host.text().strip(),
            port=self.port.value(),
            sender=self.mail_from.text().strip(),
            to=tuple(a.strip() for a in self.to.text().split(",") if a.strip()),
            user=self.user.text().strip() or None,
            starttls=sec == "starttls",
            ssl=sec == "ssl",
        )

    def send_test(self) -> None:
        m = self.mail_settings()
        if not m.host:
            self._show(False, "Say which SMTP server sends the digest.")
            return
        self.test_btn.setEnabled(False)
        self._show(None, f"Sending a test digest through {m.host}:{m.port}…")
        self.ctx.tasks.run(
            send_test, self.ctx, m, self.password.text() or None, name="test digest", owner=self,
            on_done=self._sent, on_error=self._failed,
        )  # fmt: skip

    def _sent(self, to: str) -> None:
        self.test_btn.setEnabled(True)
        self._show(True, f"Sent: the test digest is on its way to {to}.")

    def _failed(self, exc: BaseException) -> None:
        self.test_btn.setEnabled(True)
        self._show(False, f"Not sent: {exc}")

    def _show(self, ok: bool | None, text: str) -> None:
        self.result.setProperty("ok", "" if ok is None else ("yes" if ok else "no"))
        self.result.setStyleSheet("" if ok is None else ("color: #15803d;" if ok else "color: #b91c1c;"))
        self.result.setText(text)

    def apply(self) -> None:
        s = self.ctx.settings
        m = self.mail_settings()
        s.set(keys.MAIL_HOST, m.host)
        s.set(keys.MAIL_PORT, m.port)
        s.set(keys.MAIL_SECURITY, self.security.currentData())
        s.set(keys.MAIL_USER, m.user or "")
        s.set(keys.MAIL_FROM, m.sender)
        s.set(keys.MAIL_TO, ", ".join(m.to))
        pw = self.password.text()
        if pw and m.user and self.has_keyring:
            from readinglist.services.digest_out import store_password

            self.ctx.tasks.run(store_password, m.user, pw, name="keyring", on_error=self.ctx.report_error)
