# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from dealer_relations.accruals import refuse_change


class RebateAccrualEntry(Document):
	"""What a month's accrual or a settlement's true-up moved on a dealer's accrued rebate under a
	policy. Append-only: written by dealer_relations.accruals in multi-row inserts; a cancelled
	settlement gets the opposite entry. What the books hold for a dealer is the sum of its changes."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accrued: DF.Currency
		change: DF.Currency
		company: DF.Link
		currency: DF.Link | None
		dealer: DF.Link
		dealer_name: DF.Data | None
		is_reversal: DF.Check
		journal_entry: DF.Link | None
		month: DF.Data | None
		posting_date: DF.Date
		rebate_policy: DF.Link
		voucher_no: DF.DynamicLink | None
		voucher_type: DF.Link | None
		volume: DF.Float
	# end: auto-generated types

	def validate(self):
		refuse_change()

	def on_trash(self):
		refuse_change()


def on_doctype_update():
	"""What is booked per dealer is one GROUP BY over a policy's entries."""
	frappe.db.add_index("Rebate Accrual Entry", ["rebate_policy", "dealer"])
