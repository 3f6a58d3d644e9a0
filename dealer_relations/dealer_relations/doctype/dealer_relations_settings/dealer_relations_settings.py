# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DealerRelationsSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		checkin_max_distance: DF.Int
		create_overdue_todos: DF.Check
		default_tier: DF.Link | None
		warn_redundant_territories: DF.Check
	# end: auto-generated types

	pass
