# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""Per dealer: grade, score, limit, what it owes and has on order, the credit left, how overdue its
receivables are, and its last credit override. One query for all dealers in scope."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder import Case, Criterion
from frappe.query_builder.functions import Coalesce, Max, Sum
from frappe.utils import flt, getdate, today

from dealer_relations.credit import D, DateDiff, balances_not_against_invoices, open_amount
from dealer_relations.engine.credit import effective_limit
from dealer_relations.utils import as_text, dealers_in_territory, permitted_dealers

BUCKETS = (
	("overdue_0_30", None, 30),
	("overdue_31_60", 31, 60),
	("overdue_61_90", 61, 90),
	("overdue_90_plus", 91, None),
)


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = load_rows(filters)
	if filters.over_limit_only:
		rows = [row for row in rows if row.over_limit]
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def load_rows(filters, as_of=None) -> list[frappe._dict]:
	as_of = getdate(as_of or today())
	dealer = frappe.qb.DocType("Dealer")
	tier = frappe.qb.DocType("Dealer Tier")
	company = frappe.qb.DocType("Company")
	ple = frappe.qb.DocType("Payment Ledger Entry")
	order = frappe.qb.DocType("Sales Order")
	override = frappe.qb.DocType("Dealer Credit Override")

	dealer_customers = frappe.qb.from_(dealer).select(dealer.customer)
	# What is owed, as the credit check reads it (one meaning of exposure on the report and at
	# submit): the open invoices through the index that holds their outstanding amounts, and the
	# Payment Ledger's balances against anything else (payments and journal entries not set against
	# an invoice). A dealer's paid history is never read.
	invoice = frappe.qb.DocType("Sales Invoice")
	open_invoices = (
		frappe.qb.from_(invoice)
		.join(company)
		.on(company.name == invoice.company)
		.select(
			invoice.customer.as_("party"),
			invoice.company.as_("company"),
			open_amount(invoice, company.default_currency).as_("balance"),
			invoice.due_date.as_("due_date"),
		)
		.where(invoice.customer.isin(dealer_customers))
		.where(invoice.outstanding_amount != 0)
		.where(invoice.docstatus == 1)
	).as_("open_invoices")
	other_balances = (
		balances_not_against_invoices(ple)
		.select(
			ple.party.as_("party"),
			ple.company.as_("company"),
			Sum(ple.amount).as_("balance"),
			Max(ple.due_date).as_("due_date"),
		)
		.where(ple.party.isin(dealer_customers))
		.groupby(ple.party, ple.company)
	).as_("other_balances")
	invoice_sums = receivable_sums(open_invoices, as_of, "invoice_sums")
	other_sums = receivable_sums(other_balances, as_of, "other_sums")

	unbilled = (
		frappe.qb.from_(order)
		.select(
			order.customer.as_("customer"),
			order.company.as_("company"),
			Sum(order.base_grand_total * (100 - order.per_billed) / 100).as_("unbilled"),
		)
		.where(order.customer.isin(dealer_customers))
		.where(order.docstatus == 1)
		.where(order.per_billed < 100)
		.where(order.status != "Closed")
		.groupby(order.customer, order.company)
	).as_("unbilled")
	last_override = (
		frappe.qb.from_(override)
		.select(override.dealer.as_("dealer"), Max(override.overridden_on).as_("overridden_on"))
		.groupby(override.dealer)
	).as_("last_override")

	conditions = [dealer.name.isin(permitted_dealers())]
	if filters.company:
		conditions.append(dealer.company == filters.company)
	if filters.sales_rep:
		conditions.append(dealer.sales_rep == filters.sales_rep)
	if filters.tier:
		conditions.append(dealer.tier == filters.tier)
	if filters.credit_grade:
		conditions.append(dealer.credit_grade == filters.credit_grade)
	if filters.territory:
		conditions.append(dealer.name.isin(dealers_in_territory(filters.territory)))

	query = (
		frappe.qb.from_(dealer)
		.left_join(tier)
		.on(tier.name == dealer.tier)
		.left_join(company)
		.on(company.name == dealer.company)
		.left_join(invoice_sums)
		.on((invoice_sums.party == dealer.customer) & (invoice_sums.company == dealer.company))
		.left_join(other_sums)
		.on((other_sums.party == dealer.customer) & (other_sums.company == dealer.company))
		.left_join(unbilled)
		.on((unbilled.customer == dealer.customer) & (unbilled.company == dealer.company))
		.left_join(last_override)
		.on(last_override.dealer == dealer.name)
		.select(
			dealer.name.as_("dealer"),
			dealer.dealer_name,
			dealer.sales_rep,
			dealer.tier,
			dealer.status,
			dealer.credit_grade,
			dealer.credit_score,
			dealer.credit_limit.as_("dealer_credit_limit"),
			tier.default_credit_limit,
			company.default_currency.as_("currency"),
			*[
				(Coalesce(invoice_sums[fieldname], 0) + Coalesce(other_sums[fieldname], 0)).as_(fieldname)
				for fieldname in ("outstanding", "advances", *(bucket[0] for bucket in BUCKETS))
			],
			Coalesce(unbilled.unbilled, 0).as_("unbilled_orders"),
			last_override.overridden_on.as_("last_override_on"),
		)
		.where(Criterion.all(conditions))
		.orderby(dealer.dealer_name)
	)
	rows = query.run(as_dict=True)
	for row in rows:
		row.dealer_name = as_text(row.dealer_name)
		limit = effective_limit(D(row.dealer_credit_limit), D(row.default_credit_limit))
		exposure = D(row.outstanding) + D(row.unbilled_orders) - D(row.advances)
		row.credit_limit = float(limit) if limit is not None else None
		row.exposure = float(exposure)
		row.available_credit = float(limit - exposure) if limit is not None else None
		row.over_limit = int(limit is not None and exposure > limit)
	return rows


def receivable_sums(balances, as_of, alias: str):
	"""Per customer and company: what is owed, advances, and what is owed by days overdue, from
	rows of (party, company, balance, due_date)."""
	days = DateDiff(as_of, Coalesce(balances.due_date, as_of))
	owed = balances.balance > 0
	bucket_sums = []
	for fieldname, low, high in BUCKETS:
		condition = owed
		if low is not None:
			condition = condition & (days >= low)
		if high is not None:
			condition = condition & (days <= high)
		bucket_sums.append(Sum(Case().when(condition, balances.balance).else_(0)).as_(fieldname))
	return (
		frappe.qb.from_(balances)
		.select(
			balances.party,
			balances.company,
			Sum(Case().when(owed, balances.balance).else_(0)).as_("outstanding"),
			Sum(Case().when(balances.balance < 0, -balances.balance).else_(0)).as_("advances"),
			*bucket_sums,
		)
		.groupby(balances.party, balances.company)
	).as_(alias)


@frappe.whitelist()
def get_dealers_over_limit(filters=None) -> dict:
	"""Number card "Dealers over limit": dealers whose exposure is above their credit limit."""
	frappe.has_permission("Dealer", "read", throw=True)
	filters = frappe.parse_json(filters) if isinstance(filters, str) else filters
	# The card passes the desk's filter list; it counts every dealer the user may see.
	filters = frappe._dict(filters if isinstance(filters, dict) else {})
	count = sum(row.over_limit for row in load_rows(filters))
	return {
		"value": count,
		"fieldtype": "Int",
		"route": ["query-report", "Dealer Credit Exposure"],
		"route_options": {"over_limit_only": 1},
	}


def get_columns():
	currency = {"fieldtype": "Currency", "options": "currency", "width": 130}
	return [
		{"label": _("Dealer"), "fieldname": "dealer", "fieldtype": "Link", "options": "Dealer", "width": 200},
		{"label": _("Dealer Name"), "fieldname": "dealer_name", "fieldtype": "Data", "width": 180},
		{
			"label": _("Sales Rep"),
			"fieldname": "sales_rep",
			"fieldtype": "Link",
			"options": "User",
			"width": 160,
		},
		{"label": _("Tier"), "fieldname": "tier", "fieldtype": "Link", "options": "Dealer Tier", "width": 60},
		{"label": _("Credit Grade"), "fieldname": "credit_grade", "fieldtype": "Data", "width": 80},
		{
			"label": _("Credit Score"),
			"fieldname": "credit_score",
			"fieldtype": "Float",
			"precision": 1,
			"width": 90,
		},
		{"label": _("Credit Limit"), "fieldname": "credit_limit", **currency},
		{"label": _("Outstanding Receivables"), "fieldname": "outstanding", **currency},
		{"label": _("Unbilled Orders"), "fieldname": "unbilled_orders", **currency},
		{"label": _("Unallocated Advances"), "fieldname": "advances", **currency},
		{"label": _("Exposure"), "fieldname": "exposure", **currency},
		{"label": _("Available Credit"), "fieldname": "available_credit", **currency},
		{"label": _("0-30 Days"), "fieldname": "overdue_0_30", **currency},
		{"label": _("31-60 Days"), "fieldname": "overdue_31_60", **currency},
		{"label": _("61-90 Days"), "fieldname": "overdue_61_90", **currency},
		{"label": _("90+ Days"), "fieldname": "overdue_90_plus", **currency},
		{"label": _("Last Override"), "fieldname": "last_override_on", "fieldtype": "Datetime", "width": 150},
		{
			"label": _("Currency"),
			"fieldname": "currency",
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def get_chart(rows):
	exposure, limit = defaultdict(Decimal), defaultdict(Decimal)
	for row in rows:
		grade = row.credit_grade or _("Not Rated")
		exposure[grade] += D(row.exposure)
		limit[grade] += D(row.credit_limit or 0)
	grades = sorted(exposure)
	return {
		"data": {
			"labels": grades,
			"datasets": [
				{"name": _("Exposure"), "values": [flt(exposure[g]) for g in grades]},
				{"name": _("Credit Limit"), "values": [flt(limit[g]) for g in grades]},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
		"colors": ["#ff5858", "#7cd6fd"],
	}


def get_summary(rows):
	over = sum(row.over_limit for row in rows)
	currency = rows[0].currency if rows else None
	return [
		{"label": _("Dealers"), "value": len(rows), "datatype": "Int", "indicator": "Blue"},
		{
			"label": _("Exposure"),
			"value": sum(flt(row.exposure) for row in rows),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Blue",
		},
		{
			"label": _("Overdue over 90 Days"),
			"value": sum(flt(row.overdue_90_plus) for row in rows),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Red" if any(flt(row.overdue_90_plus) for row in rows) else "Green",
		},
		{
			"label": _("Dealers over Limit"),
			"value": over,
			"datatype": "Int",
			"indicator": "Red" if over else "Green",
		},
	]
