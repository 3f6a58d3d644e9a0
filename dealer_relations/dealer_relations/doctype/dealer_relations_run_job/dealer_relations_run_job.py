# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DealerRelationsRunJob(Document):
	"""One job of a chunked run: its dealers, and when it finished (committed with its work)."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		arguments: DF.LongText | None
		dealers: DF.Int
		finished_on: DF.Datetime | None
		first_dealer: DF.Data | None
		job: DF.Int
		last_dealer: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
	# end: auto-generated types

	pass
