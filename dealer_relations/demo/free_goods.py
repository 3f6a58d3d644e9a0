"""Demo free goods (货补): one dealer's rebate balance paid as seal kits, a stock item valued at the
company's 货补价格表 above its cost, ordered through Make Free Goods Order and half delivered, so
the Dealer Rebate Account shows a Used as Goods entry beside what the order still reserves."""

from __future__ import annotations

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

from dealer_relations.credit_check import DealerCreditError
from dealer_relations.demo.masters import DEMO_MARK
from dealer_relations.free_goods import make_free_goods_order
from dealer_relations.rebate_account import LEDGER
from dealer_relations.utils import get_company_settings

FREE_GOODS_MARK = "货补演示"
FREE_GOODS_ITEM = ("DR-SEAL-KIT", "水泵密封件套装", 80)  # code, name, cost per unit
FREE_GOODS_PRICE = 120  # per unit in the 货补价格表
FREE_GOODS_QTY, FREE_GOODS_DELIVERED = 10, 6
PRICE_LIST = "货补价格表"


def make_demo_free_goods(company: str) -> dict:
	"""Idempotent: a second run finds the marked order and makes nothing."""
	if not frappe.db.exists("Sales Order", {"po_no": FREE_GOODS_MARK, "docstatus": 1}):
		_free_goods_setup(company)
		_free_goods_order(company)
		frappe.db.commit()  # nosemgrep: demo data runs from `bench execute`
	return {
		"free_goods_orders": frappe.db.count("Sales Order", {"po_no": FREE_GOODS_MARK, "docstatus": 1}),
		"used_as_goods_entries": frappe.db.count(LEDGER, {"company": company, "entry_type": "Used as Goods"}),
	}


def _free_goods_setup(company: str) -> None:
	"""The stock item (received at its cost), the price list and the company's setting."""
	code, name, cost = FREE_GOODS_ITEM
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": name,
				"item_group": "经销产品",
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"valuation_rate": cost,
			}
		).insert(ignore_permissions=True)
	currency = frappe.get_cached_value("Company", company, "default_currency")
	if not frappe.db.exists("Price List", PRICE_LIST):
		frappe.get_doc(
			{"doctype": "Price List", "price_list_name": PRICE_LIST, "currency": currency, "selling": 1}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Item Price", {"price_list": PRICE_LIST, "item_code": code}):
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"price_list": PRICE_LIST,
				"item_code": code,
				"price_list_rate": FREE_GOODS_PRICE,
			}
		).insert(ignore_permissions=True)
	settings = frappe.get_single("Dealer Relations Settings")
	row = next((r for r in settings.company_settings if r.company == company), None)
	if row and not row.free_goods_price_list:
		row.free_goods_price_list = PRICE_LIST
		settings.save(ignore_permissions=True)
	warehouse = _warehouse(company)
	if not frappe.db.exists("Stock Ledger Entry", {"item_code": code, "company": company, "is_cancelled": 0}):
		entry = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": company,
				"remarks": DEMO_MARK,
				"items": [
					{"item_code": code, "qty": FREE_GOODS_QTY, "t_warehouse": warehouse, "basic_rate": cost}
				],
			}
		)
		entry.insert(ignore_permissions=True)
		entry.submit()


def _free_goods_order(company: str) -> None:
	"""The Active dealer with the most available balance that covers the goods and whose credit
	grade lets an order through without a Credit Controller (the next one otherwise): the order as
	Make Free Goods Order makes it (run as Administrator), submitted, then partly delivered."""
	value = FREE_GOODS_QTY * FREE_GOODS_PRICE
	if not get_company_settings(company).free_goods_price_list:
		return
	active = frappe.get_all("Dealer", filters={"company": company, "status": "Active"}, pluck="name")
	rows = frappe.get_all(
		LEDGER,
		filters={"company": company, "dealer": ("in", active or [""])},
		fields=["dealer", "sum(amount) as available"],
		group_by="dealer",
		order_by="available desc",
	)
	for draft in frappe.get_all(
		"Sales Order", filters={"po_no": FREE_GOODS_MARK, "docstatus": 0}, pluck="name"
	):
		frappe.delete_doc("Sales Order", draft, ignore_permissions=True)
	code = FREE_GOODS_ITEM[0]
	for row in rows:
		if row.available < value:
			break
		frappe.db.savepoint("demo_free_goods")
		try:
			name = make_free_goods_order(
				row.dealer,
				[{"item_code": code, "qty": FREE_GOODS_QTY, "warehouse": _warehouse(company)}],
				company,
			)
			order = frappe.get_doc("Sales Order", name)
			order.po_no = FREE_GOODS_MARK
			order.save(ignore_permissions=True)
			order.submit()
		except DealerCreditError:
			frappe.db.rollback(save_point="demo_free_goods")
			continue
		note = make_delivery_note(order.name)
		note.items[0].qty = FREE_GOODS_DELIVERED
		note.insert(ignore_permissions=True)
		note.submit()
		return


def _warehouse(company: str) -> str:
	return frappe.db.get_value("Warehouse", {"company": company, "is_group": 0}, "name", order_by="creation")
