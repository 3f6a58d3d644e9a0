from __future__ import annotations

from dealer_relations.setup.install import make_default_diversion_settings


def execute():
	"""Existing sites get the default diversion penalty ladder, as a fresh install does."""
	make_default_diversion_settings()
