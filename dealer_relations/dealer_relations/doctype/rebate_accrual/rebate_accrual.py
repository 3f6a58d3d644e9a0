# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from dealer_relations.accruals import refuse_change


class RebateAccrual(Document):
	"""One month's accrual of a rebate policy (预提返利): written by dealer_relations.accruals alone,
	never edited or deleted; its dealers' figures are Rebate Accrual Entries."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accrual_method: DF.Literal["Conservative", "Projected"]
		as_of: DF.Date
		company: DF.Link
		currency: DF.Link | None
		dealers: DF.Int
		dealers_changed: DF.Int
		journal_entry: DF.Link | None
		month: DF.Data
		note: DF.SmallText | None
		posting_date: DF.Date
		rebate_policy: DF.Link
		total_accrued: DF.Currency
		total_change: DF.Currency
	# end: auto-generated types

	def autoname(self):
		# one accrual per policy and month: a second insert of the same month fails on the name
		self.name = f"{self.rebate_policy}-{self.month}"

	def validate(self):
		if not self.is_new() or not self.flags.from_accruals:
			refuse_change()

	def on_trash(self):
		refuse_change()


def on_doctype_update():
	frappe.db.add_index("Rebate Accrual", ["rebate_policy", "month"])
