"""Sales Invoice: the dealer credit check (dealer_relations.credit_check) and, on invoices that update
stock, cross-region diversion (串货) detection (dealer_relations.diversion); the rebate deduction
spent from the dealer's rebate account (dealer_relations.rebate_account); lines of a free-goods order
stay at rate 0 and never move stock on the invoice (dealer_relations.free_goods)."""

from __future__ import annotations

from dealer_relations import credit_check, diversion, free_goods, rebate_account


def before_validate(doc, method=None) -> None:
	rebate_account.set_discount(doc, method)


def validate(doc, method=None) -> None:
	credit_check.validate(doc, method)
	rebate_account.validate_deduction(doc, method)
	free_goods.validate_delivery(doc, method)


def before_submit(doc, method=None) -> None:
	"""Credit first (it takes the dealer's lock), then the rebate deduction under the same lock, then
	a cross-region shipment is blocked or noted."""
	credit_check.before_submit(doc, method)
	rebate_account.check_on_submit(doc, method)
	diversion.check_shipment(doc, method)


def before_update_after_submit(doc, method=None) -> None:
	credit_check.before_update_after_submit(doc, method)


def on_submit(doc, method=None) -> None:
	diversion.open_incident_on_submit(doc, method)


def on_cancel(doc, method=None) -> None:
	rebate_account.reverse_on_cancel(doc, method)
	diversion.dismiss_open_incidents(doc, method)


def make_regional_gl_entries(gl_entries: list, doc) -> list:
	"""ERPNext's make_regional_gl_entries (hooks.regional_overrides, every country): the rebate
	deduction's liability released in the invoice's own GL."""
	return rebate_account.release_in_invoice_gl(gl_entries, doc)
