# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""Every credit override: which dealer document a Credit Controller let through, why, and by how much
it went beyond the dealer's credit. Reps see the overrides of their own dealers."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, flt, getdate

from dealer_relations.utils import as_text


def execute(filters=None):
	filters = frappe._dict(filters or {})
	conditions = {}
	if filters.company:
		conditions["company"] = filters.company
	if filters.dealer:
		conditions["dealer"] = filters.dealer
	if filters.overridden_by:
		conditions["overridden_by"] = filters.overridden_by
	if filters.from_date and filters.to_date:
		conditions["overridden_on"] = (
			"between",
			[getdate(filters.from_date), add_days(getdate(filters.to_date), 1)],
		)
	rows = frappe.get_list(
		"Dealer Credit Override",
		filters=conditions,
		fields=[
			"name",
			"overridden_on",
			"dealer",
			"dealer_name",
			"reference_doctype",
			"reference_name",
			"block_reason",
			"credit_grade",
			"credit_limit",
			"exposure",
			"shortfall",
			"overridden_by",
			"override_reason",
			"company",
		],
		order_by="overridden_on desc",
		limit_page_length=0,
	)
	currencies = {
		company: frappe.get_cached_value("Company", company, "default_currency")
		for company in {row.company for row in rows}
	}
	# three reasons repeat over all rows: translate each once
	reasons = {reason: _(reason) for reason in {row.block_reason for row in rows} if reason}
	for row in rows:
		row.dealer_name, row.override_reason = as_text(row.dealer_name), as_text(row.override_reason)
		row.currency = currencies.get(row.company)
		row.block_reason = reasons.get(row.block_reason, row.block_reason)
	summary = [
		{"label": _("Overrides"), "value": len(rows), "datatype": "Int", "indicator": "Orange"},
		{
			"label": _("Shortfall"),
			"value": sum(flt(row.shortfall) for row in rows),
			"datatype": "Currency",
			"currency": rows[0].currency if rows else None,
			"indicator": "Red" if rows else "Green",
		},
	]
	return get_columns(), rows, None, None, summary


def get_columns():
	currency = {"fieldtype": "Currency", "options": "currency", "width": 120}
	return [
		{"label": _("Overridden On"), "fieldname": "overridden_on", "fieldtype": "Datetime", "width": 150},
		{"label": _("Dealer"), "fieldname": "dealer", "fieldtype": "Link", "options": "Dealer", "width": 180},
		{"label": _("Document Type"), "fieldname": "reference_doctype", "fieldtype": "Data", "width": 110},
		{
			"label": _("Document"),
			"fieldname": "reference_name",
			"fieldtype": "Dynamic Link",
			"options": "reference_doctype",
			"width": 160,
		},
		{"label": _("Blocked Because"), "fieldname": "block_reason", "fieldtype": "Data", "width": 170},
		{"label": _("Credit Grade"), "fieldname": "credit_grade", "fieldtype": "Data", "width": 80},
		{"label": _("Credit Limit"), "fieldname": "credit_limit", **currency},
		{"label": _("Exposure"), "fieldname": "exposure", **currency},
		{"label": _("Shortfall"), "fieldname": "shortfall", **currency},
		{
			"label": _("Overridden By"),
			"fieldname": "overridden_by",
			"fieldtype": "Link",
			"options": "User",
			"width": 160,
		},
		{
			"label": _("Credit Override Reason"),
			"fieldname": "override_reason",
			"fieldtype": "Data",
			"width": 260,
		},
		{
			"label": _("Override"),
			"fieldname": "name",
			"fieldtype": "Link",
			"options": "Dealer Credit Override",
			"width": 110,
		},
		{
			"label": _("Currency"),
			"fieldname": "currency",
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]
