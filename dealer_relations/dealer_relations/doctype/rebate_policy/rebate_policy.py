# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from dealer_relations.engine.money import dec
from dealer_relations.engine.rebate_account import check_account_terms
from dealer_relations.engine.rebates import (
	check_coverage,
	check_no_overlapping_policy,
	check_period,
	check_terms,
)
from dealer_relations.rebates import covered_dealers, get_policy_scope, get_terms, load_scope_catalogue
from dealer_relations.utils import enforce


class RebatePolicy(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from dealer_relations.dealer_relations.doctype.rebate_policy_brand.rebate_policy_brand import (
			RebatePolicyBrand,
		)
		from dealer_relations.dealer_relations.doctype.rebate_policy_dealer.rebate_policy_dealer import (
			RebatePolicyDealer,
		)
		from dealer_relations.dealer_relations.doctype.rebate_policy_item.rebate_policy_item import (
			RebatePolicyItem,
		)
		from dealer_relations.dealer_relations.doctype.rebate_policy_item_group.rebate_policy_item_group import (
			RebatePolicyItemGroup,
		)
		from dealer_relations.dealer_relations.doctype.rebate_policy_slab.rebate_policy_slab import (
			RebatePolicySlab,
		)
		from dealer_relations.dealer_relations.doctype.rebate_policy_tier.rebate_policy_tier import (
			RebatePolicyTier,
		)

		accrual_method: DF.Literal["Conservative", "Projected"]
		amended_from: DF.Link | None
		balance_valid_until: DF.Date | None
		basis: DF.Literal["Net Amount", "Quantity", "Collected Amount"]
		brands: DF.TableMultiSelect[RebatePolicyBrand]
		calculation: DF.Literal["Retroactive", "Incremental"]
		collection_cutoff_date: DF.Date | None
		company: DF.Link
		currency: DF.Link | None
		dealers: DF.Table[RebatePolicyDealer]
		excluded_items: DF.Table[RebatePolicyItem]
		from_date: DF.Date
		growth_bonus_rate: DF.Percent
		growth_threshold: DF.Percent
		item_groups: DF.TableMultiSelect[RebatePolicyItemGroup]
		items: DF.Table[RebatePolicyItem]
		max_deduction_percent: DF.Percent
		minimum_volume: DF.Float
		policy_name: DF.Data
		rebate_cap: DF.Currency
		settlements_created_on: DF.Datetime | None
		slabs: DF.Table[RebatePolicySlab]
		tiers: DF.TableMultiSelect[RebatePolicyTier]
		to_date: DF.Date
	# end: auto-generated types

	def validate(self):
		self.validate_period()
		self.validate_terms()
		self.validate_coverage()
		self.validate_scope()
		enforce(check_account_terms, dec(self.max_deduction_percent), self.balance_valid_until, self.to_date)

	def before_submit(self):
		self.validate_no_overlapping_policy()

	def validate_period(self):
		enforce(check_period, getdate(self.from_date), getdate(self.to_date))
		if self.basis != "Collected Amount":
			self.collection_cutoff_date = None
		elif self.collection_cutoff_date and getdate(self.collection_cutoff_date) < getdate(self.from_date):
			frappe.throw(
				_("Collection Cut-off Date {0} cannot be before From Date {1}").format(
					frappe.format(self.collection_cutoff_date, "Date"), frappe.format(self.from_date, "Date")
				),
				title=_("Invalid Period"),
			)

	def validate_terms(self):
		enforce(check_terms, get_terms(self))

	def validate_coverage(self):
		enforce(check_coverage, [row.tier for row in self.tiers], [row.dealer for row in self.dealers])
		self.refuse_duplicates("tiers", "tier", _("Covered Tiers"))
		self.refuse_duplicates("dealers", "dealer", _("Covered Dealers"))
		companies = dict(
			frappe.get_all(
				"Dealer",
				filters={"name": ("in", [row.dealer for row in self.dealers])},
				fields=["name", "company"],
				as_list=True,
			)
		)
		for row in self.dealers:
			if companies.get(row.dealer) != self.company:
				frappe.throw(
					_("Covered Dealers row #{0}: Dealer {1} belongs to Company {2}, not {3}").format(
						row.idx, frappe.bold(row.dealer), companies.get(row.dealer) or "-", self.company
					),
					title=_("Invalid Dealer"),
				)

	def validate_scope(self):
		self.refuse_duplicates("item_groups", "item_group", _("Include Item Groups"))
		self.refuse_duplicates("brands", "brand", _("Include Brands"))
		self.refuse_duplicates("items", "item_code", _("Include Items"))
		self.refuse_duplicates("excluded_items", "item_code", _("Exclude Items"))
		included = {row.item_code for row in self.items}
		for row in self.excluded_items:
			if row.item_code in included:
				frappe.throw(
					_("Exclude Items row #{0}: Item {1} is also in Include Items").format(
						row.idx, frappe.bold(row.item_code)
					),
					title=_("Invalid Item Scope"),
				)

	def refuse_duplicates(self, table, fieldname, label):
		seen = set()
		for row in self.get(table):
			value = row.get(fieldname)
			if value in seen:
				frappe.throw(
					_("{0} row #{1}: {2} is listed more than once").format(
						label, row.idx, frappe.bold(value)
					),
					title=_("Duplicate Entry"),
				)
			seen.add(value)

	def validate_no_overlapping_policy(self):
		"""Set-based: the other submitted policies of the company overlapping this period, then
		each one's covered dealers (a company has a few policies a year, not thousands), then
		whether their items and this policy's share an item (an invoice line counts toward at
		most one policy of a dealer)."""
		others = frappe.get_all(
			"Rebate Policy",
			filters={
				"docstatus": 1,
				"company": self.company,
				"name": ("!=", self.name),
				"from_date": ("<=", self.to_date),
				"to_date": (">=", self.from_date),
			},
			pluck="name",
		)
		if not others:
			return
		covered = set(covered_dealers(self))
		candidates = []
		for name in others:
			other = frappe.get_doc("Rebate Policy", name)
			candidates.append((get_policy_scope(other), set(covered_dealers(other, only=covered))))
		scope = get_policy_scope(self)
		groups, catalogue = load_scope_catalogue([scope, *(other for other, _dealers in candidates)])
		enforce(check_no_overlapping_policy, scope, covered, candidates, groups, catalogue)
