# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DiversionIncidentItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amount: DF.Currency
		batch_no: DF.Data | None
		item_code: DF.Link
		item_name: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		qty: DF.Float
		rate: DF.Currency
		serial_no: DF.SmallText | None
		traced_from: DF.Data | None
		traced_to: DF.Link | None
	# end: auto-generated types

	pass
