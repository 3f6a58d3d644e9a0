"""Sales Order: the dealer credit check on save, submit and after-submit changes, and ERPNext's
*Update Items* with the dealer's lock taken first (rules: dealer_relations.credit_check); the
rebate deduction reserved from the dealer's rebate account (dealer_relations.rebate_account); free goods
(货补) paid from it (dealer_relations.free_goods)."""

from __future__ import annotations

import frappe

from dealer_relations import credit_check, free_goods, rebate_account


def before_validate(doc, method=None) -> None:
	free_goods.keep_flag(doc, method)
	rebate_account.set_discount(doc, method)


def validate(doc, method=None) -> None:
	credit_check.validate(doc, method)
	rebate_account.validate_deduction(doc, method)
	free_goods.validate_order(doc, method)


def before_submit(doc, method=None) -> None:
	"""Credit first (it takes the dealer's lock), then the deduction or the free goods under the same lock."""
	credit_check.before_submit(doc, method)
	rebate_account.check_on_submit(doc, method)
	free_goods.reserve_on_submit(doc, method)


def on_cancel(doc, method=None) -> None:
	rebate_account.reverse_on_cancel(doc, method)


def on_change(doc, method=None) -> None:
	rebate_account.release_closed_order(doc, method)
	free_goods.release_closed_order(doc, method)


def before_update_after_submit(doc, method=None) -> None:
	"""Credit first (it takes the dealer's lock), then the deduction judged again on the new lines."""
	credit_check.before_update_after_submit(doc, method)
	rebate_account.check_order_update(doc, method)


@frappe.whitelist()
def update_child_qty_rate(parent_doctype, trans_items, parent_doctype_name, child_docname="items"):
	"""Stands in for erpnext.controllers.accounts_controller.update_child_qty_rate (hooks.py)."""
	free_goods.refuse_update_items(parent_doctype, parent_doctype_name)
	rebate_account.lock_for_update_items(parent_doctype, parent_doctype_name)
	return credit_check.update_child_qty_rate(parent_doctype, trans_items, parent_doctype_name, child_docname)
