"""The Territory tree is cached (diversion detection and the reports read it on every call): drop
the cache when the tree changes (doc_events)."""

from __future__ import annotations

from dealer_relations.utils import clear_territory_tree


def on_change(doc, method=None, *args, **kwargs) -> None:
	"""on_update, on_trash and after_rename (which passes the old and new names too)."""
	clear_territory_tree()
