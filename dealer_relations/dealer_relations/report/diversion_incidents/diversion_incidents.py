# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""Diversion incidents by dealer, region, period and status: diverted value, fines levied,
rebate forfeits and repeat offenders, with a chart by region. Reps see their own dealers'
incidents and the reports they filed (the Diversion Incident list's row-level rules)."""

from __future__ import annotations

from collections import Counter, defaultdict

import frappe
from frappe import _

from dealer_relations.engine.territory import region_of
from dealer_relations.summaries import amounts_by_currency
from dealer_relations.utils import as_text, get_territory_tree, link_or_text


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_rows(filters)
	tree = get_territory_tree()
	# (rows are read and written as plain dicts below: attribute access on frappe._dict is a Python
	# call per field, which costs more than the query on a few hundred rows)
	confirmed = Counter(row["dealer"] for row in rows if row["docstatus"] == 1)
	# a few territories, states and companies repeat over all rows: look each up once
	regions = {name: region_of(name, tree) for name in {row["found_territory"] for row in rows} if name}
	states = {
		(state, docstatus): _(state) if state else _(("Draft", "Confirmed", "Cancelled")[docstatus])
		for state, docstatus in {(row["workflow_state"], row["docstatus"]) for row in rows}
	}
	currencies = {
		company: frappe.get_cached_value("Company", company, "default_currency")
		for company in {row["company"] for row in rows}
	}
	for row in rows:
		row["region"] = regions.get(row["found_territory"])
		row["status"] = states[row["workflow_state"], row["docstatus"]]
		row["repeat_offender"] = int(confirmed[row["dealer"]] > 1)
		row["currency"] = currencies[row["company"]]
		row["dealer_name"] = as_text(row["dealer_name"])
	if filters.repeat_offenders_only:
		rows = [row for row in rows if row["repeat_offender"]]
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def get_rows(filters) -> list:
	conditions = {"docstatus": ("<", 2)}
	for fieldname in ("company", "dealer", "workflow_state"):
		if filters.get(fieldname):
			conditions[fieldname] = filters.get(fieldname)
	if filters.territory:
		conditions["found_territory"] = ("descendants of (inclusive)", filters.territory)
	if filters.from_date and filters.to_date:
		conditions["incident_date"] = ("between", [filters.from_date, filters.to_date])
	return frappe.get_list(
		"Diversion Incident",
		filters=conditions,
		fields=[
			"name",
			"incident_date",
			"company",
			"dealer",
			"dealer_name",
			"found_territory",
			"source",
			"workflow_state",
			"docstatus",
			"offence_number",
			"diverted_value",
			"penalty_amount",
			"rebate_forfeit_percent",
			"suspend_dealer",
			"journal_entry",
		],
		order_by="incident_date desc, name desc",
		limit_page_length=0,
	)


def get_columns():
	money = {"fieldtype": "Currency", "options": "currency", "width": 120}
	return [
		{
			"label": _("Incident"),
			"fieldname": "name",
			"fieldtype": "Link",
			"options": "Diversion Incident",
			"width": 150,
		},
		{"label": _("Incident Date"), "fieldname": "incident_date", "fieldtype": "Date", "width": 100},
		{"label": _("Dealer"), "fieldname": "dealer", "fieldtype": "Link", "options": "Dealer", "width": 140},
		{"label": _("Dealer Name"), "fieldname": "dealer_name", "fieldtype": "Data", "width": 160},
		{
			"label": _("Found in Territory"),
			"fieldname": "found_territory",
			"fieldtype": "Link",
			"options": "Territory",
			"width": 130,
		},
		{
			"label": _("Region"),
			"fieldname": "region",
			"fieldtype": "Link",
			"options": "Territory",
			"width": 120,
		},
		{"label": _("Source"), "fieldname": "source", "fieldtype": "Data", "width": 100},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 110},
		{"label": _("Offence Number"), "fieldname": "offence_number", "fieldtype": "Int", "width": 80},
		{"label": _("Diverted Value"), "fieldname": "diverted_value", **money},
		{"label": _("Fine"), "fieldname": "penalty_amount", **money},
		{
			"label": _("Rebate Forfeit %"),
			"fieldname": "rebate_forfeit_percent",
			"fieldtype": "Percent",
			"width": 90,
		},
		{"label": _("Suspend Dealer"), "fieldname": "suspend_dealer", "fieldtype": "Check", "width": 80},
		{"label": _("Repeat Offender"), "fieldname": "repeat_offender", "fieldtype": "Check", "width": 80},
		{
			"label": _("Journal Entry"),
			"fieldname": "journal_entry",
			**link_or_text("Journal Entry"),
			"width": 150,
		},
	]


def get_chart(rows):
	if not rows:
		return None
	diverted, fines = defaultdict(float), defaultdict(float)
	unknown = _("Unknown")
	for row in rows:
		region = row["region"] or unknown
		diverted[region] += float(row["diverted_value"] or 0)
		if row["docstatus"] == 1:
			fines[region] += float(row["penalty_amount"] or 0)
	regions = sorted(diverted, key=lambda region: -diverted[region])
	return {
		"data": {
			"labels": regions,
			"datasets": [
				{"name": _("Diverted Value"), "values": [diverted[r] for r in regions]},
				{"name": _("Fine"), "values": [fines.get(r, 0.0) for r in regions]},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def get_summary(rows):
	"""Counts, then the diverted value and the fines per currency (incidents of companies in
	different currencies are never added together)."""
	precision = frappe.get_precision("Diversion Incident", "penalty_amount") or 2
	confirmed = sum(1 for row in rows if row["docstatus"] == 1)
	offenders = {row["dealer"] for row in rows if row["repeat_offender"]}
	return [
		{"label": _("Incidents"), "value": len(rows), "datatype": "Int", "indicator": "Blue"},
		{"label": _("Confirmed"), "value": confirmed, "datatype": "Int", "indicator": "Red"},
		*amounts_by_currency(
			rows,
			(
				(_("Diverted Value"), lambda row: row["diverted_value"], "Orange"),
				(
					_("Fines Levied"),
					lambda row: row["penalty_amount"] if row["docstatus"] == 1 else 0,
					"Red",
				),
			),
			precision,
		),
		{"label": _("Repeat Offenders"), "value": len(offenders), "datatype": "Int", "indicator": "Red"},
	]
