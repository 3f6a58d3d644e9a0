# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt


import frappe
from frappe.model.document import Document

from dealer_relations.engine.dealer import TierValues, check_tier
from dealer_relations.engine.money import flt_dec
from dealer_relations.permissions import note_changes_above_permlevel
from dealer_relations.utils import enforce


class DealerTier(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		default_credit_limit: DF.Currency
		description: DF.SmallText | None
		rank: DF.Int
		tier_name: DF.Data
		visit_interval_days: DF.Int
	# end: auto-generated types

	def validate_higher_perm_levels(self):
		# The default credit limit is the Credit Controller's (permlevel 1), rank and cadence the
		# Dealer Manager's (permlevel 2): Frappe puts back the other's change, we say so.
		note_changes_above_permlevel(self)
		super().validate_higher_perm_levels()

	def validate(self):
		rank_holder = frappe.db.get_value(
			"Dealer Tier", {"rank": self.rank, "name": ("!=", self.name or "")}, "name"
		)
		enforce(
			check_tier,
			TierValues(
				tier_name=self.tier_name,
				rank=self.rank,
				visit_interval_days=self.visit_interval_days,
				default_credit_limit=flt_dec(self.default_credit_limit),
			),
			rank_holder,
		)

	def on_update(self):
		before = self.get_doc_before_save()
		if before and before.visit_interval_days != self.visit_interval_days:
			# Every dealer of the tier gets a new due date: in the background, after this commits.
			frappe.enqueue(
				"dealer_relations.visits.refresh_tier_dealers",
				queue="long",
				tier=self.name,
				enqueue_after_commit=True,
				now=frappe.flags.in_test,
			)
