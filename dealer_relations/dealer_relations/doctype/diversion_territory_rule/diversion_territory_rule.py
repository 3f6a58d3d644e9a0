# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DiversionTerritoryRule(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		city: DF.Data | None
		country: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		state: DF.Data | None
		territory: DF.Link
	# end: auto-generated types

	pass
