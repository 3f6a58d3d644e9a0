# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from dealer_relations.accruals import check_true_up_cancellable, reverse_true_up, true_up
from dealer_relations.engine.rebates import check_dealer_covered, check_unique_settlement
from dealer_relations.permissions import check_workflow_allows_edit, note_changes_above_permlevel
from dealer_relations.postings import check_own_postings, keep_posting_links
from dealer_relations.rebates import (
	covered_dealers,
	get_posting_setup,
	get_terms,
	load_volumes,
	monthly_volume_rows,
	post_settlement,
	reverse_settlement,
	settlement_postings,
	settlement_values,
)
from dealer_relations.utils import enforce, lock_dealers

POSTING_LINKS = ("journal_entry", "credit_note")


class RebateSettlement(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from dealer_relations.dealer_relations.doctype.rebate_settlement_slab.rebate_settlement_slab import (
			RebateSettlementSlab,
		)

		amended_from: DF.Link | None
		basis: DF.Literal["Net Amount", "Quantity", "Collected Amount", "Target Completion"]
		calculation: DF.Literal["Retroactive", "Incremental"]
		company: DF.Link | None
		completion_percent: DF.Percent
		credit_note: DF.Link | None
		currency: DF.Link | None
		customer: DF.Link | None
		dealer: DF.Link
		dealer_name: DF.Data | None
		diversion_deduction: DF.Currency
		eligible_volume: DF.Float
		forfeit_percent: DF.Percent
		from_date: DF.Date | None
		gross_rebate: DF.Currency
		growth_bonus: DF.Currency
		growth_percent: DF.Percent
		journal_entry: DF.Link | None
		monthly_volume: DF.JSON | None
		monthly_volume_html: DF.HTML | None
		net_rebate: DF.Currency
		posting_date: DF.Date
		prior_volume: DF.Float
		rate: DF.Percent
		rebate_base: DF.Currency
		rebate_policy: DF.Link
		remarks: DF.SmallText | None
		sales_rep: DF.Link | None
		slab_breakdown: DF.Table[RebateSettlementSlab]
		slab_reached: DF.Int
		target: DF.Currency
		to_date: DF.Date | None
		workflow_state: DF.Link | None
	# end: auto-generated types

	def validate_higher_perm_levels(self):
		# The posted Journal Entry / credit note are the app's to set (permlevel 1, nobody writes
		# it): cancelling the settlement cancels what they point to.
		note_changes_above_permlevel(self)
		super().validate_higher_perm_levels()

	def validate(self):
		keep_posting_links(self, POSTING_LINKS)
		# Pending approval, only the approver edits (the workflow's rule, enforced here).
		check_workflow_allows_edit(self, frozenset({"System Manager", "Administrator"}))
		if not (self.dealer and self.rebate_policy):
			return  # Frappe's mandatory check names the missing field next
		self.validate_policy()
		self.validate_unique()

	def before_save(self):
		self.compute_rebate()

	def before_update_after_submit(self):
		keep_posting_links(self, POSTING_LINKS)

	def before_submit(self):
		# Refuse before anything is posted when an account is missing.
		get_posting_setup(self.company, self.customer)

	def on_submit(self):
		post_settlement(self)
		true_up(self)  # what was accrued for the dealer goes back; the earned figure is posted

	def before_cancel(self):
		check_own_postings(self, settlement_postings(self))  # refused before anything is written
		check_true_up_cancellable(self)

	def on_cancel(self):
		self.ignore_linked_doctypes = ("GL Entry", "Payment Ledger Entry", "Journal Entry", "Sales Invoice")
		reverse_settlement(self)
		reverse_true_up(self)

	def get_policy(self):
		if not getattr(self, "_policy", None) or self._policy.name != self.rebate_policy:
			self._policy = frappe.get_doc("Rebate Policy", self.rebate_policy)
		return self._policy

	def validate_policy(self):
		policy = self.get_policy()
		if policy.docstatus != 1:
			frappe.throw(
				_("Rebate Policy {0} is not submitted; only a submitted policy can be settled").format(
					frappe.bold(self.rebate_policy)
				),
				title=_("Invalid Rebate Policy"),
			)
		enforce(
			check_dealer_covered, self.dealer, self.rebate_policy, covered_dealers(policy, only=[self.dealer])
		)
		self.company = policy.company
		self.from_date, self.to_date = policy.from_date, policy.to_date
		self.basis, self.calculation = policy.basis, policy.calculation
		self.currency = frappe.get_cached_value("Company", policy.company, "default_currency")

	def validate_unique(self):
		# under the dealer's row lock and with a locking read, so a save racing the year-end run
		# (or another save) sees the settlement it just committed
		lock_dealers([self.dealer])
		existing = frappe.db.get_value(
			"Rebate Settlement",
			{
				"dealer": self.dealer,
				"rebate_policy": self.rebate_policy,
				"docstatus": ("<", 2),
				"name": ("!=", self.name),
			},
			"name",
			for_update=True,
		)
		enforce(check_unique_settlement, self.dealer, self.rebate_policy, existing)

	def compute_rebate(self):
		"""Amounts from the ledger, the same way the year-end run computes them."""
		policy = self.get_policy()
		customer = self.customer or frappe.db.get_value("Dealer", self.dealer, "customer")
		volume = load_volumes(policy, {self.dealer: customer})[self.dealer]
		fields, slabs = settlement_values(get_terms(policy), volume)
		self.update(fields)
		self.set("slab_breakdown", slabs)

	def get_monthly_volume(self) -> list[frappe._dict]:
		"""The months as rows with month, volume and cumulative_volume (print formats call it)."""
		return monthly_volume_rows(self.monthly_volume)
