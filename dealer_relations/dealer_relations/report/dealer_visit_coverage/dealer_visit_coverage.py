# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""Per rep: dealers assigned, visits, cadence kept, overdue, and the tier mix of their visits
against the tier mix of their dealers, so neglect of small (C-tier) dealers shows at a glance."""

from __future__ import annotations

import re
from datetime import timedelta

import frappe
from frappe import _
from frappe.query_builder import Criterion
from frappe.query_builder.functions import Coalesce
from frappe.utils import get_datetime, getdate, today

from dealer_relations.engine.visits import (
	DEFAULT_VISIT_INTERVAL_DAYS,
	FOLLOWED_UP_STATUSES,
	DealerVisits,
	coverage_by_rep,
	total_coverage,
)
from dealer_relations.utils import dealers_in_territory, permitted_dealers


def execute(filters=None):
	filters = frappe._dict(filters or {})
	validate_filters(filters)
	tiers = frappe.get_all("Dealer Tier", fields=["name", "visit_interval_days"], order_by="`rank` asc")
	dealers = load_dealers(filters, max((t.visit_interval_days or 0) for t in tiers) if tiers else 0)
	reps = coverage_by_rep(dealers, getdate(filters.from_date), getdate(filters.to_date), getdate(today()))
	tier_names = [t.name for t in tiers]
	columns = get_columns(tier_names)
	data = [row_for(rep, tier_names) for rep in sorted(reps.values(), key=lambda r: r.sales_rep or "")]
	total = total_coverage(reps)
	if len(data) > 1:
		# Computed like any rep, not summed: shares and coverage do not add up across rows.
		data.append({**row_for(total, tier_names), "sales_rep": _("Total"), "bold": 1})
	return columns, data, None, get_chart(total, tier_names), get_summary(total)


def validate_filters(filters):
	if not filters.from_date or not filters.to_date:
		frappe.throw(_("From Date and To Date are required"), title=_("Missing Filters"))
	if getdate(filters.from_date) > getdate(filters.to_date):
		frappe.throw(_("From Date must be on or before To Date"), title=_("Invalid Filters"))


def load_dealers(filters, max_interval: int) -> list[DealerVisits]:
	"""One query: the dealers in scope joined with their visits from one cadence before the range
	(to know whether the first weeks were covered) to the end of the range."""
	dealer = frappe.qb.DocType("Dealer")
	tier = frappe.qb.DocType("Dealer Tier")
	visit = frappe.qb.DocType("Dealer Visit Log")
	window_start = get_datetime(getdate(filters.from_date) - timedelta(days=max_interval))
	window_end = get_datetime(getdate(filters.to_date)) + timedelta(days=1)

	conditions = [dealer.status.isin(list(FOLLOWED_UP_STATUSES)), dealer.sales_rep.isnotnull()]
	if filters.company:
		conditions.append(dealer.company == filters.company)
	if filters.sales_rep:
		conditions.append(dealer.sales_rep == filters.sales_rep)
	if filters.tier:
		conditions.append(dealer.tier == filters.tier)
	if filters.territory:
		conditions.append(dealer.name.isin(dealers_in_territory(filters.territory)))

	query = (
		frappe.qb.from_(dealer)
		.join(tier)
		.on(tier.name == dealer.tier)
		.left_join(visit)
		.on(
			(visit.dealer == dealer.name)
			& (visit.visit_date >= window_start)
			& (visit.visit_date < window_end)
		)
		.select(
			dealer.name,
			dealer.sales_rep,
			dealer.tier,
			Coalesce(tier.visit_interval_days, DEFAULT_VISIT_INTERVAL_DAYS).as_("interval_days"),
			dealer.creation,
			visit.visit_date,
			visit.next_visit_date,
		)
		.where(Criterion.all(conditions))
	)
	# Row-level access as in the Dealer list: a rep's report covers their own dealers only.
	query = query.where(dealer.name.isin(permitted_dealers()))

	dealers: dict[str, DealerVisits] = {}
	for row in query.run(as_dict=True):
		item = dealers.get(row.name)
		if item is None:
			item = dealers[row.name] = DealerVisits(
				row.name, row.sales_rep, row.tier, int(row.interval_days), getdate(row.creation)
			)
		if row.visit_date:
			item.visits.append(
				(getdate(row.visit_date), getdate(row.next_visit_date) if row.next_visit_date else None)
			)
	return list(dealers.values())


def row_for(rep, tiers):
	row = {
		"sales_rep": rep.sales_rep,
		"dealers": rep.dealers,
		"visits": rep.visits,
		"dealers_visited": rep.dealers_visited,
		"dealers_on_cadence": rep.dealers_on_cadence,
		"coverage": float(rep.coverage),
		"dealers_overdue": rep.dealers_overdue,
	}
	for tier, key in tier_keys(tiers).items():
		attention = rep.attention(tier)
		row[f"dealer_share_{key}"] = float(rep.dealer_share(tier))
		row[f"visit_share_{key}"] = float(rep.visit_share(tier))
		row[f"attention_{key}"] = float(attention) if attention is not None else None
	return row


def tier_keys(tiers) -> dict[str, str]:
	"""Each tier's part of its columns' fieldnames: its name as a fieldname (letters, digits, "_"),
	numbered when two names give the same one ("A-B" and "a b"), so no tier's figures overwrite
	another's."""
	keys: dict[str, str] = {}
	for tier in tiers:
		key = base = re.sub(r"\W", "_", frappe.scrub(tier))
		number = 1
		while key in keys.values():
			number += 1
			key = f"{base}_{number}"
		keys[tier] = key
	return keys


def get_columns(tiers):
	columns = [
		{
			"label": _("Sales Rep"),
			"fieldname": "sales_rep",
			"fieldtype": "Link",
			"options": "User",
			"width": 200,
		},
		{"label": _("Dealers"), "fieldname": "dealers", "fieldtype": "Int", "width": 90},
		{"label": _("Visits Made"), "fieldname": "visits", "fieldtype": "Int", "width": 80},
		{"label": _("Dealers Visited"), "fieldname": "dealers_visited", "fieldtype": "Int", "width": 120},
		{"label": _("On Cadence"), "fieldname": "dealers_on_cadence", "fieldtype": "Int", "width": 110},
		{
			"label": _("Coverage %"),
			"fieldname": "coverage",
			"fieldtype": "Percent",
			"precision": 1,
			"width": 110,
		},
		{"label": _("Overdue"), "fieldname": "dealers_overdue", "fieldtype": "Int", "width": 90},
	]
	for tier, key in tier_keys(tiers).items():
		columns += [
			{
				"label": _("Tier {0} Dealers %").format(tier),
				"fieldname": f"dealer_share_{key}",
				"fieldtype": "Percent",
				"precision": 1,
				"width": 130,
			},
			{
				"label": _("Tier {0} Visits %").format(tier),
				"fieldname": f"visit_share_{key}",
				"fieldtype": "Percent",
				"precision": 1,
				"width": 120,
			},
			{
				"label": _("Tier {0} Attention").format(tier),
				"fieldname": f"attention_{key}",
				"fieldtype": "Float",
				"precision": 2,
				"width": 130,
			},
		]
	return columns


def get_chart(total, tiers):
	return {
		"data": {
			"labels": [_("Tier {0}").format(t) for t in tiers],
			"datasets": [
				{"name": _("Share of Dealers %"), "values": [float(total.dealer_share(t)) for t in tiers]},
				{"name": _("Share of Visits %"), "values": [float(total.visit_share(t)) for t in tiers]},
			],
		},
		"type": "bar",
		"colors": ["#7cd6fd", "#5e64ff"],
	}


def get_summary(total):
	low = total.neglected_tiers()
	neglected = ", ".join(_("Tier {0}").format(t) for t in low) if low else _("None")
	return [
		{"label": _("Dealers"), "value": total.dealers, "datatype": "Int", "indicator": "Blue"},
		{"label": _("Visits Made"), "value": total.visits, "datatype": "Int", "indicator": "Blue"},
		{
			"label": _("Coverage %"),
			"value": float(total.coverage),
			"datatype": "Percent",
			"indicator": "Green" if total.coverage >= 80 else "Orange",
		},
		{
			"label": _("Overdue Dealers"),
			"value": total.dealers_overdue,
			"datatype": "Int",
			"indicator": "Red" if total.dealers_overdue else "Green",
		},
		{
			"label": _("Neglected Tiers"),
			"value": neglected,
			"datatype": "Data",
			"indicator": "Red" if low else "Green",
		},
	]
