"""Dealer master services: keep a Dealer in step with its ERPNext Customer (rules: engine/dealer.py)."""

from __future__ import annotations

import frappe
from frappe import _


def rename_dealer_with_customer(doc, method=None, old_name=None, new_name=None, merge=False):
	"""A Dealer is named after its Customer; follow a Customer rename so the two stay paired.

	On a merge into a customer that already has a dealer, the surviving dealer keeps its name and
	the merged customer's dealer keeps the old one: a person must decide which record to keep.
	"""
	if not old_name or not new_name or not frappe.db.exists("Dealer", old_name):
		return
	if frappe.db.exists("Dealer", new_name):
		return
	frappe.rename_doc("Dealer", old_name, new_name, force=True, show_alert=False)


def warn_about_erpnext_credit_limits(doc, method=None):
	"""A dealer's credit limit lives on the Dealer; an ERPNext limit on its customer would be a
	second number for the same cause, used only where the dealer check is Off."""
	if not doc.get("dealer") or not doc.get("credit_limits"):
		return
	if any(row.credit_limit for row in doc.credit_limits):
		frappe.msgprint(
			_(
				"Customer {0} is Dealer {1}: its orders and invoices are checked against the Dealer's credit limit. The Credit Limit table here applies only in companies whose Dealer Credit Check is Off."
			).format(frappe.bold(doc.name), frappe.bold(doc.dealer)),
			title=_("Dealer Credit Limit Applies"),
			indicator="orange",
		)
