# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

"""Statement of one dealer's rebate account (返利池) as of a date: every movement up to it with the
running balance and reservation, and what is available and expiring then. Reps see their own
dealers only (the ledger's row rules)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, getdate, today

from dealer_relations.engine.money import ZERO, dec
from dealer_relations.engine.rebate_account import RESERVED, Entry, Lot, build_lots, totals
from dealer_relations.rebate_account import LEDGER, account_currency


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not (filters.company and filters.dealer):
		return get_columns(), []
	as_of = getdate(filters.as_of_date or today())
	rows = frappe.get_list(
		LEDGER,
		filters={"dealer": filters.dealer, "company": filters.company, "posting_date": ("<=", as_of)},
		fields=[
			"posting_date",
			"entry_type",
			"amount",
			"voucher_type",
			"voucher_no",
			"rebate_settlement",
			"rebate_policy",
			"expiry_date",
			"sales_order",
		],
		order_by="posting_date asc, creation asc",
		limit_page_length=0,
	)
	currency = account_currency(filters.company)
	lots = build_lots(
		{
			Lot(row.rebate_settlement, row.rebate_policy or "", getdate(row.expiry_date), ZERO)
			for row in rows
			if row.rebate_settlement
		},
		[Entry(row.rebate_settlement, row.entry_type, dec(row.amount)) for row in rows],
	)
	balance = reserved = ZERO
	types = {entry_type: _(entry_type) for entry_type in {row.entry_type for row in rows}}
	for row in rows:
		if row.entry_type == RESERVED:
			reserved -= dec(row.amount)
		else:
			balance += dec(row.amount)
		row.balance, row.reserved, row.currency = float(balance), float(reserved), currency
		row.entry_type = types[row.entry_type]
	_balance, _reserved, available = totals(lots, as_of)
	soon = getdate(add_days(as_of, 90))
	expiring = sum((lot.available(as_of) for lot in lots.values() if lot.expiry_date <= soon), ZERO)
	summary = [
		{"label": _("Balance"), "value": float(balance), "datatype": "Currency", "currency": currency},
		{"label": _("Reserved"), "value": float(reserved), "datatype": "Currency", "currency": currency},
		{
			"label": _("Available"),
			"value": float(available),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Green",
		},
		{
			"label": _("Expiring within 90 Days"),
			"value": float(expiring),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Orange" if expiring else "Green",
		},
	]
	return get_columns(), rows, None, None, summary


def get_columns():
	currency = {"fieldtype": "Currency", "options": "currency", "width": 120}
	return [
		{"label": _("Posting Date"), "fieldname": "posting_date", "fieldtype": "Date", "width": 100},
		{"label": _("Entry Type"), "fieldname": "entry_type", "fieldtype": "Data", "width": 120},
		{"label": _("Amount"), "fieldname": "amount", **currency},
		{"label": _("Balance"), "fieldname": "balance", **currency},
		{"label": _("Reserved"), "fieldname": "reserved", **currency},
		{"label": _("Voucher Type"), "fieldname": "voucher_type", "fieldtype": "Data", "width": 120},
		{
			"label": _("Voucher No"),
			"fieldname": "voucher_no",
			"fieldtype": "Dynamic Link",
			"options": "voucher_type",
			"width": 160,
		},
		{
			"label": _("Earned by Settlement"),
			"fieldname": "rebate_settlement",
			"fieldtype": "Link",
			"options": "Rebate Settlement",
			"width": 150,
		},
		{"label": _("Expiry Date"), "fieldname": "expiry_date", "fieldtype": "Date", "width": 100},
		{
			"label": _("Reserved for Sales Order"),
			"fieldname": "sales_order",
			"fieldtype": "Link",
			"options": "Sales Order",
			"width": 150,
		},
	]
