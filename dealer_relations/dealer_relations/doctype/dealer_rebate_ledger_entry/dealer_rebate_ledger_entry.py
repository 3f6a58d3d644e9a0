# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DealerRebateLedgerEntry(Document):
	"""One movement of a dealer's rebate account (返利池). Append-only: written by the app alone
	(dealer_relations.rebate_account), never edited or deleted; a cancelled voucher gets the
	opposite entries."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amount: DF.Currency
		company: DF.Link
		currency: DF.Link
		dealer: DF.Link
		dealer_name: DF.Data | None
		entry_type: DF.Literal[
			"Earned", "Reserved", "Used on Invoice", "Used as Goods", "Expired", "Adjusted", "Reversed"
		]
		expiry_date: DF.Date | None
		is_reversal: DF.Check
		journal_entry: DF.Link | None
		posting_date: DF.Date
		rebate_policy: DF.Link | None
		rebate_settlement: DF.Link | None
		sales_order: DF.Link | None
		voucher_no: DF.DynamicLink | None
		voucher_type: DF.Link | None
	# end: auto-generated types

	def validate(self):
		if not self.is_new() or not self.flags.from_rebate_account:
			refuse_change()

	def on_trash(self):
		refuse_change()


def refuse_change() -> None:
	frappe.throw(
		_(
			"Rebate ledger entries are written by the rebate account when a voucher is submitted or cancelled; they are never edited or deleted"
		),
		title=_("Not Permitted"),
	)


def on_doctype_update():
	"""A dealer's balance is one GROUP BY over its entries in a company; an order's reservation
	one over its Reserved rows; a spend reads the lots still live by expiry date; the Dealer form's latest movements a range of the dealer's rows by
	date: each read from an index whatever the ledger's length."""
	frappe.db.add_index("Dealer Rebate Ledger Entry", ["dealer", "company", "rebate_settlement"])
	frappe.db.add_index("Dealer Rebate Ledger Entry", ["sales_order", "entry_type"])
	frappe.db.add_index("Dealer Rebate Ledger Entry", ["dealer", "company", "posting_date"])
	frappe.db.add_index("Dealer Rebate Ledger Entry", ["dealer", "company", "expiry_date"])
