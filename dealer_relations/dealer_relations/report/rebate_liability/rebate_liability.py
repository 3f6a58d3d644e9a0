# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""All dealers of a running policy, year to date: volume, slab reached so far, rebate accrued,
and the gap to the next slab with the extra rebate it would unlock — what reps push sales with.
Then the policy's money in the books: accrued (the monthly accruals not yet trued up), earned (the
approved settlement), paid (what reached the dealer: the whole rebate when posted to its
receivable or as a credit note, what it spent when paid into its rebate account), the rebate
account's balance from this policy and what of it expires within 90 days. Reps see only their
own dealers."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Max, Sum
from frappe.utils import add_days, flt, getdate, today

from dealer_relations.accruals import booked_as_of
from dealer_relations.engine.rebates import QUANTITY, next_slab
from dealer_relations.rebates import accrued_rebates, covered_dealers
from dealer_relations.utils import as_text


def execute(filters=None):
	filters = frappe._dict(filters or {})
	# Opened from the workspace, the report shows the policy running today.
	filters.rebate_policy = filters.rebate_policy or running_policy()
	if not filters.rebate_policy:
		return [], [], _("No submitted rebate policy is running today: choose a Rebate Policy.")
	policy = frappe.get_doc("Rebate Policy", filters.rebate_policy)
	policy.check_permission("read")
	as_of = getdate(filters.as_of or today())

	dealer_filters = {"name": ("in", list(covered_dealers(policy)))}
	if filters.sales_rep:
		dealer_filters["sales_rep"] = filters.sales_rep
	if filters.tier:
		dealer_filters["tier"] = filters.tier
	# Row-level access as in the Dealer list: a rep's report covers their own dealers only.
	dealers = frappe.get_list(
		"Dealer",
		filters=dealer_filters,
		fields=["name", "dealer_name", "customer", "sales_rep", "tier"],
		limit_page_length=0,
	)
	terms, accrued = accrued_rebates(policy, as_of, {d.name: d.customer for d in dealers})
	currency = frappe.get_cached_value("Company", policy.company, "default_currency")
	names = [d.name for d in dealers]
	in_books = booked_as_of(policy.name, names, as_of)
	earned = earned_rebates(policy.name, names, as_of)
	account = rebate_account_figures(policy.name, names, as_of)
	data = []
	for dealer in dealers:
		volume, result = accrued[dealer.name]
		balance, expired, expiring = account.get(dealer.name, (0.0, 0.0, 0.0))
		dealer_earned = earned.get(dealer.name, 0.0)
		ahead = next_slab(terms, result, volume.prior_volume, volume.forfeit_percent)
		data.append(
			{
				"dealer": dealer.name,
				"dealer_name": as_text(dealer.dealer_name),
				"sales_rep": dealer.sales_rep,
				"tier": dealer.tier,
				"volume": float(result.volume),
				"slab_reached": result.slab_reached,
				"rate": float(result.rate),
				"accrued_rebate": float(result.net_rebate),
				"next_slab": ahead.slab if ahead else None,
				"gap": float(ahead.gap) if ahead else None,
				"extra_rebate": float(ahead.extra_rebate) if ahead else None,
				"accrued_in_books": flt(in_books.get(dealer.name, 0), 2),
				"earned": dealer_earned,
				"paid": flt(max(dealer_earned - balance - expired, 0), 2),
				"balance": balance,
				"expiring": expiring,
				"currency": currency,
			}
		)
	data.sort(key=lambda row: (row["gap"] is None, row["gap"] or 0))
	return get_columns(policy, currency), data, None, get_chart(data), get_summary(data, currency)


def earned_rebates(policy: str, dealers: list[str], as_of) -> dict[str, float]:
	"""{dealer: net rebate of its approved settlement under the policy}: one query."""
	if not dealers:
		return {}
	settlement = frappe.qb.DocType("Rebate Settlement")
	rows = (
		frappe.qb.from_(settlement)
		.select(settlement.dealer, Sum(settlement.net_rebate))
		.where(settlement.rebate_policy == policy)
		.where(settlement.dealer.isin(dealers))
		.where(settlement.docstatus == 1)
		.where(settlement.posting_date <= as_of)
		.groupby(settlement.dealer)
		.run()
	)
	return {dealer: flt(amount, 2) for dealer, amount in rows}


def rebate_account_figures(policy: str, dealers: list[str], as_of) -> dict[str, tuple]:
	"""{dealer: (balance, expired, expiring within 90 days)} of what the policy paid into the
	dealers' rebate accounts, from the Dealer Rebate Ledger Entry ledger as of a day: one GROUP BY
	per dealer and lot (a lot's balance less its reservations is what can still expire)."""
	if not dealers:
		return {}
	entry = frappe.qb.DocType("Dealer Rebate Ledger Entry")
	kept = Case().when(entry.entry_type == "Reserved", 0).else_(entry.amount)
	lapsed = Case().when(entry.entry_type == "Expired", entry.amount).else_(0)
	rows = (
		frappe.qb.from_(entry)
		.select(
			entry.dealer,
			Max(entry.expiry_date),
			Sum(kept),
			Sum(entry.amount),
			Sum(lapsed),
		)
		.where(entry.rebate_policy == policy)
		.where(entry.dealer.isin(dealers))
		.where(entry.posting_date <= as_of)
		.groupby(entry.dealer, entry.rebate_settlement)
		.run()
	)
	soon = getdate(add_days(as_of, 90))
	figures = {}
	for dealer, expiry, balance, unreserved, expired in rows:
		total_balance, total_expired, expiring = figures.get(dealer, (0.0, 0.0, 0.0))
		if expiry and as_of <= getdate(expiry) <= soon:
			expiring += max(flt(unreserved), 0)
		figures[dealer] = (
			flt(total_balance + flt(balance), 2),
			flt(total_expired - flt(expired), 2),
			flt(expiring, 2),
		)
	return figures


def running_policy() -> str | None:
	"""The submitted policy whose period includes today (the latest to start, if several)."""
	policies = frappe.get_list(
		"Rebate Policy",
		filters={"docstatus": 1, "from_date": ("<=", today()), "to_date": (">=", today())},
		order_by="from_date desc",
		pluck="name",
		limit_page_length=1,
	)
	return policies[0] if policies else None


def get_columns(policy, currency):
	volume_type = "Float" if policy.basis == QUANTITY else "Currency"
	return [
		{"label": _("Dealer"), "fieldname": "dealer", "fieldtype": "Link", "options": "Dealer", "width": 160},
		{"label": _("Dealer Name"), "fieldname": "dealer_name", "fieldtype": "Data", "width": 200},
		{
			"label": _("Sales Rep"),
			"fieldname": "sales_rep",
			"fieldtype": "Link",
			"options": "User",
			"width": 160,
		},
		{"label": _("Tier"), "fieldname": "tier", "fieldtype": "Link", "options": "Dealer Tier", "width": 70},
		{"label": _("Volume to Date"), "fieldname": "volume", "fieldtype": volume_type, "width": 140},
		{"label": _("Slab Reached"), "fieldname": "slab_reached", "fieldtype": "Int", "width": 100},
		{"label": _("Rate (%)"), "fieldname": "rate", "fieldtype": "Percent", "width": 90},
		{
			"label": _("Rebate Accrued"),
			"fieldname": "accrued_rebate",
			"fieldtype": "Currency",
			"options": "currency",
			"width": 140,
		},
		{"label": _("Next Slab"), "fieldname": "next_slab", "fieldtype": "Int", "width": 90},
		{"label": _("Gap to Next Slab"), "fieldname": "gap", "fieldtype": volume_type, "width": 140},
		{
			"label": _("Extra Rebate Unlocked"),
			"fieldname": "extra_rebate",
			"fieldtype": "Currency",
			"options": "currency",
			"width": 160,
		},
		*(
			{
				"label": label,
				"fieldname": fieldname,
				"fieldtype": "Currency",
				"options": "currency",
				"width": 130,
			}
			for label, fieldname in (
				(_("Accrued in Books"), "accrued_in_books"),
				(_("Earned"), "earned"),
				(_("Paid"), "paid"),
				(_("Rebate Account Balance"), "balance"),
				(_("Expiring in 90 Days"), "expiring"),
			)
		),
	]


def get_chart(data):
	top = sorted((row for row in data if row["extra_rebate"]), key=lambda row: -row["extra_rebate"])[:10]
	return {
		"data": {
			"labels": [row["dealer_name"] or row["dealer"] for row in top],
			"datasets": [
				{"name": _("Extra Rebate Unlocked"), "values": [row["extra_rebate"] for row in top]}
			],
		},
		"type": "bar",
	}


def get_summary(data, currency):
	precision = frappe.get_precision("Rebate Settlement", "net_rebate")
	accrued = flt(sum(row["accrued_rebate"] for row in data), precision)
	unlockable = flt(sum(row["extra_rebate"] or 0 for row in data), precision)
	return [
		{"label": _("Dealers"), "value": len(data), "datatype": "Int", "indicator": "Blue"},
		{
			"label": _("Rebate Accrued"),
			"value": accrued,
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Orange",
		},
		{
			"label": _("Extra Rebate Unlocked"),
			"value": unlockable,
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Green",
		},
		{
			"label": _("Accrued in Books"),
			"value": flt(sum(row["accrued_in_books"] for row in data), precision),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Orange",
		},
	]
