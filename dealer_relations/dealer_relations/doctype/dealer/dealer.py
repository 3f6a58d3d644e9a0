# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.contacts.address_and_contact import delete_contact_and_address, load_address_and_contact
from frappe.model.document import Document

from dealer_relations.engine.dealer import (
	ALLOWED_TRANSITIONS,
	check_rep_assignment,
	check_sales_rep,
	check_status_change,
	check_territories,
	check_unique_customer,
	is_row_restricted,
)
from dealer_relations.permissions import note_changes_above_permlevel
from dealer_relations.utils import enforce, get_rep_info, get_territory_tree
from dealer_relations.visits import refresh_dealer_visit_dates


class Dealer(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from dealer_relations.dealer_relations.doctype.dealer_key_person.dealer_key_person import (
			DealerKeyPerson,
		)
		from dealer_relations.dealer_relations.doctype.dealer_territory.dealer_territory import (
			DealerTerritory,
		)

		address_html: DF.HTML | None
		annual_turnover: DF.Currency
		bank_account_holder: DF.Data | None
		bank_account_no: DF.Data | None
		bank_name: DF.Data | None
		business_license_no: DF.Data | None
		business_type: DF.Literal[
			"", "Distributor", "Wholesaler", "Retail Chain", "Retailer", "System Integrator", "Other"
		]
		company: DF.Link
		competitor_brands: DF.SmallText | None
		contact_html: DF.HTML | None
		credit_grade: DF.Data | None
		credit_history_html: DF.HTML | None
		credit_limit: DF.Currency
		credit_order_policy: DF.Literal["", "Allow", "Require Credit Controller Approval", "Block"]
		credit_score: DF.Float
		customer: DF.Link
		dealer_name: DF.Data | None
		employee_count: DF.Int
		key_people: DF.Table[DealerKeyPerson]
		last_rated_on: DF.Date | None
		last_visit_date: DF.Date | None
		manual_credit_limit: DF.Currency
		manual_limit_reason: DF.SmallText | None
		manual_limit_set_by: DF.Link | None
		manual_limit_set_on: DF.Datetime | None
		next_visit_due: DF.Date | None
		notes: DF.TextEditor | None
		payment_terms: DF.Link | None
		pin_credit_limit: DF.Check
		portal_users_html: DF.HTML | None
		product_lines: DF.SmallText | None
		registered_capital: DF.Currency
		sales_rep: DF.Link | None
		status: DF.Literal["Prospect", "Active", "Suspended", "Terminated"]
		tax_id: DF.Data | None
		territories: DF.Table[DealerTerritory]
		tier: DF.Link
		warehouse_area: DF.Float
		website: DF.Data | None
		year_established: DF.Int
	# end: auto-generated types

	def onload(self):
		load_address_and_contact(self)
		# The form offers exactly the moves the engine allows from the current status.
		self.set_onload("status_moves", sorted(ALLOWED_TRANSITIONS.get(self.status, ())))

	def validate_higher_perm_levels(self):
		# Status, tier, territories and rep are the Dealer Manager's (permlevel 1), credit figures
		# the Credit Controller's (permlevel 2): Frappe puts a rep's change back, we say so.
		note_changes_above_permlevel(self)
		super().validate_higher_perm_levels()

	def before_validate(self):
		self.set_defaults_for_new_dealer()

	def validate(self):
		self.validate_unique_customer()
		self.validate_status_change()
		self.validate_sales_rep()
		self.validate_territories()

	def on_update(self):
		self.link_customer()
		before = self.get_doc_before_save()
		if not before or before.tier != self.tier:
			# A new dealer is due one interval after creation; a new tier changes the cadence.
			# The saved doc (what the form shows next) carries the dates, so its next save does
			# not send stale ones for Frappe to put back.
			dates = refresh_dealer_visit_dates([self.name])
			if self.name in dates:
				self.last_visit_date, self.next_visit_due = dates[self.name]

	def on_trash(self):
		frappe.db.set_value("Customer", {"dealer": self.name}, "dealer", None, update_modified=False)
		delete_contact_and_address(self.doctype, self.name)

	def set_defaults_for_new_dealer(self):
		if not self.is_new():
			return
		if not self.tier:
			self.tier = frappe.db.get_single_value("Dealer Relations Settings", "default_tier")
		if not self.sales_rep and is_row_restricted(frappe.get_roles()):
			self.sales_rep = frappe.session.user
		if not self.company:
			self.company = frappe.defaults.get_user_default("Company") or frappe.db.get_single_value(
				"Global Defaults", "default_company"
			)

	def validate_unique_customer(self):
		if not self.customer:
			return  # Frappe's mandatory check names the missing field next
		existing = frappe.db.get_value(
			"Dealer", {"customer": self.customer, "name": ("!=", self.name)}, "name"
		)
		if not existing and self.is_new():
			existing = frappe.db.exists("Dealer", self.name)
		enforce(check_unique_customer, self.customer, existing)

	def validate_status_change(self):
		before = self.get_doc_before_save()
		old_status = before.status if before else None
		enforce(check_status_change, old_status, self.status, frappe.get_roles())

	def validate_sales_rep(self):
		before = self.get_doc_before_save()
		enforce(
			check_rep_assignment,
			frappe.get_roles(),
			frappe.session.user,
			before.sales_rep if before else None,
			self.sales_rep,
			self.is_new(),
		)
		if not self.sales_rep:
			return
		enforce(check_sales_rep, get_rep_info(self.sales_rep))

	def validate_territories(self):
		redundant = enforce(
			check_territories, self.status, [row.territory for row in self.territories], get_territory_tree()
		)
		if redundant and frappe.db.get_single_value(
			"Dealer Relations Settings", "warn_redundant_territories"
		):
			lines = [
				_("{0} is already covered by {1}").format(frappe.bold(child), frappe.bold(parent))
				for child, parent in redundant.items()
			]
			frappe.msgprint(
				"<br>".join(lines), title=_("Redundant Territories"), indicator="orange", alert=False
			)

	def link_customer(self):
		"""Point the Customer at this dealer so ERPNext documents find it with one indexed lookup."""
		if frappe.db.get_value("Customer", self.customer, "dealer") != self.name:
			frappe.db.set_value("Customer", self.customer, "dealer", self.name, update_modified=False)
