import json

import frappe

from dealer_relations.db import insert_rows

OLD_CHILD = "Rebate Settlement Month"


def execute():
	"""A settlement's months moved from the child table Rebate Settlement Month into one JSON
	value on the settlement: copy every settlement's rows over, then drop the child doctype and
	its table (deleting a DocType leaves its table behind)."""
	copy_months()
	if frappe.db.exists("DocType", OLD_CHILD):
		frappe.delete_doc("DocType", OLD_CHILD, force=True, ignore_missing=True)
	frappe.db.sql_ddl(f"drop table if exists `tab{OLD_CHILD}`")


def copy_months() -> None:
	"""Each settlement's old month rows, in their order, as its monthly_volume JSON."""
	month = frappe.qb.DocType(OLD_CHILD)
	settlement = frappe.qb.DocType("Rebate Settlement")
	try:
		rows = (
			frappe.qb.from_(month)
			.join(settlement)
			.on(settlement.name == month.parent)
			.select(month.parent, month.month, month.volume, month.cumulative_volume)
			.where(month.parenttype == "Rebate Settlement")
			.orderby(month.parent)
			.orderby(month.idx)
			.run()
		)
	except Exception as error:
		if not frappe.db.is_table_missing(error):
			raise
		rows = ()  # a site that never had the child table
	if rows:
		by_settlement: dict[str, list[dict]] = {}
		for parent, month_name, volume, cumulative in rows:
			by_settlement.setdefault(parent, []).append(
				{
					"month": month_name,
					"volume": float(volume or 0),
					"cumulative_volume": float(cumulative or 0),
				}
			)
		insert_rows(
			"Rebate Settlement",
			["name", "monthly_volume"],
			[(name, json.dumps(months, separators=(",", ":"))) for name, months in by_settlement.items()],
			update=True,
		)
