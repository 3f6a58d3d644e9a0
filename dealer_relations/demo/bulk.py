"""Bulk demo data: thousands of dealers and hundreds of thousands of submitted invoice lines in
minutes, for benchmarks and for trying the app at a mid-size manufacturer's volume.

    bench --site SITE execute dealer_relations.demo.make_demo_data --kwargs "{'size': 200000}"
    bench --site SITE execute dealer_relations.demo.make_demo_data --kwargs "{'size': 1000000, 'dealers': 2000}"
    bench --site SITE execute dealer_relations.demo.bulk.clear_bulk_data

How: inside a savepoint that is rolled back, ERPNext itself creates one template of each voucher
the data needs (a dealer and its customer, a submitted Sales Invoice, a credit note against it, a
Payment Entry settling it) and the loader reads back every row those documents wrote (the
documents, their child tables, GL Entry, Payment Ledger Entry). It then writes copies of those rows
with multi-row INSERTs: names, parties, dates, quantities and amounts replaced, everything else as
ERPNext wrote it, so ERPNext's ledgers, reports and the app's queries read the bulk rows exactly as
they read real ones. Rows are generated and written a chunk at a time: memory stays flat whatever
the number of lines.

Visit logs are copied the same way. Diversion incidents and credit overrides, a few hundred, are
made with the app's own code (the workflow confirms incidents and posts their fines).

What the bulk rows lack (also in the README): no Version / Comment / activity log rows, no
Delivery Notes or stock ledger (items are non-stock), invoices not linked to Sales Orders; one
Payment Entry per invoice.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal

import frappe
from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return
from frappe import _
from frappe.model.workflow import apply_workflow
from frappe.query_builder.functions import Max
from frappe.utils import add_days, flt, getdate, money_in_words, today

from dealer_relations.db import insert_values
from dealer_relations.demo import masters
from dealer_relations.engine.territory import is_territory_authorised
from dealer_relations.utils import get_territory_tree
from dealer_relations.visits import refresh_dealer_visit_dates

BULK_MARK = "Dealer Relations bulk data"
# every bulk row's name starts with this, so the loader can tell its rows and clear them
PREFIX = "BULK"
# (qty, rate) of the template invoice line: unusual numbers, so every field of a row can be told
# apart by its value (a rate, an amount = qty x rate, a quantity, or something else)
TEMPLATE_QTY, TEMPLATE_RATE = 3, 137
RETURN_QTY = -1
# tier -> share of dealers (by size rank)
TIER_SHARES = (("A", 0.1), ("B", 0.3), ("C", 0.6))
# tier -> typical line quantity
TIER_QTY = {"A": 40, "B": 15, "C": 5}
# (habit, share of dealers, days paid after the due date (low, high), months at the end left unpaid)
PAYMENT_HABITS = tuple(
	(habit, share, days, unpaid) for habit, (share, days, unpaid) in masters.PAYMENT_HABITS.items()
)
BULK_ITEM_GROUPS = {"经销产品": 40, "配件": 10}
INSERT_ROWS = 1000


# -- entry point ---------------------------------------------------------------------------------


def make_bulk_data(
	dealers: int = 2000,
	lines: int = 200_000,
	company: str | None = None,
	months: int = 12,
	return_rate: float = 0.04,
	seed: int = 2026,
	chunk_invoices: int = 2000,
) -> dict:
	"""Load ``dealers`` dealers and about ``lines`` submitted Sales Invoice lines over the last
	``months`` months. Refuses when bulk data is already there (clear_bulk_data() removes it)."""
	started = time.monotonic()
	dealers, lines = int(dealers), int(lines)
	company = company or masters.default_company()
	if frappe.db.exists("Customer", {"customer_details": BULK_MARK}) or frappe.db.exists(
		"Sales Invoice", {"name": ("like", f"{PREFIX}%")}
	):
		frappe.throw(
			_("Bulk demo data is already loaded: run dealer_relations.demo.bulk.clear_bulk_data first."),
			title=_("Bulk Data Exists"),
		)
	frappe.flags.mute_emails = True
	rng = random.Random(int(seed))
	end = getdate(today())
	start = getdate(add_days(frappe.utils.add_months(end, -int(months)), 1))
	masters.ensure_fiscal_years(company, start, end)
	cities = masters.make_territories()
	reps = masters.make_users()
	masters.make_items()
	items = make_bulk_items()
	frappe.db.commit()  # nosemgrep: bulk loader runs from `bench execute`

	templates = capture_templates(company, items[0][0], start)
	loader = Loader(templates)
	profile = make_dealer_rows(loader, dealers, company, cities, reps, rng)
	frappe.db.commit()  # nosemgrep: see above

	counts = make_invoice_rows(
		loader, profile, items, lines, start, end, rng, float(return_rate), int(chunk_invoices)
	)
	frappe.db.commit()  # nosemgrep: see above
	counts["visits"] = make_visit_rows(loader, profile, start, end, rng)
	frappe.db.commit()  # nosemgrep: see above
	counts.update(make_incidents(profile, items, company, start, end, rng))
	counts.update(make_overrides(profile, company, start, end, rng))
	frappe.db.commit()  # nosemgrep: see above
	refresh_statistics(loader.written)
	counts["seconds"] = round(time.monotonic() - started, 1)
	counts["dealers"] = len(profile)
	counts["period"] = f"{start} .. {end}"
	return counts


def refresh_statistics(doctypes) -> None:
	"""ANALYZE the tables just filled: InnoDB re-samples its statistics only after a tenth of a
	table changed, and with stale ones the optimizer reads a dealer's invoices by scanning every
	invoice line instead of through the customer index."""
	for doctype in doctypes:
		frappe.db.sql(f"analyze table `tab{doctype}`")  # nosemgrep: our own table names


def clear_bulk_data() -> dict:
	"""Delete every bulk row: vouchers named BULK-..., the customers marked as bulk, their dealers
	and what the app derived from them (ratings, rebate settlements)."""
	counts = {}
	like = f"{PREFIX}-%"
	dealers = frappe.get_all("Customer", filters={"customer_details": BULK_MARK}, pluck="name")
	for doctype, column in (
		("Dealer Visit Log", "name"),
		("GL Entry", "voucher_no"),
		("Payment Ledger Entry", "voucher_no"),
		("Payment Entry Reference", "parent"),
		("Payment Entry", "name"),
		("Payment Schedule", "parent"),
		("Sales Taxes and Charges", "parent"),
		("Sales Invoice Item", "parent"),
		("Sales Invoice", "name"),
	):
		counts[doctype] = frappe.db.sql(f"delete from `tab{doctype}` where `{column}` like %s", like)
		frappe.db.commit()  # nosemgrep: bulk loader runs from `bench execute`
	incidents = frappe.get_all(
		"Diversion Incident", filters={"description": BULK_MARK}, fields=["name", "journal_entry"]
	)
	fines = [row.journal_entry for row in incidents if row.journal_entry]
	for doctype, column, names in (
		("GL Entry", "voucher_no", fines),
		("Payment Ledger Entry", "voucher_no", fines),
		("Journal Entry Account", "parent", fines),
		("Journal Entry", "name", fines),
		("Diversion Incident Item", "parent", [row.name for row in incidents]),
		("Diversion Incident", "name", [row.name for row in incidents]),
	):
		if names:
			frappe.db.delete(doctype, {column: ("in", names)})
	counts["Diversion Incident"] = len(incidents)
	for start in range(0, len(dealers), 1000):
		chunk = dealers[start : start + 1000]
		frappe.db.delete("Dealer Credit Override", {"dealer": ("in", chunk)})
		for parent, child in (
			("Dealer Credit Rating", "Dealer Credit Rating Factor"),
			("Rebate Settlement", "Rebate Settlement Slab"),
		):
			parents = frappe.get_all(parent, filters={"dealer": ("in", chunk)}, pluck="name")
			if parents:
				frappe.db.delete(child, {"parent": ("in", parents)})
		for doctype in ("Dealer Credit Rating", "Rebate Settlement"):
			frappe.db.delete(doctype, {"dealer": ("in", chunk)})
		for doctype in ("Dealer Territory", "Dealer Key Person"):
			frappe.db.delete(doctype, {"parent": ("in", chunk), "parenttype": "Dealer"})
		frappe.db.delete("Dealer", {"name": ("in", chunk)})
		frappe.db.delete("Customer", {"name": ("in", chunk)})
		frappe.db.commit()  # nosemgrep: see above
	counts["dealers"] = len(dealers)
	return counts


# -- masters ---------------------------------------------------------------------------------------


def make_bulk_items() -> list[tuple[str, float, str, str]]:
	"""Dozens of non-stock items in two groups (pumps and valves in the rebate's group, spare
	parts outside it), made as real documents: a few dozen, not thousands."""
	rng = random.Random(7)
	items = []
	for group, count in BULK_ITEM_GROUPS.items():
		if not frappe.db.exists("Item Group", group):
			root = frappe.db.get_value("Item Group", {"parent_item_group": ("in", ("", None))}, "name")
			frappe.get_doc(
				{"doctype": "Item Group", "item_group_name": group, "parent_item_group": root, "is_group": 0}
			).insert(ignore_permissions=True)
		for number in range(1, count + 1):
			code = f"DR-{'P' if group == '经销产品' else 'S'}{number:03d}"
			rate = rng.choice((38, 58, 120, 165, 380, 680, 890, 1180, 2450, 3650))
			if not frappe.db.exists("Item", code):
				frappe.get_doc(
					{
						"doctype": "Item",
						"item_code": code,
						"item_name": f"{group} {number:03d}",
						"item_group": group,
						"stock_uom": "Nos",
						"is_stock_item": 0,
						"standard_rate": rate,
					}
				).insert(ignore_permissions=True)
			else:
				rate = flt(frappe.db.get_value("Item", code, "standard_rate")) or rate
			items.append((code, rate, group, f"{group} {number:03d}"))
	return items


# -- templates: the rows ERPNext writes for one of each voucher ------------------------------------


def capture_templates(company: str, item_code: str, start) -> dict:
	"""Make one dealer, invoice, credit note and payment with ERPNext's own code, read every row
	they wrote, then roll them back. Returns {kind: {doctype: [row, ...]}} plus the dates used."""
	posting = getdate(start)
	dates = {
		"posting": posting,
		"due": getdate(add_days(posting, 30)),
		"return": getdate(add_days(posting, 5)),
		"paid": getdate(add_days(posting, 11)),
	}
	region = next(iter(masters.TERRITORY_TREE))
	province, cities = next(iter(masters.TERRITORY_TREE[region].items()))
	rep = f"{masters.REPS[region][0]}@{masters.EMAIL_DOMAIN}"
	frappe.db.savepoint("bulk_templates")
	try:
		name = f"{PREFIX}模板经销商"
		dealer = masters.make_dealer(name, company, "A", "Active", rep, province, cities[0])
		frappe.db.set_value("Dealer", dealer.name, {"credit_limit": 10**10, "credit_order_policy": "Allow"})
		defaults = masters.company_defaults(company)
		invoice = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": company,
				"customer": dealer.customer,
				"set_posting_time": 1,
				"posting_date": dates["posting"],
				"due_date": dates["due"],
				"currency": defaults.default_currency,
				"debit_to": defaults.default_receivable_account,
				"remarks": BULK_MARK,
				"items": [
					{
						"item_code": item_code,
						"qty": TEMPLATE_QTY,
						"rate": TEMPLATE_RATE,
						"income_account": defaults.default_income_account,
						"cost_center": defaults.cost_center,
					}
				],
			}
		)
		invoice.insert(ignore_permissions=True)
		invoice.submit()
		credit_note = make_sales_return(invoice.name)
		credit_note.set_posting_time = 1
		credit_note.posting_date = dates["return"]
		credit_note.remarks = BULK_MARK
		credit_note.items[0].qty = RETURN_QTY
		credit_note.insert(ignore_permissions=True)
		credit_note.submit()
		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.posting_date = dates["paid"]
		payment.reference_no = f"{PREFIX}-REF"
		payment.reference_date = dates["paid"]
		payment.custom_remarks = 1
		payment.remarks = BULK_MARK
		payment.insert(ignore_permissions=True)
		payment.submit()

		# the template dealer was signed before its history starts, as every bulk dealer is
		frappe.db.set_value(
			"Dealer", dealer.name, "creation", add_days(dates["posting"], -30), update_modified=False
		)
		visit = frappe.get_doc(
			{
				"doctype": "Dealer Visit Log",
				"dealer": dealer.name,
				"sales_rep": rep,
				"visit_date": datetime.datetime.combine(dates["posting"], datetime.time(10, 30)),
				"visit_type": "Routine",
				"purpose": "例行走访，了解库存与销售情况",
				"outcome": "补货意向明确",
				"stock_level": "Adequate",
				"display_quality": "Good",
			}
		).insert(ignore_permissions=True)

		templates = {
			"dates": dates,
			"visit": read_document("Dealer Visit Log", visit.name),
			"dealer": read_document("Dealer", dealer.name),
			"customer": read_document("Customer", dealer.customer),
			"invoice": read_voucher("Sales Invoice", invoice.name),
			"return": read_voucher("Sales Invoice", credit_note.name),
			"payment": read_voucher("Payment Entry", payment.name),
			"names": {
				"dealer": dealer.name,
				"customer": dealer.customer,
				"invoice": invoice.name,
				"return": credit_note.name,
				"payment": payment.name,
				"territory": frappe.db.get_value("Customer", dealer.customer, "territory"),
				"authorised": province,
				"rep": rep,
			},
		}
	finally:
		frappe.db.rollback(save_point="bulk_templates")
	return templates


def read_document(doctype: str, name: str) -> dict[str, list[dict]]:
	"""{doctype: rows} of a document and its child tables, as stored."""
	rows = {doctype: frappe.db.sql(f"select * from `tab{doctype}` where name = %s", name, as_dict=True)}
	for df in frappe.get_meta(doctype).get_table_fields():
		children = frappe.db.sql(
			f"select * from `tab{df.options}` where parent = %s and parenttype = %s and parentfield = %s order by idx",
			(name, doctype, df.fieldname),
			as_dict=True,
		)
		if children:
			rows.setdefault(df.options, []).extend(children)
	return rows


def read_voucher(doctype: str, name: str) -> dict[str, list[dict]]:
	"""The document's rows plus its GL Entry and Payment Ledger Entry rows."""
	rows = read_document(doctype, name)
	for ledger in ("GL Entry", "Payment Ledger Entry"):
		rows[ledger] = frappe.db.sql(
			f"select * from `tab{ledger}` where voucher_type = %s and voucher_no = %s order by creation, name",
			(doctype, name),
			as_dict=True,
		)
	return rows


# -- cloning rows ----------------------------------------------------------------------------------


def column_defaults(doctype: str) -> dict[str, object]:
	"""{column: default} of the table, to leave out values the database fills in anyway."""
	return {
		name: default
		for name, default in frappe.db.sql(
			"select column_name, column_default from information_schema.columns"
			" where table_schema = database() and table_name = %s",
			f"tab{doctype}",
		)
	}


def is_default(value, default) -> bool:
	if value is None:
		return default in (None, "NULL")
	if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
		try:
			return default not in (None, "NULL") and float(default) == float(value)
		except (TypeError, ValueError):
			return False
	return False


class RowTemplate:
	"""One stored row, compiled into a plan: for each column, keep the value, take it from the
	caller (``set``), replace it (names, parties, dates of the template in ``subst``) or scale it
	(amounts, rates, quantities: a column whose template value is the template's amount scales with
	the new amount, and so on)."""

	CONST, SET, SUBST, SCALE = range(4)

	def __init__(self, doctype: str, row: dict, set_columns: set[str], subst_keys: set, scales: dict):
		meta = frappe.get_meta(doctype)
		defaults = column_defaults(doctype)
		numeric = {
			df.fieldname
			for df in meta.fields
			if df.fieldtype in ("Currency", "Float") and df.fieldname not in set_columns
		}
		self.doctype = doctype
		self.columns, self.plan = [], []
		for column, value in row.items():
			if column not in defaults:
				continue
			if column in set_columns:
				self.columns.append(column)
				self.plan.append((self.SET, column))
				continue
			if is_default(value, defaults[column]) or column == "_seen":
				continue
			self.columns.append(column)
			if isinstance(value, str | datetime.date) and value in subst_keys:
				self.plan.append((self.SUBST, value))
			elif column in numeric and value:
				kind = scales.get(round(float(value), 6), scales.get(None))
				if kind:
					self.plan.append((self.SCALE, (kind, float(value))))
				else:
					self.plan.append((self.CONST, value))
			else:
				self.plan.append((self.CONST, value))

	def values(self, values: dict, subst: dict, targets: dict) -> tuple:
		"""The row for one copy: ``targets`` {kind: (template value, new value)}."""
		out = []
		for mode, arg in self.plan:
			if mode == self.CONST:
				out.append(arg)
			elif mode == self.SET:
				out.append(values[arg])
			elif mode == self.SUBST:
				out.append(subst[arg])
			else:
				kind, value = arg
				base, new = targets[kind]
				out.append(round(value / base * new, 2) if base else value)
		return tuple(out)


class Loader:
	"""Buffers copied rows per table and writes them with multi-row INSERTs."""

	def __init__(self, templates: dict):
		self.templates = templates
		self.buffers: dict[str, list[tuple]] = {}
		self.columns: dict[str, list[str]] = {}
		self.written: dict[str, int] = {}
		self.compiled: dict[tuple, RowTemplate] = {}

	def template(self, key: tuple, doctype: str, row: dict, set_columns, subst_keys, scales) -> RowTemplate:
		if key not in self.compiled:
			self.compiled[key] = RowTemplate(doctype, row, set(set_columns), set(subst_keys), scales)
		return self.compiled[key]

	def add(self, template: RowTemplate, values: dict, subst: dict, targets: dict) -> None:
		key = f"{template.doctype}|{','.join(template.columns)}"
		self.columns[key] = template.columns
		buffer = self.buffers.setdefault(key, [])
		buffer.append(template.values(values, subst, targets))
		if len(buffer) >= INSERT_ROWS:
			self.flush(key)

	def flush(self, key: str | None = None) -> None:
		for name in [key] if key else list(self.buffers):
			rows = self.buffers.get(name)
			if not rows:
				continue
			doctype = name.split("|", 1)[0]
			insert_values(doctype, self.columns[name], rows, chunk_size=len(rows))
			self.written[doctype] = self.written.get(doctype, 0) + len(rows)
			rows.clear()


# -- dealers ---------------------------------------------------------------------------------------


def make_dealer_rows(loader: Loader, count: int, company: str, cities, reps, rng) -> list[frappe._dict]:
	"""``count`` dealers (and their customers) ranked by size: the first tenth are A dealers with
	most of the volume, then B, then C. Returns their profiles, biggest first."""
	templates, _names = loader.templates, loader.templates["names"]
	territories = {
		row.name: row for row in frappe.get_all("Territory", fields=["name", "is_group", "parent_territory"])
	}
	city_region = {
		city: (region, province)
		for region, provinces in masters.TERRITORY_TREE.items()
		for province, province_cities in provinces.items()
		for city in province_cities
	}
	customer_t = loader.template(
		("customer",),
		"Customer",
		templates["customer"]["Customer"][0],
		("name", "customer_name", "creation", "modified", "territory", "dealer", "customer_details"),
		(),
		{},
	)
	dealer_t = loader.template(
		("dealer",),
		"Dealer",
		templates["dealer"]["Dealer"][0],
		(
			"name",
			"customer",
			"dealer_name",
			"creation",
			"modified",
			"tier",
			"status",
			"sales_rep",
			"credit_limit",
			"credit_order_policy",
			"next_visit_due",
			"business_type",
		),
		(),
		{},
	)
	child_templates = [
		loader.template(
			("dealer", doctype),
			doctype,
			templates["dealer"][doctype][0],
			(
				"name",
				"parent",
				"creation",
				"modified",
				"territory",
				"is_group",
				"parent_territory",
				"person_name",
			),
			(),
			{},
		)
		for doctype in ("Dealer Territory", "Dealer Key Person")
		if templates["dealer"].get(doctype)
	]
	existing = set(frappe.get_all("Customer", pluck="name"))
	weights = [1 / (rank + 1) ** 0.8 for rank in range(count)]
	total_weight = sum(weights)
	profiles = []
	for rank in range(count):
		city = rng.choice(cities)
		region, province = city_region[city]
		share = (rank + 0.5) / count
		tier = next((t for t, cumulative in _cumulative(TIER_SHARES) if share <= cumulative), "C")
		name = (
			f"{city}{masters.NAME_PARTS[rank % len(masters.NAME_PARTS)]}{rank + 1:04d}"
			f"{masters.BUSINESS[rank % len(masters.BUSINESS)]}"
		)
		if name in existing:
			continue
		signed = datetime.datetime.combine(
			getdate(add_days(today(), -rng.randint(400, 2500))), datetime.time(9, rng.randint(0, 59))
		)
		authorised = province if tier == "A" else city
		rep = reps[region]
		loader.add(
			customer_t,
			{
				"name": name,
				"customer_name": name,
				"creation": signed,
				"modified": signed,
				"territory": city,
				"dealer": name,
				"customer_details": BULK_MARK,
			},
			{},
			{},
		)
		loader.add(
			dealer_t,
			{
				"name": name,
				"customer": name,
				"dealer_name": name,
				"creation": signed,
				"modified": signed,
				"tier": tier,
				"status": "Suspended" if rank % 50 == 49 else "Active",
				"sales_rep": rep,
				"credit_limit": 0,
				"credit_order_policy": None,
				"next_visit_due": None,
				"business_type": "Distributor" if tier == "A" else "Wholesaler",
			},
			{},
			{},
		)
		for template in child_templates:
			loader.add(
				template,
				{
					"name": f"{PREFIX}-{template.doctype[7:9]}{rank:06d}",
					"parent": name,
					"creation": signed,
					"modified": signed,
					"territory": authorised,
					"is_group": territories[authorised].is_group,
					"parent_territory": territories[authorised].parent_territory,
					"person_name": f"{name[len(city) : len(city) + 2]}总",
				},
				{},
				{},
			)
		profiles.append(
			frappe._dict(
				name=name,
				customer=name,
				city=city,
				tier=tier,
				rep=rep,
				share=weights[rank] / total_weight,
				habit=_pick_habit(rng),
			)
		)
	loader.flush()
	return profiles


def _cumulative(shares):
	total = 0.0
	for key, share in shares:
		total += share
		yield key, total


def _pick_habit(rng):
	pick = rng.random()
	for habit, cumulative in _cumulative([(h, share) for h, share, _days, _unpaid in PAYMENT_HABITS]):
		if pick <= cumulative:
			return next(h for h in PAYMENT_HABITS if h[0] == habit)
	return PAYMENT_HABITS[0]


# -- invoices, credit notes, payments ----------------------------------------------------------------


def make_invoice_rows(loader, profiles, items, lines, start, end, rng, return_rate, chunk_invoices) -> dict:
	"""For each dealer its share of ``lines`` invoice lines over the period, with credit notes and
	payments in the dealer's habit; rows are written and committed a chunk at a time."""
	templates, names = loader.templates, loader.templates["names"]
	dates = templates["dates"]
	line_rows = templates["invoice"]["Sales Invoice Item"]
	templates["return"]["Sales Invoice Item"]
	template_line = line_rows[0].name
	subst_keys = {
		names["customer"],
		names["invoice"],
		names["return"],
		names["payment"],
		names["territory"],
		template_line,
		*dates.values(),
	}
	amount = TEMPLATE_QTY * TEMPLATE_RATE
	header_scales = {float(amount): "amount", float(-amount): "amount", float(TEMPLATE_QTY): "qty"}
	line_scales = {float(TEMPLATE_RATE): "rate", float(amount): "amount", float(TEMPLATE_QTY): "qty"}
	return_scales = {
		float(TEMPLATE_RATE): "amount",
		float(-TEMPLATE_RATE): "amount",
		float(RETURN_QTY): "qty",
	}
	return_line_scales = {
		float(TEMPLATE_RATE): "rate",
		float(-TEMPLATE_RATE): "amount",
		float(RETURN_QTY): "qty",
	}
	common = ("name", "creation", "modified")
	header_sets = (*common, "outstanding_amount", "status", "in_words", "base_in_words")
	line_sets = (*common, "idx", "item_code", "item_name", "description", "item_group")
	ledger_sets = (*common, "fiscal_year")
	payment_sets = (*common, "reference_no", "in_words", "base_in_words")

	def compile_voucher(kind, scales, lines_scales):
		compiled = {}
		for doctype, rows in templates[kind].items():
			if doctype == "Sales Invoice Item":
				compiled[doctype] = [
					loader.template((kind, doctype, 0), doctype, rows[0], line_sets, subst_keys, lines_scales)
				]
				continue
			sets = {
				"Sales Invoice": header_sets,
				"Payment Entry": payment_sets,
				"GL Entry": ledger_sets,
			}.get(doctype, common)
			compiled[doctype] = [
				loader.template((kind, doctype, i), doctype, row, sets, subst_keys, scales)
				for i, row in enumerate(rows)
			]
		return compiled

	invoice_t = compile_voucher("invoice", header_scales, line_scales)
	return_t = compile_voucher("return", return_scales, return_line_scales)
	payment_t = compile_voucher("payment", header_scales, line_scales)
	fiscal_years = frappe.get_all(
		"Fiscal Year", fields=["name", "year_start_date", "year_end_date"], order_by="year_start_date"
	)

	def fiscal_year(day):
		return next(
			(fy.name for fy in fiscal_years if fy.year_start_date <= day <= fy.year_end_date),
			str(day.year),
		)

	item_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(items))]
	days = (getdate(end) - getdate(start)).days
	counts = {"invoices": 0, "lines": 0, "returns": 0, "payments": 0, "open_invoices": 0}
	sequence = {"invoice": 0, "return": 0, "payment": 0, "row": 0}
	ticks = {"since_commit": 0}
	currency_words = {}
	end = getdate(end)
	today_date = getdate(today())

	def next_name(kind, label):
		sequence[kind] += 1
		return f"{PREFIX}-{label}-{sequence[kind]:07d}"

	def row_name():
		sequence["row"] += 1
		return f"{PREFIX}-{sequence['row']:09d}"

	def words(value):
		if value not in currency_words:
			if len(currency_words) > 50_000:
				currency_words.clear()
			currency_words[value] = money_in_words(value, "CNY")
		return currency_words[value]

	def write(compiled, doctype, values, subst, targets):
		for template in compiled.get(doctype, []):
			loader.add(template, {**values, "name": row_name()}, subst, targets)

	lines_left = lines
	for position, dealer in enumerate(profiles):
		dealer_lines = (
			max(2, round(lines * dealer.share)) if position < len(profiles) - 1 else max(2, lines_left)
		)
		lines_left -= dealer_lines
		per_invoice = {"A": (2, 12), "B": (1, 8), "C": (1, 4)}[dealer.tier]
		typical = TIER_QTY[dealer.tier]
		_habit, _share, (early, late), unpaid_months = dealer.habit
		unpaid_from = getdate(frappe.utils.add_months(end, -unpaid_months)) if unpaid_months else None
		made = 0
		while made < dealer_lines:
			count = min(rng.randint(*per_invoice), dealer_lines - made)
			made += count
			posting = getdate(add_days(start, rng.randint(0, days)))
			due = getdate(add_days(posting, 30))
			stamp = datetime.datetime.combine(posting, datetime.time(rng.randint(8, 18), rng.randint(0, 59)))
			invoice = next_name("invoice", "SINV")
			chosen = rng.choices(items, weights=item_weights, k=count)
			line_values = []
			for idx, (code, rate, group, item_name) in enumerate(chosen, 1):
				qty = max(1, int(rng.gauss(typical, typical / 3)))
				line_values.append((idx, code, rate, group, item_name, qty, qty * rate))
			total = float(sum(v[6] for v in line_values))
			total_qty = float(sum(v[5] for v in line_values))
			first_line = row_name()
			returned = rng.random() < return_rate
			return_date = getdate(add_days(posting, rng.randint(3, 20))) if returned else None
			if return_date and return_date > today_date:
				return_date = today_date
			paid_on = getdate(add_days(due, rng.randint(early, late)))
			paid_on = max(paid_on, posting, return_date or posting)
			paid = paid_on <= end and not (unpaid_from and posting > unpaid_from)
			subst = {
				names["customer"]: dealer.customer,
				names["invoice"]: invoice,
				names["territory"]: dealer.city,
				template_line: first_line,
				dates["posting"]: posting,
				dates["due"]: due,
				dates["return"]: return_date or posting,
				dates["paid"]: paid_on,
			}
			outstanding = 0.0 if paid else total
			status = (
				("Overdue" if due < today_date else "Unpaid")
				if outstanding
				else ("Credit Note Issued" if returned else "Paid")
			)
			targets = {"amount": (float(amount), total), "qty": (float(TEMPLATE_QTY), total_qty)}
			common_values = {"creation": stamp, "modified": stamp, "fiscal_year": fiscal_year(posting)}
			loader.add(
				invoice_t["Sales Invoice"][0],
				{
					**common_values,
					"name": invoice,
					"outstanding_amount": outstanding,
					"status": status,
					"in_words": words(total),
					"base_in_words": words(total),
				},
				subst,
				targets,
			)
			for idx, code, rate, group, item_name, qty, line_amount in line_values:
				loader.add(
					invoice_t["Sales Invoice Item"][0],
					{
						**common_values,
						"name": first_line if idx == 1 else row_name(),
						"idx": idx,
						"item_code": code,
						"item_name": item_name,
						"description": item_name,
						"item_group": group,
					},
					subst,
					{
						"rate": (float(TEMPLATE_RATE), float(rate)),
						"amount": (float(amount), float(line_amount)),
						"qty": (float(TEMPLATE_QTY), float(qty)),
					},
				)
			for doctype in invoice_t:
				if doctype not in ("Sales Invoice", "Sales Invoice Item"):
					write(invoice_t, doctype, common_values, subst, targets)
			counts["invoices"] += 1
			counts["lines"] += count
			if not paid:
				counts["open_invoices"] += 1

			if returned:
				_idx, code, rate, group, item_name, qty, _amount = line_values[0]
				back = -max(1, qty // 4)
				credit = float(back * rate)
				return_stamp = datetime.datetime.combine(return_date, stamp.time())
				return_values = {
					"creation": return_stamp,
					"modified": return_stamp,
					"fiscal_year": fiscal_year(return_date),
				}
				return_subst = {**subst, names["return"]: next_name("return", "SRET")}
				return_targets = {
					"amount": (float(-TEMPLATE_RATE), credit),
					"qty": (float(RETURN_QTY), float(back)),
				}
				loader.add(
					return_t["Sales Invoice"][0],
					{
						**return_values,
						"name": return_subst[names["return"]],
						"outstanding_amount": credit,
						"status": "Return",
						"in_words": words(-credit),
						"base_in_words": words(-credit),
					},
					return_subst,
					return_targets,
				)
				loader.add(
					return_t["Sales Invoice Item"][0],
					{
						**return_values,
						"name": row_name(),
						"idx": 1,
						"item_code": code,
						"item_name": item_name,
						"description": item_name,
						"item_group": group,
					},
					return_subst,
					{
						"rate": (float(TEMPLATE_RATE), float(rate)),
						"amount": (float(-TEMPLATE_RATE), credit),
						"qty": (float(RETURN_QTY), float(back)),
					},
				)
				for doctype in return_t:
					if doctype not in ("Sales Invoice", "Sales Invoice Item"):
						write(return_t, doctype, return_values, return_subst, return_targets)
				counts["returns"] += 1

			if paid:
				paid_stamp = datetime.datetime.combine(paid_on, stamp.time())
				payment = next_name("payment", "PAY")
				payment_subst = {**subst, names["payment"]: payment}
				payment_values = {
					"creation": paid_stamp,
					"modified": paid_stamp,
					"fiscal_year": fiscal_year(paid_on),
				}
				loader.add(
					payment_t["Payment Entry"][0],
					{
						**payment_values,
						"name": payment,
						"reference_no": payment,
						"in_words": words(total),
						"base_in_words": words(total),
					},
					payment_subst,
					targets,
				)
				for doctype in payment_t:
					if doctype != "Payment Entry":
						write(payment_t, doctype, payment_values, payment_subst, targets)
				counts["payments"] += 1

			ticks["since_commit"] += count
			if ticks["since_commit"] >= chunk_invoices * 5:
				loader.flush()
				frappe.db.commit()  # nosemgrep: bulk loader runs from `bench execute`
				ticks["since_commit"] = 0
		if lines_left <= 0 and position < len(profiles) - 1:
			lines_left = 0
	loader.flush()
	counts["rows"] = dict(loader.written)
	return counts


# -- incidents and overrides -------------------------------------------------------------------------

# share of dealers with diversion incidents in the year, and with credit overrides
INCIDENT_DEALERS, OVERRIDE_DEALERS = 0.04, 0.05


def make_incidents(profiles, items, company: str, start, end, rng) -> dict:
	"""A year's diversion incidents of a channel this size, made with the app's own code: field
	reports for a few dealers, most confirmed through the workflow, so fines post and forfeits count
	against rebates and credit. Hundreds of documents, not thousands."""
	masters.make_diversion_settings(company)
	tree = get_territory_tree()
	cities = [city for provinces in masters.TERRITORY_TREE.values() for c in provinces.values() for city in c]
	territory = frappe.qb.DocType("Dealer Territory")
	authorised: dict[str, list[str]] = {}
	for parent, name in (
		frappe.qb.from_(territory)
		.select(territory.parent, territory.territory)
		.where(territory.parenttype == "Dealer")
		.where(territory.parent.isin([p.name for p in profiles]))
		.run()
	):
		authorised.setdefault(parent, []).append(name)
	days = (getdate(end) - getdate(start)).days
	incidents = confirmed = 0
	for dealer in rng.sample(profiles, max(1, int(len(profiles) * INCIDENT_DEALERS))):
		elsewhere = [
			c for c in cities if not is_territory_authorised(c, authorised.get(dealer.name, []), tree)
		]
		offsets = sorted(rng.sample(range(days), rng.choice((1, 1, 1, 2, 2, 3))))
		for offset in offsets:
			item_code, rate, *_rest = rng.choice(items)
			city = rng.choice(elsewhere)
			incident = frappe.get_doc(
				{
					"doctype": "Diversion Incident",
					"source": "Field Report",
					"company": company,
					"dealer": dealer.name,
					"incident_date": add_days(start, offset),
					"found_territory": city,
					"found_location": f"{city}建材市场",
					"description": BULK_MARK,
					"items": [{"item_code": item_code, "qty": rng.randint(5, 60), "rate": rate}],
				}
			).insert(ignore_permissions=True)
			incidents += 1
			if rng.random() < 0.8:
				apply_workflow(apply_workflow(incident, "Submit for Review"), "Confirm")
				confirmed += 1
	return {"diversion_incidents": incidents, "confirmed_incidents": confirmed}


def make_overrides(profiles, company: str, start, end, rng) -> dict:
	"""A year's credit overrides: a Credit Controller letting late payers' invoices through, with
	the audit record the credit check writes."""
	days = (getdate(end) - getdate(start)).days
	invoice = frappe.qb.DocType("Sales Invoice")
	late = [p for p in profiles if p.habit[0] in ("late", "defaulting")]
	chosen = rng.sample(late, min(len(late), max(1, int(len(profiles) * OVERRIDE_DEALERS))))
	latest = dict(
		frappe.qb.from_(invoice)
		.select(invoice.customer, Max(invoice.name))
		.where(invoice.customer.isin([p.customer for p in chosen] or [""]))
		.where(invoice.docstatus == 1)
		.where(invoice.is_return == 0)
		.groupby(invoice.customer)
		.run()
	)
	controller = f"{masters.STAFF[2][0]}@{masters.EMAIL_DOMAIN}"
	limits = dict(
		frappe.get_all(
			"Dealer",
			filters={"name": ("in", [p.name for p in chosen] or [""])},
			fields=["name", "credit_limit"],
			as_list=True,
		)
	)
	overrides = 0
	for dealer in chosen:
		if dealer.customer not in latest:
			continue
		for _n in range(rng.choice((1, 1, 2, 3))):
			limit = flt(limits.get(dealer.name)) or 200_000
			outstanding = round(limit * rng.uniform(0.8, 1.1), 2)
			amount = round(rng.uniform(5_000, 60_000), 2)
			shortfall = max(0.0, round(outstanding + amount - limit, 2))
			record = frappe.get_doc(
				{
					"doctype": "Dealer Credit Override",
					"dealer": dealer.name,
					"dealer_name": dealer.name,
					"company": company,
					"reference_doctype": "Sales Invoice",
					"reference_name": latest[dealer.customer],
					"overridden_by": controller,
					"overridden_on": datetime.datetime.combine(
						getdate(add_days(start, rng.randrange(days))), datetime.time(rng.randint(9, 17), 0)
					),
					"block_reason": "Over Credit Limit",
					"override_reason": rng.choice(
						("老客户，月底前回款已承诺", "旺季备货，总经理批准", "已收到银行承兑汇票")
					),
					"credit_limit": limit,
					"exposure": outstanding + amount,
					"shortfall": shortfall,
					"outstanding": outstanding,
					"document_amount": amount,
				}
			)
			record.flags.from_credit_check = True
			record.insert(ignore_permissions=True)
			overrides += 1
	return {"credit_overrides": overrides}


# -- visits ----------------------------------------------------------------------------------------


def make_visit_rows(loader, profiles, start, end, rng) -> int:
	"""A year of visit logs per dealer in the reps' habits (A dealers often, C dealers rarely),
	then each dealer's last visit and next due date recomputed from them as a visit would."""
	rows = loader.templates["visit"]["Dealer Visit Log"]
	visit_t = loader.template(
		("visit",),
		"Dealer Visit Log",
		rows[0],
		(
			"name",
			"creation",
			"modified",
			"visit_date",
			"visit_type",
			"outcome",
			"tier",
			"stock_level",
			"dealer",
			"dealer_name",
			"sales_rep",
		),
		(),
		{},
	)
	made = 0
	outcomes = ("补货意向明确", "提出价格支持需求", "陈列需改进", "回款计划已确认", "反馈竞品降价")
	for dealer in profiles:
		mean, spread = masters.VISIT_HABIT.get(dealer.tier, masters.VISIT_HABIT["C"])
		day = getdate(start)
		subst = {}
		while True:
			day = getdate(add_days(day, max(1, int(rng.gauss(mean, spread)))))
			if day >= getdate(end):
				break
			made += 1
			stamp = datetime.datetime.combine(
				day, datetime.time(rng.randint(9, 17), rng.choice((0, 15, 30, 45)))
			)
			loader.add(
				visit_t,
				{
					"name": f"{PREFIX}-DVL-{made:07d}",
					"creation": stamp,
					"modified": stamp,
					"visit_date": stamp,
					"visit_type": rng.choice(masters.VISIT_TYPES),
					"outcome": rng.choice(outcomes),
					"tier": dealer.tier,
					"stock_level": rng.choice(("Adequate", "Adequate", "Low", "Overstocked")),
					"dealer": dealer.name,
					"dealer_name": dealer.name,
					"sales_rep": dealer.rep,
				},
				subst,
				{},
			)
	loader.flush()
	names_ = [dealer.name for dealer in profiles]
	for chunk_start in range(0, len(names_), 1000):
		refresh_dealer_visit_dates(names_[chunk_start : chunk_start + 1000])
	return made
