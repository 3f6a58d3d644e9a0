"""Sales Invoice: the dealer credit check (dealer_relations.credit_check) and, on invoices that update
stock, cross-region diversion (串货) detection (dealer_relations.diversion)."""

from __future__ import annotations

from dealer_relations import credit_check, diversion


def validate(doc, method=None) -> None:
	credit_check.validate(doc, method)


def before_submit(doc, method=None) -> None:
	"""Credit first (it takes the dealer's lock), then a cross-region shipment is blocked or noted."""
	credit_check.before_submit(doc, method)
	diversion.check_shipment(doc, method)


def before_update_after_submit(doc, method=None) -> None:
	credit_check.before_update_after_submit(doc, method)


def on_submit(doc, method=None) -> None:
	diversion.open_incident_on_submit(doc, method)


def on_cancel(doc, method=None) -> None:
	diversion.dismiss_open_incidents(doc, method)
