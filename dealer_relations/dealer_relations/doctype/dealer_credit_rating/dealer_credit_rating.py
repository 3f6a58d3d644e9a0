# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DealerCreditRating(Document):
	"""One dealer's rating from one rating run; written by dealer_relations.credit.rate_dealers."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from dealer_relations.dealer_relations.doctype.dealer_credit_rating_factor.dealer_credit_rating_factor import (
			DealerCreditRatingFactor,
		)

		average_monthly_sales: DF.Currency
		company: DF.Link | None
		credit_grade: DF.Data | None
		credit_limit: DF.Currency
		credit_score: DF.Float
		dealer: DF.Link
		dealer_name: DF.Data | None
		factors: DF.Table[DealerCreditRatingFactor]
		limit_source: DF.Literal["Rating", "Manual"]
		order_policy: DF.Literal["Allow", "Require Credit Controller Approval", "Block"]
		rated_credit_limit: DF.Currency
		rating_date: DF.Date
		tier: DF.Link | None
		tier_default_credit_limit: DF.Currency
	# end: auto-generated types

	def validate(self):
		if not self.flags.from_rating_run:
			frappe.throw(
				_("Credit ratings are made by the rating run (Rate Credit on the Dealer), not by hand"),
				title=_("Not Permitted"),
			)
