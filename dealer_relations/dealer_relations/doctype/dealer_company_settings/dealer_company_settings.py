# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DealerCompanySettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accrued_rebate_account: DF.Link | None
		company: DF.Link
		credit_enforcement: DF.Literal["Enforce", "Warn only", "Off"]
		diversion_detection: DF.Literal["Open Incident", "Block", "Off"]
		diversion_penalty_account: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		rebate_cost_center: DF.Link | None
		rebate_expense_account: DF.Link | None
		rebate_item: DF.Link | None
		rebate_liability_account: DF.Link | None
		rebate_posting_method: DF.Literal["Journal Entry", "Credit Note", "Rebate Account"]
	# end: auto-generated types

	pass
