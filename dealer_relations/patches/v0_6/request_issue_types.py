from __future__ import annotations

from dealer_relations.setup.install import make_request_types


def execute():
	"""Existing sites get the Issue Types of the portal's requests (投诉 / 咨询), as a fresh install
	does."""
	make_request_types()
