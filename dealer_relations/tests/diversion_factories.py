"""Factories for the diversion integration tests: a small territory tree, serial and batch items
in stock, addresses with territories, deliveries, field reports and the penalty settings."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, today

from dealer_relations.tests.rebate_factories import company_defaults, make_account
from dealer_relations.tests.utils import get_company, make_dealer, make_item, make_territory, make_user

# DR DV China (group) -> DR DV East (group) -> DR DV Nanjing, DR DV Suzhou; DR DV China -> DR DV South
CHINA, EAST, NANJING, SUZHOU, SOUTH = (
	"DR DV China",
	"DR DV East",
	"DR DV Nanjing",
	"DR DV Suzhou",
	"DR DV South",
)
SERIAL_ITEM, BATCH_ITEM, PLAIN_ITEM = "DR-DV-SERIAL", "DR-DV-BATCH", "DR-DV-PLAIN"
MANAGER = "dr-dv-manager@example.com"
REP = "dr-dv-rep@example.com"
OTHER_REP = "dr-dv-other-rep@example.com"


def make_territories() -> None:
	make_territory(CHINA, is_group=1)
	make_territory(EAST, parent=CHINA, is_group=1)
	make_territory(NANJING, parent=EAST)
	make_territory(SUZHOU, parent=EAST)
	make_territory(SOUTH, parent=CHINA)


def make_users() -> None:
	make_user(MANAGER, ["Dealer Manager", "Sales Manager", "Sales User"])
	make_user(REP, ["Dealer Sales Rep", "Sales User"])
	make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])


def make_items() -> None:
	for code, serial, batch in ((SERIAL_ITEM, 1, 0), (BATCH_ITEM, 0, 1), (PLAIN_ITEM, 0, 0)):
		make_item(code, is_stock_item=1, has_serial_no=serial, has_batch_no=batch, valuation_rate=100)


def warehouse(company: str | None = None) -> str:
	company = company or get_company()
	return frappe.db.get_value("Warehouse", {"company": company, "is_group": 0}, "name", order_by="creation")


def receive(item_code: str, qty: int, serial_no: str | None = None, batch_no: str | None = None) -> None:
	"""Put goods into stock (a Material Receipt) so they can be delivered."""
	if batch_no and not frappe.db.exists("Batch", batch_no):
		frappe.get_doc({"doctype": "Batch", "batch_id": batch_no, "item": item_code}).insert(
			ignore_permissions=True
		)
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": get_company(),
			"items": [
				{
					"item_code": item_code,
					"qty": qty,
					"t_warehouse": warehouse(),
					"basic_rate": 100,
					"use_serial_batch_fields": 1 if (serial_no or batch_no) else 0,
					"serial_no": serial_no,
					"batch_no": batch_no,
				}
			],
		}
	)
	entry.insert(ignore_permissions=True)
	entry.submit()


def make_address(customer: str, territory: str | None = None, city: str = "Somewhere", **kwargs) -> str:
	address = frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": customer,
			"address_type": "Shipping",
			"address_line1": "1 Test Road",
			"city": city,
			"country": kwargs.pop("country", None)
			or frappe.db.get_value("Company", get_company(), "country"),
			"territory": territory,
			"links": [{"link_doctype": "Customer", "link_name": customer}],
			**kwargs,
		}
	)
	address.insert(ignore_permissions=True)
	return address.name


def make_diversion_dealer(territories=(NANJING,), **kwargs):
	"""An Active dealer authorised in ``territories``, with room under the credit check."""
	make_territories()
	dealer = make_dealer(status="Active", territories=list(territories), **kwargs)
	frappe.db.set_value("Dealer", dealer.name, "credit_limit", 1_000_000_000)
	return dealer


def deliver(
	customer: str,
	lines,
	address: str | None = None,
	doctype: str = "Delivery Note",
	submit: bool = True,
	posting_date=None,
):
	"""``lines`` = [(item_code, qty, rate, serial_no or None, batch_no or None)]."""
	company = company_defaults()
	values = {
		"doctype": doctype,
		"company": company.name,
		"customer": customer,
		"set_posting_time": 1,
		"posting_date": posting_date or today(),
		"currency": company.default_currency,
		"shipping_address_name": address,
		"items": [
			{
				"item_code": code,
				"qty": qty,
				"rate": rate,
				"warehouse": warehouse(),
				"cost_center": company.cost_center,
				"use_serial_batch_fields": 1 if (serial_no or batch_no) else 0,
				"serial_no": serial_no,
				"batch_no": batch_no,
				"allow_zero_valuation_rate": 1,
			}
			for code, qty, rate, serial_no, batch_no in lines
		],
	}
	if doctype == "Sales Invoice":
		values.update(
			update_stock=1,
			debit_to=company.default_receivable_account,
			due_date=posting_date or today(),
		)
		for row in values["items"]:
			row["income_account"] = company.default_income_account
	document = frappe.get_doc(values)
	document.insert(ignore_permissions=True)
	if submit:
		document.submit()
	return document


def set_diversion_settings(company: str | None = None, **values) -> None:
	company = company or get_company()
	settings = frappe.get_single("Dealer Relations Settings")
	row = next((r for r in settings.company_settings if r.company == company), None)
	if row is None:
		row = settings.append("company_settings", {"company": company})
	row.update(values)
	settings.save(ignore_permissions=True)


def penalty_account() -> str:
	return make_account("DR Diversion Penalties", "Income", "Income Account")


def field_report(lines, found_territory: str = SOUTH, dealer: str | None = None, do_not_save=False, **kwargs):
	"""``lines`` = [(item_code, qty, rate, serial_no or None, batch_no or None)]."""
	incident = frappe.get_doc(
		{
			"doctype": "Diversion Incident",
			"source": "Field Report",
			"company": get_company(),
			"incident_date": kwargs.pop("incident_date", None) or today(),
			"found_territory": found_territory,
			"found_location": "Market stall",
			"dealer": dealer,
			"items": [
				{"item_code": code, "qty": qty, "rate": rate, "serial_no": serial_no, "batch_no": batch_no}
				for code, qty, rate, serial_no, batch_no in lines
			],
			**kwargs,
		}
	)
	if not do_not_save:
		incident.insert()
	return incident


def incident_for(dealer: str, value: float = 10_000, days_ago: int = 0, submit: bool = True, **kwargs):
	"""A reported incident for ``dealer`` (chosen directly: no numbers to trace), optionally
	confirmed as a Dealer Manager would, through the workflow."""
	incident = field_report(
		[(PLAIN_ITEM, 1, value, None, None)],
		dealer=dealer,
		incident_date=add_days(today(), -days_ago),
		**kwargs,
	)
	if submit:
		confirm(incident)
	return frappe.get_doc("Diversion Incident", incident.name)


def confirm(incident):
	from frappe.model.workflow import apply_workflow

	incident = apply_workflow(incident, "Submit for Review")
	return apply_workflow(incident, "Confirm")
