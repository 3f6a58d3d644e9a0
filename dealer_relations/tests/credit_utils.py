"""Factories for the credit tests: a non-stock item, orders, invoices and payments for a customer,
and the per-company credit mode."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, getdate, today

from dealer_relations.benchmarks.queries import count_queries  # noqa: F401 (tests import it from here)
from dealer_relations.demo.masters import ensure_fiscal_years as demo_fiscal_years
from dealer_relations.tests.utils import get_company, make_dealer, make_user
from dealer_relations.tests.utils import make_item as make_any_item

ITEM = "DR-CREDIT-ITEM"
SALES_ROLES = ["Sales User", "Sales Manager", "Accounts User"]
CONTROLLER = "dr-credit-controller@example.com"
CLERK = "dr-credit-clerk@example.com"


def make_credit_users() -> None:
	make_user(CONTROLLER, ["Credit Controller", *SALES_ROLES])
	make_user(CLERK, SALES_ROLES)


def make_item() -> str:
	return make_any_item(ITEM)


def make_tier(name: str = "DR Credit Tier", limit: float = 10000, rank: int = 90) -> str:
	if not frappe.db.exists("Dealer Tier", name):
		frappe.get_doc(
			{
				"doctype": "Dealer Tier",
				"tier_name": name,
				"rank": rank,
				"visit_interval_days": 30,
				"default_credit_limit": limit,
			}
		).insert(ignore_permissions=True)
	return name


def make_credit_dealer(tier: str | None = None, status: str = "Active", **kwargs):
	dealer = make_dealer(tier=tier or make_tier(), territories=["All Territories"], **kwargs)
	if status != "Prospect":
		frappe.db.set_value("Dealer", dealer.name, "status", status)
	return frappe.get_doc("Dealer", dealer.name)


def ensure_fiscal_years(start, end=None) -> None:
	demo_fiscal_years(get_company(), getdate(start), getdate(end or today()))


def make_sales_order(customer: str, amount: float, lines: int = 1, submit: bool = True, **kwargs):
	make_item()
	order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": kwargs.pop("company", None) or get_company(),
			"customer": customer,
			"transaction_date": kwargs.pop("transaction_date", None) or today(),
			"delivery_date": add_days(today(), 7),
			"items": [
				{"item_code": ITEM, "qty": 1, "rate": amount / lines, "delivery_date": add_days(today(), 7)}
				for _ in range(lines)
			],
			**kwargs,
		}
	)
	order.insert()
	if submit:
		order.submit()
	return order


def make_sales_invoice(
	customer: str, amount: float, posting_date=None, due_days: int = 30, submit: bool = True, **kwargs
):
	make_item()
	posting_date = getdate(posting_date or today())
	ensure_fiscal_years(posting_date)
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": kwargs.pop("company", None) or get_company(),
			"customer": customer,
			"set_posting_time": 1,
			"posting_date": posting_date,
			"due_date": add_days(posting_date, due_days),
			"items": kwargs.pop("items", None) or [{"item_code": ITEM, "qty": 1, "rate": amount}],
			**kwargs,
		}
	)
	invoice.insert()
	if submit:
		invoice.submit()
	return invoice


def make_payment(invoice=None, amount: float | None = None, posting_date=None, customer: str | None = None):
	"""Receive a payment against an invoice (or, without one, an unallocated advance)."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	posting_date = getdate(posting_date or today())
	ensure_fiscal_years(posting_date)
	company = get_company()
	if invoice is not None:
		entry = get_payment_entry("Sales Invoice", invoice.name, party_amount=amount)
		if amount is not None:
			entry.paid_amount = entry.received_amount = amount
			entry.references[0].allocated_amount = amount
	else:
		defaults = frappe.get_cached_value(
			"Company", company, ["default_receivable_account", "default_cash_account"], as_dict=True
		)
		entry = frappe.get_doc(
			{
				"doctype": "Payment Entry",
				"payment_type": "Receive",
				"company": company,
				"party_type": "Customer",
				"party": customer,
				"paid_from": defaults.default_receivable_account,
				"paid_to": defaults.default_cash_account,
				"paid_amount": amount,
				"received_amount": amount,
			}
		)
	entry.posting_date = posting_date
	entry.reference_no = frappe.generate_hash(length=8)
	entry.reference_date = posting_date
	entry.insert()
	entry.submit()
	return entry


def set_credit_mode(mode: str, company: str | None = None) -> None:
	company = company or get_company()
	settings = frappe.get_single("Dealer Relations Settings")
	row = next((r for r in settings.company_settings if r.company == company), None)
	if row is None:
		row = settings.append("company_settings", {"company": company})
	row.credit_enforcement = mode
	settings.save(ignore_permissions=True)
