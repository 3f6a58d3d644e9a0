"""Factories for the credit tests: a non-stock item, orders, invoices and payments for a customer,
and the per-company credit mode."""

from __future__ import annotations

import threading

import frappe
from frappe.utils import add_days, getdate, today

from dealer_relations.benchmarks.queries import count_queries  # noqa: F401 (tests import it from here)
from dealer_relations.demo.masters import ensure_fiscal_years as demo_fiscal_years
from dealer_relations.tests.utils import FrappeTestCase, get_company, make_dealer, make_user
from dealer_relations.tests.utils import make_item as make_any_item

ITEM = "DR-CREDIT-ITEM"
LIMIT = 10000  # the credit test tier's default credit limit
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


def make_delivery_note(customer: str, amount: float, submit: bool = True, **kwargs):
	"""A Delivery Note not made from an order (one line of the non-stock credit item)."""
	make_item()
	note = frappe.get_doc(
		{
			"doctype": "Delivery Note",
			"company": kwargs.pop("company", None) or get_company(),
			"customer": customer,
			"items": [{"item_code": ITEM, "qty": 1, "rate": amount}],
			**kwargs,
		}
	)
	note.insert()
	if submit:
		note.submit()
	return note


def deliver_order(order, submit: bool = True):
	"""A Delivery Note made from a submitted Sales Order (ERPNext's mapping)."""
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note as map_order

	note = map_order(order.name)
	note.insert()
	if submit:
		note.submit()
	return note


def make_company(name: str, abbr: str, currency: str, country: str) -> str:
	"""A second company (its chart of accounts, cost center and warehouses made by ERPNext), with
	the fiscal years the credit tests post in."""
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": currency,
				"country": country,
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	ensure_fiscal_years(today())
	return name


def set_exchange_rate(from_currency: str, to_currency: str, rate: float) -> None:
	"""The rate ERPNext fetches for documents of today (offline: no exchange rate API)."""
	for source, target, value in ((from_currency, to_currency, rate), (to_currency, from_currency, 1 / rate)):
		if not frappe.db.exists(
			"Currency Exchange", {"from_currency": source, "to_currency": target, "date": today()}
		):
			frappe.get_doc(
				{
					"doctype": "Currency Exchange",
					"date": today(),
					"from_currency": source,
					"to_currency": target,
					"exchange_rate": value,
					"for_selling": 1,
					"for_buying": 1,
				}
			).insert(ignore_permissions=True)


def make_foreign_receivable(customer: str, company: str, currency: str) -> str:
	"""A receivable account in ``currency`` for ``customer`` in ``company`` (the party account that
	makes its invoices there foreign-currency ones)."""
	abbr = frappe.get_cached_value("Company", company, "abbr")
	name = f"DR Debtors {currency} - {abbr}"
	if not frappe.db.exists("Account", name):
		parent = frappe.db.get_value(
			"Account", {"company": company, "account_type": "Receivable", "is_group": 0}, "parent_account"
		)
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": f"DR Debtors {currency}",
				"company": company,
				"parent_account": parent,
				"account_type": "Receivable",
				"account_currency": currency,
			}
		).insert(ignore_permissions=True)
	doc = frappe.get_doc("Customer", customer)
	doc.default_currency = currency
	doc.set("accounts", [row for row in doc.accounts if row.company != company])
	doc.append("accounts", {"company": company, "account": name})
	doc.save(ignore_permissions=True)
	return name


class Request(threading.Thread):
	"""``target(*args)`` in its own thread and database connection, as another request of the same
	site would run: committed when it returns, rolled back when it raises. ``outcome`` is then the
	return value or the exception."""

	def __init__(self, target, *args, user: str = "Administrator"):
		super().__init__(daemon=True)
		self.target, self.args, self.user = target, args, user
		self.site, self.sites_path = frappe.local.site, frappe.local.sites_path
		self.outcome = None

	def run(self):
		frappe.init(site=self.site, sites_path=self.sites_path)
		frappe.connect()
		frappe.flags.in_test = True
		frappe.set_user(self.user)
		try:
			self.outcome = self.target(*self.args)
			frappe.db.commit()  # nosemgrep: each connection is its own request
		except Exception as error:
			frappe.db.rollback()
			self.outcome = error
		finally:
			frappe.db.close()  # release the connection (and any metadata locks) now, not at GC
			frappe.destroy()


def remove_committed(documents) -> None:
	"""Undo what a test committed for other connections to see: cancel and delete ``documents``
	((doctype, name), the latest first), then commit."""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for doctype, name in documents:
		if not frappe.db.exists(doctype, name):
			continue
		if frappe.db.get_value(doctype, name, "docstatus") == 1:
			frappe.get_doc(doctype, name).cancel()
		frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		# the cancelled ledger rows too: deleting the last of a series gives its name out again
		for ledger in ("GL Entry", "Payment Ledger Entry", "Stock Ledger Entry"):
			frappe.db.delete(ledger, {"voucher_type": doctype, "voucher_no": name})
	frappe.db.commit()  # nosemgrep: undo what the test committed


def overrides_for(document: str) -> list[frappe._dict]:
	"""The Dealer Credit Override records of a document."""
	return frappe.get_all("Dealer Credit Override", filters={"reference_name": document}, fields=["*"])


class DealerCreditTestCase(FrappeTestCase):
	"""Each test gets a new Active dealer of the credit test tier (limit ``LIMIT``), in Enforce mode."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_credit_users()
		cls.tier = make_tier("DR Credit Tier", limit=LIMIT, rank=90)

	def setUp(self):
		set_credit_mode("Enforce")
		self.dealer = make_credit_dealer(self.tier)
		self.customer = self.dealer.customer

	def tearDown(self):
		frappe.set_user("Administrator")
