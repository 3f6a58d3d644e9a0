# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DealerCreditOverride(Document):
	"""Audit record: a Credit Controller let a dealer document through the credit check."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		block_reason: DF.Literal[
			"Over Credit Limit", "Grade Policy Block", "Grade Requires Approval", "Dealer of Another Company"
		]
		company: DF.Link | None
		credit_grade: DF.Data | None
		credit_limit: DF.Currency
		dealer: DF.Link
		dealer_name: DF.Data | None
		document_amount: DF.Currency
		exposure: DF.Currency
		outstanding: DF.Currency
		overridden_by: DF.Link | None
		overridden_on: DF.Datetime | None
		override_reason: DF.SmallText | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		shortfall: DF.Currency
		unallocated_advances: DF.Currency
		unbilled_orders: DF.Currency
	# end: auto-generated types

	def validate(self):
		if not self.flags.from_credit_check:
			frappe.throw(
				_(
					"Credit overrides are recorded by the credit check when a Credit Controller submits a document"
				),
				title=_("Not Permitted"),
			)
