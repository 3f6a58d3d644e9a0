"""Ship-to addresses get their Territory from the settings' city/state mapping (doc_events; the
rule is dealer_relations.diversion's)."""

from __future__ import annotations

from dealer_relations import diversion


def validate(doc, method=None) -> None:
	diversion.set_address_territory(doc, method)
