# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""Finance's register of rebate settlements: what each dealer earned, what was deducted, what
was posted and where, by approval state."""

from __future__ import annotations

import frappe
from frappe import _

from dealer_relations.summaries import amounts_by_currency
from dealer_relations.utils import as_text

AMOUNTS = ("gross_rebate", "growth_bonus", "diversion_deduction", "net_rebate")


def execute(filters=None):
	filters = frappe._dict(filters or {})
	conditions = {"docstatus": ("<", 2) if not filters.include_cancelled else ("<=", 2)}
	for fieldname in ("company", "rebate_policy", "dealer", "workflow_state"):
		if filters.get(fieldname):
			conditions[fieldname] = filters.get(fieldname)
	if filters.from_date and filters.to_date:
		conditions["posting_date"] = ("between", [filters.from_date, filters.to_date])
	rows = frappe.get_list(
		"Rebate Settlement",
		filters=conditions,
		fields=[
			"name",
			"posting_date",
			"dealer",
			"dealer_name",
			"rebate_policy",
			"eligible_volume",
			"slab_reached",
			*AMOUNTS,
			"workflow_state",
			"docstatus",
			"journal_entry",
			"credit_note",
			"currency",
		],
		order_by="posting_date desc, name desc",
		limit_page_length=0,
	)
	labels = {}  # one translation per state, not per row
	for row in rows:
		state = row.workflow_state or ("Draft", "Submitted", "Cancelled")[row.docstatus]
		if state not in labels:
			labels[state] = _(state)
		row.status = labels[state]
		row.posted_as = (
			"Journal Entry" if row.journal_entry else ("Sales Invoice" if row.credit_note else None)
		)
		row.posted_entry = row.journal_entry or row.credit_note
		row.dealer_name = as_text(row.dealer_name)
	return get_columns(), rows, None, None, get_summary(rows)


def get_columns():
	money = {"fieldtype": "Currency", "options": "currency", "width": 130}
	return [
		{
			"label": _("Settlement"),
			"fieldname": "name",
			"fieldtype": "Link",
			"options": "Rebate Settlement",
			"width": 150,
		},
		{"label": _("Posting Date"), "fieldname": "posting_date", "fieldtype": "Date", "width": 100},
		{"label": _("Dealer"), "fieldname": "dealer", "fieldtype": "Link", "options": "Dealer", "width": 150},
		{"label": _("Dealer Name"), "fieldname": "dealer_name", "fieldtype": "Data", "width": 180},
		{
			"label": _("Rebate Policy"),
			"fieldname": "rebate_policy",
			"fieldtype": "Link",
			"options": "Rebate Policy",
			"width": 150,
		},
		{"label": _("Eligible Volume"), "fieldname": "eligible_volume", "fieldtype": "Float", "width": 130},
		{"label": _("Slab Reached"), "fieldname": "slab_reached", "fieldtype": "Int", "width": 90},
		{"label": _("Gross Rebate"), "fieldname": "gross_rebate", **money},
		{"label": _("Growth Bonus"), "fieldname": "growth_bonus", **money},
		{"label": _("Diversion Deduction"), "fieldname": "diversion_deduction", **money},
		{"label": _("Net Rebate"), "fieldname": "net_rebate", **money},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 120},
		{
			"label": _("Posted As"),
			"fieldname": "posted_as",
			# Select, not a Link to DocType: only System Managers may read DocType, and Frappe refuses
			# the whole report to a viewer who cannot read a linked doctype. The desk shows a Select
			# value translated, while the row keeps the doctype name its Posted Entry link needs.
			"fieldtype": "Select",
			"options": "\nJournal Entry\nSales Invoice",
			"width": 110,
		},
		{
			"label": _("Posted Entry"),
			"fieldname": "posted_entry",
			"fieldtype": "Dynamic Link",
			"options": "posted_as",
			"width": 160,
		},
	]


def get_summary(rows):
	"""The count, then the amounts per currency (settlements of companies in different currencies
	are never added together)."""
	precision = frappe.get_precision("Rebate Settlement", "net_rebate")
	live = [row for row in rows if row.docstatus < 2]
	return [
		{"label": _("Settlements"), "value": len(live), "datatype": "Int", "indicator": "Blue"},
		*amounts_by_currency(
			live,
			(
				(_("Net Rebate Posted"), lambda row: row.net_rebate if row.docstatus == 1 else 0, "Green"),
				(
					_("Net Rebate Awaiting Approval"),
					lambda row: row.net_rebate if row.docstatus == 0 else 0,
					"Orange",
				),
				(_("Diversion Deductions"), lambda row: row.diversion_deduction, "Red"),
			),
			precision,
		),
	]
