# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""Each dealer's annual target under a Target Completion policy, the volume achieved so far, the
completion %, and the volume still missing to the next completion step with the rebate it adds:
what reps push with. Reps see only their own dealers (the Dealer list's row-level access)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate, today

from dealer_relations.engine.rebates import TARGET_COMPLETION
from dealer_relations.rebate_targets import completion_rows
from dealer_relations.rebates import covered_dealers
from dealer_relations.utils import as_text, permitted_dealers


def execute(filters=None):
	filters = frappe._dict(filters or {})
	filters.rebate_policy = filters.rebate_policy or running_policy()
	if not filters.rebate_policy:
		return [], [], _("No submitted Target Completion policy is running today: choose a Rebate Policy.")
	policy = frappe.get_doc("Rebate Policy", filters.rebate_policy)
	policy.check_permission("read")
	if policy.basis != TARGET_COMPLETION:
		return (
			[],
			[],
			_("Rebate Policy {0} has basis {1}: it has no targets.").format(policy.name, _(policy.basis)),
		)
	as_of = getdate(filters.as_of or today())

	covered = covered_dealers(policy)
	dealer = frappe.qb.DocType("Dealer")
	query = (
		frappe.qb.from_(dealer)
		.select(dealer.name, dealer.dealer_name, dealer.customer, dealer.sales_rep)
		.where(dealer.name.isin(list(covered) or [""]))
		# Row-level access as in the Dealer list: a rep's report covers their own dealers only.
		.where(dealer.name.isin(permitted_dealers()))
		.orderby(dealer.name)
	)
	if filters.sales_rep:
		query = query.where(dealer.sales_rep == filters.sales_rep)
	dealers = query.run(as_dict=True)
	figures = completion_rows(policy, {d.name: d.customer for d in dealers}, as_of)
	currency = frappe.get_cached_value("Company", policy.company, "default_currency")
	data = []
	for row in dealers:
		data.append(
			{
				"dealer": row.name,
				"dealer_name": as_text(row.dealer_name),
				"sales_rep": row.sales_rep,
				**figures[row.name],
				"currency": currency,
			}
		)
	# the dealers closest to their next step first: where a push pays most
	data.sort(key=lambda row: (row["gap"] is None, row["gap"] or 0))
	return get_columns(), data, None, None, get_summary(data, currency)


def running_policy() -> str | None:
	"""The Target Completion policy running today that the user may read (latest start first)."""
	policies = frappe.get_list(
		"Rebate Policy",
		filters={
			"docstatus": 1,
			"basis": TARGET_COMPLETION,
			"from_date": ("<=", today()),
			"to_date": (">=", today()),
		},
		order_by="from_date desc",
		pluck="name",
		limit_page_length=1,
	)
	return policies[0] if policies else None


def get_columns():
	def money(label, fieldname, width=130):
		return {
			"label": label,
			"fieldname": fieldname,
			"fieldtype": "Currency",
			"options": "currency",
			"width": width,
		}

	return [
		{"label": _("Dealer"), "fieldname": "dealer", "fieldtype": "Link", "options": "Dealer", "width": 150},
		{"label": _("Dealer Name"), "fieldname": "dealer_name", "fieldtype": "Data", "width": 180},
		{
			"label": _("Sales Rep"),
			"fieldname": "sales_rep",
			"fieldtype": "Link",
			"options": "User",
			"width": 150,
		},
		money(_("Target"), "target"),
		money(_("Achieved"), "achieved"),
		{"label": _("Completion (%)"), "fieldname": "completion", "fieldtype": "Percent", "width": 110},
		{"label": _("Rate (%)"), "fieldname": "rate", "fieldtype": "Percent", "width": 80},
		money(_("Rebate So Far"), "rebate"),
		{"label": _("Next Step (%)"), "fieldname": "next_step", "fieldtype": "Percent", "width": 110},
		money(_("Gap to Next Step"), "gap", 140),
		money(_("Extra Rebate Unlocked"), "extra_rebate", 150),
	]


def get_summary(data, currency):
	with_target = [row for row in data if row["target"]]
	reached = [row for row in with_target if (row["completion"] or 0) >= 100]
	return [
		{"label": _("Dealers"), "value": len(data), "datatype": "Int", "indicator": "Blue"},
		{"label": _("At or Above Target"), "value": len(reached), "datatype": "Int", "indicator": "Green"},
		{
			"label": _("Target"),
			"value": sum(row["target"] for row in data),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Blue",
		},
		{
			"label": _("Achieved"),
			"value": sum(row["achieved"] for row in data),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Blue",
		},
	]
