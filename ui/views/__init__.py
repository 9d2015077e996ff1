"""Widgets and the small controllers that drive them."""
