"""Cross-region diversion (串货) detection on the documents that ship goods: Delivery Notes and
Sales Invoices that update stock (doc_events; the rules are dealer_relations.diversion's)."""

from __future__ import annotations

from dealer_relations import diversion


def before_submit(doc, method=None) -> None:
	"""Block a cross-region shipment, or note that an incident opens once the document is in."""
	diversion.check_shipment(doc, method)


def on_submit(doc, method=None) -> None:
	diversion.open_incident_on_submit(doc, method)


def on_cancel(doc, method=None) -> None:
	diversion.dismiss_open_incidents(doc, method)
