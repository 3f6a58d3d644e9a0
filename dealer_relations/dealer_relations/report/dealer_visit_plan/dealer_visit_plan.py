# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""The visit plan: every dealer a rep works, when it is next due by its tier's cadence, overdue
ones first, so a rep plans the week and a manager sees the plan by tier."""

from __future__ import annotations

from collections import Counter

import frappe
from frappe import _
from frappe.query_builder import Criterion
from frappe.utils import add_days, cint, getdate, today

from dealer_relations.engine.visits import (
	FOLLOWED_UP_STATUSES,
	PLAN_DUE_SOON,
	PLAN_LATER,
	PLAN_OVERDUE,
	plan_bucket,
)
from dealer_relations.utils import as_text, dealers_in_territory, permitted_dealers

DEFAULT_HORIZON_DAYS = 14


def execute(filters=None):
	filters = frappe._dict(filters or {})
	horizon = cint(filters.horizon_days) if filters.horizon_days not in (None, "") else DEFAULT_HORIZON_DAYS
	if horizon < 0:
		frappe.throw(_("Horizon (Days) cannot be negative"), title=_("Invalid Filters"))
	as_of = getdate(today())
	show_later = cint(filters.show_later)
	rows = []
	# without later visits, the database leaves out dealers due after the horizon
	for dealer in load_dealers(filters, None if show_later else add_days(as_of, horizon)):
		due = getdate(dealer.next_visit_due)
		bucket = plan_bucket(due, as_of, horizon)
		if bucket is None or (bucket == PLAN_LATER and not show_later):
			continue
		dealer.plan = bucket
		dealer.days_to_due = (due - as_of).days
		dealer.dealer_name = as_text(dealer.dealer_name)
		rows.append(dealer)
	rows.sort(key=lambda r: (r.next_visit_due, r.tier_rank or 99, r.dealer_name or ""))
	return get_columns(), rows, None, get_chart(rows), get_summary(rows, horizon)


def load_dealers(filters, due_by=None):
	dealer = frappe.qb.DocType("Dealer")
	tier = frappe.qb.DocType("Dealer Tier")
	conditions = [dealer.status.isin(list(FOLLOWED_UP_STATUSES)), dealer.next_visit_due.isnotnull()]
	if due_by:
		conditions.append(dealer.next_visit_due <= due_by)
	for field in ("company", "sales_rep", "tier"):
		if filters.get(field):
			conditions.append(dealer[field] == filters.get(field))
	if filters.territory:
		conditions.append(dealer.name.isin(dealers_in_territory(filters.territory)))
	return (
		frappe.qb.from_(dealer)
		.left_join(tier)
		.on(tier.name == dealer.tier)
		.select(
			dealer.name.as_("dealer"),
			dealer.dealer_name,
			dealer.tier,
			tier.rank.as_("tier_rank"),
			dealer.status,
			dealer.sales_rep,
			dealer.last_visit_date,
			dealer.next_visit_due,
		)
		.where(Criterion.all(conditions))
		.where(dealer.name.isin(permitted_dealers()))
		.run(as_dict=True)
	)


def get_columns():
	return [
		{"label": _("Plan"), "fieldname": "plan", "fieldtype": "Data", "width": 100},
		{"label": _("Next Visit Due"), "fieldname": "next_visit_due", "fieldtype": "Date", "width": 120},
		{"label": _("Days to Due"), "fieldname": "days_to_due", "fieldtype": "Int", "width": 100},
		{"label": _("Dealer"), "fieldname": "dealer", "fieldtype": "Link", "options": "Dealer", "width": 200},
		{"label": _("Dealer Name"), "fieldname": "dealer_name", "fieldtype": "Data", "width": 220},
		{"label": _("Tier"), "fieldname": "tier", "fieldtype": "Link", "options": "Dealer Tier", "width": 70},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 90},
		{
			"label": _("Sales Rep"),
			"fieldname": "sales_rep",
			"fieldtype": "Link",
			"options": "User",
			"width": 200,
		},
		{"label": _("Last Visit Date"), "fieldname": "last_visit_date", "fieldtype": "Date", "width": 120},
	]


def get_chart(rows):
	ranks = {r.tier: r.tier_rank or 99 for r in rows if r.tier}
	tiers = sorted(ranks, key=ranks.get)
	counts = Counter((r.tier, r.plan) for r in rows)
	return {
		"data": {
			"labels": [_("Tier {0}").format(t) for t in tiers],
			"datasets": [
				{"name": _(PLAN_OVERDUE), "values": [counts[(t, PLAN_OVERDUE)] for t in tiers]},
				{"name": _(PLAN_DUE_SOON), "values": [counts[(t, PLAN_DUE_SOON)] for t in tiers]},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"colors": ["#ff5858", "#ffa00a"],
	}


def get_summary(rows, horizon):
	plans = Counter(r.plan for r in rows)
	return [
		{
			"label": _("Overdue"),
			"value": plans[PLAN_OVERDUE],
			"datatype": "Int",
			"indicator": "Red" if plans[PLAN_OVERDUE] else "Green",
		},
		{
			"label": _("Due in the Next {0} Days").format(horizon),
			"value": plans[PLAN_DUE_SOON],
			"datatype": "Int",
			"indicator": "Orange",
		},
	]
