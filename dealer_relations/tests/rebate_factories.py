"""Factories for the rebate integration tests: items in a small item-group tree, invoices,
returns, payments, the rebate expense account, policies and settlements."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, get_year_start, getdate, today

from dealer_relations.tests.utils import EXTERNAL_TEST_IGNORE, get_company, make_dealer

# ERPNext masters and vouchers the rebate doctypes link to: the tests make exactly what they need.
REBATE_TEST_IGNORE = [
	*EXTERNAL_TEST_IGNORE,
	"Account",
	"Brand",
	"Cost Center",
	"Currency",
	"Item",
	"Item Group",
	"Journal Entry",
	"Sales Invoice",
	"Workflow State",
]

PRODUCTS = "DR RB Products"  # group
PUMPS = "DR RB Pumps"  # child of PRODUCTS
MISC = "DR RB Misc"  # outside PRODUCTS
BRAND = "DR RB Brand"
PUMP, VALVE, OTHER, BRANDED, REBATE_ITEM = (
	"DR-RB-PUMP",
	"DR-RB-VALVE",
	"DR-RB-OTHER",
	"DR-RB-BRANDED",
	"DR-RB-REBATE",
)

# 1% from 0, 2% from 100,000, 3% from 200,000
LADDER = ((0, 1), (100_000, 2), (200_000, 3))


def year_start():
	return getdate(get_year_start(today()))


def day(offset: int):
	"""A date ``offset`` days into the current year."""
	return getdate(add_days(year_start(), offset))


def make_item_group(name: str, parent: str | None = None, is_group: int = 0) -> str:
	if not frappe.db.exists("Item Group", name):
		root = parent or frappe.db.get_value("Item Group", {"parent_item_group": ("in", ("", None))}, "name")
		frappe.get_doc(
			{
				"doctype": "Item Group",
				"item_group_name": name,
				"parent_item_group": root,
				"is_group": is_group,
			}
		).insert(ignore_permissions=True)
	return name


def make_items() -> None:
	make_item_group(PRODUCTS, is_group=1)
	make_item_group(PUMPS, parent=PRODUCTS)
	make_item_group(MISC)
	if not frappe.db.exists("Brand", BRAND):
		frappe.get_doc({"doctype": "Brand", "brand": BRAND}).insert(ignore_permissions=True)
	for code, group, brand in (
		(PUMP, PUMPS, None),
		(VALVE, PRODUCTS, None),
		(OTHER, PUMPS, None),
		(BRANDED, MISC, BRAND),
		(REBATE_ITEM, MISC, None),
	):
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": code,
					"item_group": group,
					"brand": brand,
					"stock_uom": "Nos",
					"is_stock_item": 0,
				}
			).insert(ignore_permissions=True)


def company_defaults(company: str | None = None) -> frappe._dict:
	company = company or get_company()
	return frappe.get_cached_value(
		"Company",
		company,
		[
			"name",
			"abbr",
			"default_receivable_account",
			"default_income_account",
			"cost_center",
			"default_currency",
		],
		as_dict=True,
	)


def make_account(
	account_name: str, root_type: str, account_type: str = "", company: str | None = None
) -> str:
	company = company_defaults(company)
	name = f"{account_name} - {company.abbr}"
	if not frappe.db.exists("Account", name):
		parent = frappe.db.get_value(
			"Account",
			{"company": company.name, "root_type": root_type, "is_group": 1},
			"name",
			order_by="lft desc",
		)
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": account_name,
				"parent_account": parent,
				"company": company.name,
				"account_type": account_type,
				"is_group": 0,
			}
		).insert(ignore_permissions=True)
	return name


def set_rebate_settings(company: str | None = None, **values) -> None:
	company = company or get_company()
	settings = frappe.get_single("Dealer Relations Settings")
	row = next((r for r in settings.company_settings if r.company == company), None)
	if row is None:
		row = settings.append("company_settings", {"company": company})
	row.update(values)
	settings.save(ignore_permissions=True)


def setup_rebate_accounts(method: str = "Journal Entry") -> str:
	expense = make_account("DR Rebate Expense", "Expense", "Expense Account")
	set_rebate_settings(rebate_expense_account=expense, rebate_posting_method=method, rebate_item=REBATE_ITEM)
	return expense


def make_invoice(customer: str, lines, posting_date, tax_rate: float = 0, submit: bool = True):
	"""``lines`` = [(item_code, qty, rate)]; an optional VAT row on the net total."""
	company = company_defaults()
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": company.name,
			"customer": customer,
			"set_posting_time": 1,
			"posting_date": posting_date,
			"due_date": posting_date,
			"currency": company.default_currency,
			"debit_to": company.default_receivable_account,
			"items": [
				{
					"item_code": code,
					"qty": qty,
					"rate": rate,
					"income_account": company.default_income_account,
					"cost_center": company.cost_center,
				}
				for code, qty, rate in lines
			],
		}
	)
	if tax_rate:
		invoice.append(
			"taxes",
			{
				"charge_type": "On Net Total",
				"account_head": make_account("DR VAT", "Liability", "Tax"),
				"description": "VAT",
				"rate": tax_rate,
				"cost_center": company.cost_center,
			},
		)
	invoice.insert(ignore_permissions=True)
	if submit:
		invoice.submit()
	return invoice


def make_return(invoice, qty_by_item: dict[str, float], posting_date):
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	credit_note = make_sales_return(invoice.name)
	credit_note.set_posting_time = 1
	credit_note.posting_date = posting_date
	credit_note.items = [row for row in credit_note.items if row.item_code in qty_by_item]
	for row in credit_note.items:
		row.qty = -abs(qty_by_item[row.item_code])
	credit_note.insert(ignore_permissions=True)
	credit_note.submit()
	return credit_note


def make_payment(invoice, amount: float, posting_date):
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	payment = get_payment_entry("Sales Invoice", invoice.name, party_amount=amount)
	payment.posting_date = posting_date
	payment.reference_no = frappe.generate_hash(length=8)
	payment.reference_date = posting_date
	payment.insert(ignore_permissions=True)
	payment.submit()
	return payment


def make_rebate_dealer(**kwargs):
	"""An Active dealer (Active needs a territory)."""
	from dealer_relations.tests.utils import make_territory

	make_territory("DR RB City")
	dealer = make_dealer(status="Active", territories=["DR RB City"], **kwargs)
	# Rebate scenarios buy far beyond a tier's default credit limit; the credit check that would
	# stop them has its own tests, so these dealers get room to buy.
	frappe.db.set_value("Dealer", dealer.name, "credit_limit", 1_000_000_000)
	dealer.credit_limit = 1_000_000_000
	return dealer


def make_policy(
	name: str | None = None,
	dealers=(),
	tiers=(),
	slabs=LADDER,
	submit: bool = True,
	do_not_save: bool = False,
	**kwargs,
):
	policy = frappe.get_doc(
		{
			"doctype": "Rebate Policy",
			"policy_name": name or f"DR RB Policy {frappe.generate_hash(length=6)}",
			"company": kwargs.pop("company", None) or get_company(),
			"from_date": kwargs.pop("from_date", None) or year_start(),
			"to_date": kwargs.pop("to_date", None) or day(364),
			"basis": kwargs.pop("basis", "Net Amount"),
			"calculation": kwargs.pop("calculation", "Retroactive"),
			"slabs": [
				{"min_value": min_value, "rate": rate, "fixed_amount": fixed[0] if fixed else 0}
				for min_value, rate, *fixed in slabs
			],
			"dealers": [{"dealer": dealer} for dealer in dealers],
			"tiers": [{"tier": tier} for tier in tiers],
			**kwargs,
		}
	)
	if do_not_save:
		return policy
	policy.insert()
	if submit:
		policy.submit()
	return policy


def make_settlement(dealer: str, policy: str, do_not_save: bool = False, **kwargs):
	settlement = frappe.get_doc(
		{"doctype": "Rebate Settlement", "dealer": dealer, "rebate_policy": policy, **kwargs}
	)
	if not do_not_save:
		settlement.insert()
	return settlement


FOREIGN_COMPANY = "DR Postings CNY Co"


def make_foreign_currency_dealer(rate: float, **kwargs) -> frappe._dict:
	"""A CNY company (made once) and an Active dealer in it whose customer is billed in USD (a USD
	receivable account), with ``rate`` CNY per USD as today's selling rate. Returns the company's
	defaults plus ``dealer`` and ``usd_receivable``."""
	from dealer_relations.tests.utils import make_territory

	if not frappe.db.exists("Company", FOREIGN_COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": FOREIGN_COMPANY,
				"abbr": "DRCNY",
				"default_currency": "CNY",
				"country": frappe.db.get_value("Company", get_company(), "country"),
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	company = company_defaults(FOREIGN_COMPANY)
	usd_receivable = f"DR Debtors USD - {company.abbr}"
	if not frappe.db.exists("Account", usd_receivable):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "DR Debtors USD",
				"parent_account": frappe.db.get_value(
					"Account", company.default_receivable_account, "parent_account"
				),
				"company": company.name,
				"account_type": "Receivable",
				"account_currency": "USD",
				"is_group": 0,
			}
		).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Currency Exchange",
			"date": today(),
			"from_currency": "USD",
			"to_currency": "CNY",
			"exchange_rate": rate,
			"for_selling": 1,
			"for_buying": 1,
		}
	).insert(ignore_permissions=True, ignore_if_duplicate=True)
	frappe.db.set_value(
		"Currency Exchange",
		{"date": today(), "from_currency": "USD", "to_currency": "CNY"},
		"exchange_rate",
		rate,
	)
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": f"DR USD Dealer {frappe.generate_hash(length=6)}",
			"customer_type": "Company",
			"default_currency": "USD",
			"accounts": [{"company": company.name, "account": usd_receivable}],
		}
	).insert(ignore_permissions=True)
	make_territory("DR RB City")
	dealer = make_dealer(
		customer=customer.name, company=company.name, status="Active", territories=["DR RB City"], **kwargs
	)
	frappe.db.set_value("Dealer", dealer.name, "credit_limit", 1_000_000_000)
	return frappe._dict(company, dealer=dealer, usd_receivable=usd_receivable)


def make_usd_invoice(foreign: frappe._dict, lines, posting_date, rate: float):
	"""A submitted USD invoice of the foreign-currency dealer at ``rate`` CNY per USD."""
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": foreign.name,
			"customer": foreign.dealer.customer,
			"set_posting_time": 1,
			"posting_date": posting_date,
			"due_date": posting_date,
			"currency": "USD",
			"conversion_rate": rate,
			"debit_to": foreign.usd_receivable,
			"items": [
				{
					"item_code": code,
					"qty": qty,
					"rate": price,
					"income_account": foreign.default_income_account,
					"cost_center": foreign.cost_center,
				}
				for code, qty, price in lines
			],
		}
	)
	invoice.insert(ignore_permissions=True)
	invoice.submit()
	return invoice


def make_customer_credit(
	customer: str, amount: float, posting_date, debit_account: str, against_invoice: str | None = None
):
	"""A submitted Journal Entry crediting ``customer``'s receivable (a payment when
	``debit_account`` is cash, a rebate when it is an expense), optionally against an invoice."""
	company = company_defaults()
	party_row = {
		"account": company.default_receivable_account,
		"party_type": "Customer",
		"party": customer,
		"credit_in_account_currency": amount,
		"cost_center": company.cost_center,
	}
	if against_invoice:
		party_row.update(reference_type="Sales Invoice", reference_name=against_invoice)
	entry = frappe.get_doc(
		{
			"doctype": "Journal Entry",
			"voucher_type": "Journal Entry",
			"company": company.name,
			"posting_date": posting_date,
			"accounts": [
				{
					"account": debit_account,
					"debit_in_account_currency": amount,
					"cost_center": company.cost_center,
				},
				party_row,
			],
		}
	).insert(ignore_permissions=True)
	entry.submit()
	return entry


VAT_TITLE = "DR 增值税 13 %"


def make_vat_template(company: str | None = None) -> str:
	"""A 13 % VAT Sales Taxes and Charges Template (增值税 13 %, On Net Total) on an output VAT
	account (应交增值税（销项税额）, a Tax account), made once per company; returns its name."""
	company = company_defaults(company)
	name = frappe.db.get_value(
		"Sales Taxes and Charges Template", {"title": VAT_TITLE, "company": company.name}, "name"
	)
	if name:
		return name
	account = make_account("DR 应交增值税（销项税额）", "Liability", "Tax", company=company.name)
	return (
		frappe.get_doc(
			{
				"doctype": "Sales Taxes and Charges Template",
				"title": VAT_TITLE,
				"company": company.name,
				"taxes": [
					{
						"charge_type": "On Net Total",
						"account_head": account,
						"description": "增值税 13 %",
						"rate": 13,
						"cost_center": company.cost_center,
					}
				],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def apply_tax_template(doc, template: str):
	"""``doc`` (a draft Sales Order/Invoice) with ``template``'s rows, as the form fills them."""
	from erpnext.controllers.accounts_controller import get_taxes_and_charges

	doc.taxes_and_charges = template
	doc.set("taxes", [])
	for row in get_taxes_and_charges("Sales Taxes and Charges Template", template):
		doc.append("taxes", row)
	return doc
