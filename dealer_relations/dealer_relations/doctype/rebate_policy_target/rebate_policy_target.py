# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

from frappe.model.document import Document


class RebatePolicyTarget(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		dealer: DF.Link
		dealer_name: DF.Data | None
		last_year_volume: DF.Currency
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		target: DF.Currency
	# end: auto-generated types

	pass
