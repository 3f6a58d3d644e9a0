# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DealerCreditRatingFactor(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		factor: DF.Literal[
			"On-time Payment Share",
			"Average Days Late",
			"Worst Overdue Days",
			"Relationship Months",
			"Sales Last 12 Months",
			"Sales Trend",
			"Returns Ratio",
			"Confirmed Diversions",
		]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		points: DF.Float
		value: DF.Data | None
		weight: DF.Float
	# end: auto-generated types

	pass
