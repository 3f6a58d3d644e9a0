"""Delivery Note: the dealer credit check (dealer_relations.credit_check) and cross-region diversion
(串货) detection (dealer_relations.diversion); free goods (货补) delivered from a dealer's rebate balance
(dealer_relations.free_goods)."""

from __future__ import annotations

from dealer_relations import credit_check, diversion, free_goods


def validate(doc, method=None) -> None:
	credit_check.validate(doc, method)
	free_goods.validate_delivery(doc, method)


def before_submit(doc, method=None) -> None:
	"""Credit first (it takes the dealer's lock), then a cross-region shipment is blocked or noted,
	then free goods use their order's reservation under the same lock."""
	credit_check.before_submit(doc, method)
	diversion.check_shipment(doc, method)
	free_goods.use_on_delivery(doc, method)


def before_update_after_submit(doc, method=None) -> None:
	credit_check.before_update_after_submit(doc, method)


def on_submit(doc, method=None) -> None:
	diversion.open_incident_on_submit(doc, method)


def on_cancel(doc, method=None) -> None:
	diversion.dismiss_open_incidents(doc, method)
	free_goods.reverse_on_cancel(doc, method)
