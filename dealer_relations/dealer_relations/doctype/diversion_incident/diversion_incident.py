# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate, today

from dealer_relations.diversion import (
	apply_penalty,
	check_found_territory,
	check_not_confirmed_twice,
	check_reviewer,
	penalty_postings,
	post_penalty,
	reverse_penalty,
	trace_incident,
)
from dealer_relations.engine.dealer import DEALER_MANAGER
from dealer_relations.engine.diversion import FIELD_REPORT
from dealer_relations.permissions import (
	changed_fields,
	check_workflow_allows_edit,
	field_labels,
	note_changes_above_permlevel,
)
from dealer_relations.postings import check_own_postings, keep_posting_links
from dealer_relations.utils import lock_dealers

# Roles that decide a penalty: after reporting, only they change what decides it.
INCIDENT_MANAGERS = frozenset({DEALER_MANAGER, "System Manager", "Administrator"})
# What decides the fine (quantities and rates), the offence number (date, dealer) and who pays.
PENALTY_BASIS = ("incident_date", "company", "dealer", "found_territory", "items")

# Written by the app when it applies the penalty (the fine's entry, the status it suspended).
POSTING_FIELDS = ("journal_entry", "dealer_status_before")


class DiversionIncident(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from dealer_relations.dealer_relations.doctype.diversion_incident_item.diversion_incident_item import (
			DiversionIncidentItem,
		)

		amended_from: DF.Link | None
		company: DF.Link
		dealer: DF.Link | None
		dealer_name: DF.Data | None
		dealer_status_before: DF.Data | None
		description: DF.TextEditor | None
		diverted_value: DF.Currency
		evidence_file: DF.Attach | None
		evidence_photo: DF.AttachImage | None
		found_location: DF.SmallText | None
		found_territory: DF.Link | None
		incident_date: DF.Date
		items: DF.Table[DiversionIncidentItem]
		journal_entry: DF.Link | None
		naming_series: DF.Literal["DIV-.YYYY.-.#####"]
		offence_number: DF.Int
		penalty: DF.Data | None
		penalty_amount: DF.Currency
		rebate_forfeit_percent: DF.Percent
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		reported_by: DF.Link | None
		sales_rep: DF.Link | None
		source: DF.Literal["Field Report", "Automatic"]
		suspend_dealer: DF.Check
		workflow_state: DF.Link | None
	# end: auto-generated types

	def check_if_latest(self):
		"""Confirming or cancelling counts the dealer's offences under the dealer's row lock. It is
		taken here, before Frappe locks this incident's row, so every path locks the dealer first:
		two confirmations of one dealer take turns (the second counts the first) and never
		deadlock on each other's incident rows."""
		if self.docstatus.is_submitted() or self.docstatus.is_cancelled():
			stored = frappe.db.get_value(self.doctype, self.name, "dealer")
			lock_dealers(sorted({dealer for dealer in (stored, self.dealer) if dealer}))
		super().check_if_latest()

	def validate_higher_perm_levels(self):
		# The computed penalty, the source and the posting link are nobody's to type (permlevel 1).
		note_changes_above_permlevel(self)
		super().validate_higher_perm_levels()

	def validate(self):
		keep_posting_links(self, POSTING_FIELDS)
		self.validate_edit_rights()
		self.validate_date()
		if self.source == FIELD_REPORT:
			self.validate_field_report()  # tracing sets each serial row's quantity
		self.compute_amounts()
		check_found_territory(self)
		check_reviewer(self)

	def before_submit(self):
		self.validate_dealer_set()
		check_not_confirmed_twice(self)
		apply_penalty(self)

	def on_submit(self):
		post_penalty(self)

	def before_update_after_submit(self):
		keep_posting_links(self, POSTING_FIELDS)

	def before_cancel(self):
		check_own_postings(self, penalty_postings(self))  # refused before any write

	def on_cancel(self):
		self.ignore_linked_doctypes = ("GL Entry", "Payment Ledger Entry", "Journal Entry")
		reverse_penalty(self)

	def validate_edit_rights(self):
		"""Judged on the stored incident, before tracing sets the dealer: the workflow's editing
		role per state, and after reporting only a Dealer Manager changes the penalty's basis
		(an accused dealer's rep would otherwise lower the quantities, rates or move the date)."""
		check_workflow_allows_edit(self, INCIDENT_MANAGERS)
		if self.is_new() or self.flags.ignore_permissions or INCIDENT_MANAGERS & set(frappe.get_roles()):
			return
		basis = [self.meta.get_field(fieldname) for fieldname in PENALTY_BASIS]
		changed = changed_fields(self, self.get_doc_before_save(), basis)
		if changed:
			frappe.throw(
				_("Once an incident is reported, only a Dealer Manager may change {0}").format(
					field_labels(self, changed)
				),
				frappe.PermissionError,
				title=_("Not Permitted"),
			)

	def validate_date(self):
		if self.incident_date and getdate(self.incident_date) > getdate(today()):
			frappe.throw(
				_("Incident Date {0} is in the future").format(frappe.format(self.incident_date, "Date")),
				title=_("Invalid Date"),
			)

	def compute_amounts(self):
		for row in self.items:
			row.amount = flt(flt(row.qty) * flt(row.rate), row.precision("amount"))
		self.diverted_value = flt(
			sum(flt(row.amount) for row in self.items), self.precision("diverted_value")
		)

	def validate_field_report(self):
		"""A field report names the goods by serial or batch number; the numbers decide the dealer."""
		for row in self.items:
			if not (row.serial_no or row.batch_no) and not self.dealer:
				frappe.throw(
					_(
						"Row #{0}: enter the Serial Nos or the Batch of {1} so the goods can be traced, or choose the Dealer"
					).format(row.idx, frappe.bold(row.item_code)),
					title=_("Nothing to Trace"),
				)
		self.dealer = trace_incident(self)

	def validate_dealer_set(self):
		if not self.dealer:
			frappe.throw(_("Dealer is required to confirm a diversion incident"), title=_("Missing Dealer"))
