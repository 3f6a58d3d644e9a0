"""Keep a Dealer in step with its ERPNext Customer."""

from __future__ import annotations

import frappe


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
