"""Sales Order: the dealer credit check on save, submit and after-submit changes, and ERPNext's
*Update Items* with the dealer's lock taken first (rules: dealer_relations.credit_check)."""

from __future__ import annotations

import frappe

from dealer_relations import credit_check


def validate(doc, method=None) -> None:
	credit_check.validate(doc, method)


def before_submit(doc, method=None) -> None:
	credit_check.before_submit(doc, method)


def before_update_after_submit(doc, method=None) -> None:
	credit_check.before_update_after_submit(doc, method)


@frappe.whitelist()
def update_child_qty_rate(parent_doctype, trans_items, parent_doctype_name, child_docname="items"):
	"""Stands in for erpnext.controllers.accounts_controller.update_child_qty_rate (hooks.py)."""
	return credit_check.update_child_qty_rate(parent_doctype, trans_items, parent_doctype_name, child_docname)
