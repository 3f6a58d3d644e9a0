# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DiversionPenaltyStep(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		description: DF.Data | None
		fine_percent: DF.Percent
		minimum_fine: DF.Currency
		offence_number: DF.Int
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		rebate_forfeit_percent: DF.Percent
		suspend_dealer: DF.Check
	# end: auto-generated types

	pass
