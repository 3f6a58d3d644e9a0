"""Composite indexes the app's hot queries need on ERPNext's tables (ERPNext's own doctype JSON
cannot declare them for us): added on install and by a patch on migrate, dropped on uninstall.
Index names start with ``dr_`` so they are recognisably ours."""

from __future__ import annotations

import frappe

# (doctype, index name, columns, the query it serves)
LEDGER_INDEXES = (
	# the credit check: a dealer's open invoices only, not its whole history, read from the index
	# alone (it holds every column the check sums or filters on)
	(
		"Sales Invoice",
		"dr_customer_open_invoices",
		(
			"customer",
			"outstanding_amount",
			"docstatus",
			"company",
			"party_account_currency",
			"conversion_rate",
		),
	),
	# the credit check: a dealer's ledger balances against anything but an invoice (advances)
	("Payment Ledger Entry", "dr_party_against_type", ("party", "against_voucher_type")),
)


# indexes of earlier versions that a newer one above replaces
REPLACED_INDEXES = (("Sales Invoice", "dr_customer_outstanding"),)


def add_indexes() -> None:
	"""Add the missing indexes and drop the ones they replace (each ALTER commits, as DDL does)."""
	for doctype, name, columns in LEDGER_INDEXES:
		frappe.db.add_index(doctype, list(columns), name)
	drop_indexes(REPLACED_INDEXES)


def remove_indexes() -> None:
	drop_indexes([(doctype, name) for doctype, name, _columns in LEDGER_INDEXES] + list(REPLACED_INDEXES))


def drop_indexes(indexes) -> None:
	for doctype, name in indexes:
		if frappe.db.has_index(f"tab{doctype}", name):
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
