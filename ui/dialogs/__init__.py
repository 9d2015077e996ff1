"""Dialogs. Every modal one runs through :mod:`ui.dialogs.prompt`, which tests replace."""
