"""Composite indexes the app's hot queries need on ERPNext's tables (ERPNext's own doctype JSON
cannot declare them for us): added on install and by a patch on migrate, dropped on uninstall.
Index names start with ``dr_`` so they are recognisably ours."""

from __future__ import annotations

import frappe

# (doctype, index name, columns, the query it serves)
LEDGER_INDEXES = (
	# the credit check: a dealer's open invoices only, not its whole history
	("Sales Invoice", "dr_customer_outstanding", ("customer", "outstanding_amount")),
	# the credit check: a dealer's ledger balances against anything but an invoice (advances)
	("Payment Ledger Entry", "dr_party_against_type", ("party", "against_voucher_type")),
)


def add_indexes() -> None:
	"""Add the missing indexes (each ALTER commits, as DDL does)."""
	for doctype, name, columns in LEDGER_INDEXES:
		frappe.db.add_index(doctype, list(columns), name)


def remove_indexes() -> None:
	for doctype, name, _columns in LEDGER_INDEXES:
		if frappe.db.has_index(f"tab{doctype}", name):
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
