"""Demo documents on the demo masters: visits in each rep's habits, invoices, credit notes and
payments in each dealer's habits (an invoice the credit check refuses stays a draft), ratings, a
year-end rebate policy with its settlements, diversion incidents with a fine posted, and two
dealers' portal users who answered last month's statement.

Idempotent: a dealer that already has demo visits or invoices gets no more."""

from __future__ import annotations

import random

import frappe
from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return
from erpnext.controllers.accounts_controller import get_taxes_and_charges
from frappe.model.workflow import apply_workflow
from frappe.query_builder.functions import Sum
from frappe.utils import add_days, add_months, flt, get_datetime, get_first_day, getdate, today

from dealer_relations.accruals import accrue
from dealer_relations.credit import run_rating
from dealer_relations.credit_check import DealerCreditError
from dealer_relations.demo.masters import (
	BUSINESS,
	DEMO_MARK,
	EMAIL_DOMAIN,
	NAME_PARTS,
	PAYMENT_HABITS,
	PORTAL_USERS,
	STAFF,
	TERRITORY_TREE,
	TIER_PROFILE,
	VISIT_HABIT,
	VISIT_TYPES,
	company_defaults,
	default_company,
	ensure_fiscal_years,
	make_accrual_settings,
	make_dealer,
	make_diversion_settings,
	make_items,
	make_rebate_account_settings,
	make_rebate_settings,
	make_territories,
	make_users,
	make_vat_template,
)
from dealer_relations.demo.targets import make_demo_target_policy
from dealer_relations.engine.accruals import last_ended_month, month_end
from dealer_relations.engine.statement import CONFIRMED, DISPUTED, month_of
from dealer_relations.engine.territory import is_territory_authorised
from dealer_relations.portal import invite_portal_user
from dealer_relations.rebate_account import LEDGER, get_applicable_deduction
from dealer_relations.rebates import run_year_end
from dealer_relations.statement import confirmation_of, respond_to_statement
from dealer_relations.utils import get_company_settings, get_territory_tree


def make_demo_documents(
	dealers: int, months: int, company: str | None, return_rate: float, seed: int
) -> dict:
	"""Create (or complete) the demo dataset and return counts of what exists afterwards."""
	rng = random.Random(int(seed))
	company = company or default_company()
	frappe.flags.mute_emails = True

	cities = make_territories()
	reps = make_users()
	items = make_items()
	end = getdate(today())
	start = get_first_day(add_months(end, -(months - 1)))
	ensure_fiscal_years(company, start, end)

	regions = list(TERRITORY_TREE)
	made = []
	for index in range(dealers):
		region = regions[index % len(regions)]
		province, city = _pick_city(region, index, rng)
		tier = _tier_for(index, dealers)
		name = f"{city}{NAME_PARTS[index % len(NAME_PARTS)]}{BUSINESS[index % len(BUSINESS)]}"
		if index >= len(NAME_PARTS):
			name = f"{city}{NAME_PARTS[index % len(NAME_PARTS)]}{index}{BUSINESS[index % len(BUSINESS)]}"
		status = "Prospect" if index % 11 == 10 else ("Suspended" if index % 17 == 16 else "Active")
		made.append(
			make_dealer(name, company, tier, status, reps[region], province if tier == "A" else city, city)
		)
		frappe.db.commit()  # nosemgrep: demo data runs from `bench execute`, keep progress per dealer

	visits = 0
	for dealer in made:
		if not frappe.db.exists("Dealer Visit Log", {"dealer": dealer.name}):
			visits += _make_visits(dealer, start, end, rng)
			frappe.db.commit()  # nosemgrep: see above

	invoices = returns = 0
	for dealer in made:
		if dealer.status == "Prospect" or frappe.db.exists(
			"Sales Invoice", {"customer": dealer.customer, "remarks": DEMO_MARK}
		):
			continue
		made_invoices, made_returns = _make_invoices(dealer, company, items, start, end, rng, return_rate)
		invoices += made_invoices
		returns += made_returns
		frappe.db.commit()  # nosemgrep: see above

	_apply_demo_statuses(made)
	rated = _rate_demo_dealers(made)
	frappe.db.commit()  # nosemgrep: see above

	summary = {
		"company": company,
		"dealers": frappe.db.count("Dealer", {"customer": ("in", [d.customer for d in made])}),
		"territories": len(cities),
		"new_visits": visits,
		"new_invoices": invoices,
		"new_returns": returns,
		"demo_invoices": frappe.db.count("Sales Invoice", {"remarks": DEMO_MARK, "docstatus": 1}),
		"demo_payments": frappe.db.count("Payment Entry", {"remarks": DEMO_MARK, "docstatus": 1}),
		"invoices_held_by_credit": frappe.db.count("Sales Invoice", {"remarks": DEMO_MARK, "docstatus": 0}),
		"rated_dealers": rated,
	}
	summary.update(make_demo_rebates(company, start, end))
	summary.update(make_demo_accruals(company, summary["rebate_policy"]))
	summary.update(make_demo_rebate_account(company, summary["rebate_policy"]))
	from dealer_relations.demo.free_goods import make_demo_free_goods

	summary.update(make_demo_free_goods(company))
	summary.update(make_demo_simulation(company, summary["rebate_policy"]))
	summary.update(make_demo_diversion(company, made))
	summary.update(make_demo_portal(made))
	summary.update(make_demo_requests())
	summary.update(make_demo_target_policy(company, end))
	print(summary)
	return summary


def _pick_city(region: str, index: int, rng: random.Random) -> tuple[str, str]:
	provinces = TERRITORY_TREE[region]
	province = list(provinces)[(index // len(TERRITORY_TREE)) % len(provinces)]
	cities = provinces[province]
	return province, cities[(index // len(TERRITORY_TREE)) % len(cities)]


def _tier_for(index: int, total: int) -> str:
	share = (index + 0.5) / max(total, 1)
	cumulative = 0.0
	for tier, (tier_share, _per_month, _qty) in TIER_PROFILE.items():
		cumulative += tier_share
		if share <= cumulative:
			return tier
	return "C"


def _make_visits(dealer, start, end, rng) -> int:
	"""A year of visits in the rep's habits: frequent for A dealers, rare for C dealers."""
	# The demo pretends the dealer was signed when its history starts.
	onboarded = get_datetime(add_days(start, -1))
	if get_datetime(dealer.creation) > onboarded:
		frappe.db.set_value("Dealer", dealer.name, "creation", onboarded, update_modified=False)
	mean, spread = VISIT_HABIT.get(dealer.tier, VISIT_HABIT["C"])
	if dealer.status == "Prospect":
		mean, spread = 30, 10
	day = getdate(start)
	made = 0
	while True:
		day = add_days(day, max(1, int(rng.gauss(mean, spread))))
		if getdate(day) >= getdate(end):
			break
		frappe.get_doc(
			{
				"doctype": "Dealer Visit Log",
				"dealer": dealer.name,
				"sales_rep": dealer.sales_rep,
				"visit_date": get_datetime(day).replace(
					hour=rng.randint(9, 17), minute=rng.choice((0, 15, 30, 45))
				),
				"visit_type": "Development" if dealer.status == "Prospect" else rng.choice(VISIT_TYPES),
				"purpose": "例行走访，了解库存与销售情况",
				"outcome": rng.choice(
					("补货意向明确", "提出价格支持需求", "陈列需改进", "回款计划已确认", "反馈竞品降价")
				),
				"stock_level": rng.choice(("Adequate", "Adequate", "Low", "Overstocked")),
				"display_quality": rng.choice(("Good", "Fair", "Poor")),
			}
		).insert(ignore_permissions=True)
		made += 1
	return made


def _make_invoices(dealer, company, items, start, end, rng, return_rate) -> tuple[int, int]:
	defaults = company_defaults(company)
	_share, per_month, typical_qty = TIER_PROFILE.get(dealer.tier, TIER_PROFILE["C"])
	habit = _payment_habit(dealer, rng)
	invoices = returns = 0
	month = getdate(start)
	while month <= end:
		for _invoice in range(per_month):
			posting_date = add_days(month, rng.randint(0, 27))
			if getdate(posting_date) > end:
				continue
			lines = rng.sample(items, k=rng.randint(1, 3))
			invoice = frappe.get_doc(
				{
					"doctype": "Sales Invoice",
					"company": company,
					"customer": dealer.customer,
					"set_posting_time": 1,
					"posting_date": posting_date,
					"due_date": add_days(posting_date, 30),
					"currency": defaults.default_currency,
					"debit_to": defaults.default_receivable_account,
					"remarks": DEMO_MARK,
					"items": [
						{
							"item_code": code,
							"qty": max(1, int(rng.gauss(typical_qty, typical_qty / 3))),
							"rate": rate,
							"income_account": defaults.default_income_account,
							"cost_center": defaults.cost_center,
						}
						for code, rate in lines
					],
				}
			)
			invoice.insert(ignore_permissions=True)
			if not _submit_within_credit(invoice):
				continue
			invoices += 1
			_pay_demo_invoice(invoice, habit, end)
			if rng.random() < return_rate:
				_make_return(invoice, rng)
				returns += 1
		month = add_months(month, 1)
	return invoices, returns


def _make_return(invoice, rng) -> None:
	credit_note = make_sales_return(invoice.name)
	credit_note.set_posting_time = 1
	credit_note.posting_date = add_days(invoice.posting_date, rng.randint(3, 20))
	if getdate(credit_note.posting_date) > getdate(today()):
		credit_note.posting_date = today()
	credit_note.remarks = DEMO_MARK
	for row in credit_note.items:
		row.qty = min(-1, int(row.qty / 2))  # return part of each line
	credit_note.insert(ignore_permissions=True)
	credit_note.submit()


def _payment_habit(dealer, rng) -> tuple[str, random.Random]:
	"""Each dealer pays in its own habit; a separate generator keeps the invoices as they were."""
	habit_rng = random.Random(f"{rng.random()}-{dealer.name}")
	pick, cumulative = habit_rng.random(), 0.0
	for habit, (share, _days, _unpaid) in PAYMENT_HABITS.items():
		cumulative += share
		if pick <= cumulative:
			return habit, habit_rng
	return "punctual", habit_rng


def _submit_within_credit(invoice) -> bool:
	"""Submit as a user would: a document the dealer credit check refuses stays a draft."""
	frappe.db.savepoint("demo_invoice")
	try:
		invoice.submit()
	except DealerCreditError:
		frappe.db.rollback(save_point="demo_invoice")
		frappe.clear_messages()
		return False
	return True


def _pay_demo_invoice(invoice, habit, end) -> None:
	"""Pay the invoice on the day the dealer's habit says, unless that day has not come yet."""
	name, habit_rng = habit
	_share, (early, late), unpaid_months = PAYMENT_HABITS[name]
	if unpaid_months and getdate(invoice.posting_date) > getdate(add_months(end, -unpaid_months)):
		return
	paid_on = getdate(add_days(invoice.due_date, habit_rng.randint(early, late)))
	if paid_on > getdate(end):
		return
	paid_on = max(paid_on, getdate(invoice.posting_date))
	entry = get_payment_entry("Sales Invoice", invoice.name)
	entry.posting_date = paid_on
	entry.reference_no = f"DEMO-{invoice.name}"
	entry.reference_date = paid_on
	entry.custom_remarks = 1
	entry.remarks = DEMO_MARK
	entry.insert(ignore_permissions=True)
	entry.submit()


def _apply_demo_statuses(dealers) -> None:
	for dealer in dealers:
		if getattr(dealer, "demo_status", None) == "Suspended" and dealer.status != "Suspended":
			dealer.reload()
			dealer.status = "Suspended"
			dealer.save(ignore_permissions=True)


def _rate_demo_dealers(dealers) -> int:
	return run_rating([dealer.name for dealer in dealers])["rated"]


# -- rebates -------------------------------------------------------------------------------------

# A later order may pay at most this share of its in-scope amount from the rebate account.
DEMO_MAX_DEDUCTION_PERCENT = 20
# Net amount slabs for a year (retroactive): C dealers reach slab 1, B dealers slab 2, A dealers 3-4.
DEMO_REBATE_SLABS = ((100_000, 1), (500_000, 2), (1_000_000, 3), (3_000_000, 4))


def make_demo_rebates(company: str, start, end) -> dict:
	"""A submitted year-end rebate policy over the demo period covering every tier, the company's
	rebate expense account and 13 % VAT template in settings, and the policy's draft settlements
	(year-end run)."""
	make_rebate_settings(company)
	vat = make_vat_template(company)
	name = f"年度返利政策 {getdate(start).year}-{getdate(end).year}"
	if not frappe.db.exists("Rebate Policy", name):
		# bulk data loaded into a copy of the demo site: the demo's policy already covers every tier
		# over most of the period, and a second one would overlap it (refused on submit)
		name = _overlapping_policy(company, start, end) or name
	if not frappe.db.exists("Rebate Policy", name):
		policy = frappe.get_doc(
			{
				"doctype": "Rebate Policy",
				"policy_name": name,
				"company": company,
				"from_date": start,
				"to_date": end,
				"basis": "Net Amount",
				"calculation": "Retroactive",
				"minimum_volume": 50_000,
				"max_deduction_percent": DEMO_MAX_DEDUCTION_PERCENT,
				"growth_threshold": 15,
				"growth_bonus_rate": 0.5,
				"slabs": [{"min_value": value, "rate": rate} for value, rate in DEMO_REBATE_SLABS],
				"tiers": [{"tier": tier} for tier in TIER_PROFILE],
				"item_groups": [{"item_group": "经销产品"}],
			}
		).insert(ignore_permissions=True)
		policy.submit()
		frappe.db.commit()  # nosemgrep: see above
	counts = run_year_end(name)
	frappe.db.commit()  # nosemgrep: see above
	return {
		"vat_template": vat,
		"rebate_policy": name,
		"rebate_settlements": frappe.db.count(
			"Rebate Settlement", {"rebate_policy": name, "docstatus": ("<", 2)}
		),
		"new_rebate_settlements": counts["created"],
	}


def _overlapping_policy(company: str, start, end) -> str | None:
	"""The newest submitted policy of the company whose period overlaps [start, end]."""
	found = frappe.get_all(
		"Rebate Policy",
		filters={"company": company, "docstatus": 1, "from_date": ("<=", end), "to_date": (">=", start)},
		pluck="name",
		order_by="to_date desc",
		limit=1,
	)
	return found[0] if found else None


# -- monthly accrual (预提返利) ------------------------------------------------------------------------


def make_demo_accruals(company: str, policy: str) -> dict:
	"""The current policy accrued month by month by the same service as the monthly job, each as of
	its month's end (eleven months when the policy started eleven month-ends ago), before the
	settlements are approved: approving them then trues up what was accrued. A month already
	accrued is left as it is."""
	make_accrual_settings(company)
	doc = frappe.get_doc("Rebate Policy", policy)
	last = last_ended_month(getdate(doc.from_date), getdate(doc.to_date), getdate(today()))
	made = 0
	day = getdate(doc.from_date)
	while last and day <= last:
		as_of = min(month_end(day), last)
		made += bool(accrue(policy, as_of).get("journal_entry"))
		frappe.db.commit()  # nosemgrep: see above
		day = add_days(as_of, 1)
	return {
		"rebate_accruals": frappe.db.count("Rebate Accrual", {"rebate_policy": policy}),
		"new_rebate_accrual_entries": made,
	}


# -- rebate account (返利池) -------------------------------------------------------------------------

REBATE_ORDER_MARK = "返利抵扣演示"


def make_demo_rebate_account(company: str, policy: str) -> dict:
	"""The company pays rebates into the dealers' rebate accounts (应付返利): most of the policy's
	settlements are approved through the settlement workflow, and a few orders spend the balance,
	one capped by the policy's Max Deduction %."""
	make_rebate_account_settings(company)
	_set_demo_deduction_cap(policy)
	paid_in = _pay_settlements_into_account(policy)
	orders = _make_deduction_orders(company)
	adjusted = _make_demo_adjustment(company)
	frappe.db.commit()  # nosemgrep: see above
	return {
		"new_rebate_account_adjustments": adjusted,
		"rebate_liability_account": get_company_settings(company).rebate_liability_account,
		"new_settlements_paid_in": paid_in,
		"dealers_with_rebate_balance": len(
			frappe.get_all(LEDGER, filters={"company": company}, distinct=True, pluck="dealer")
		),
		"new_rebate_deduction_orders": orders,
		"rebate_deduction_orders": frappe.db.count(
			"Sales Order", {"po_no": ("like", f"{REBATE_ORDER_MARK}%"), "docstatus": 1}
		),
	}


def _set_demo_deduction_cap(policy: str) -> None:
	"""A demo site made before the rebate account has its policy at the field's default (100 %):
	give it the demo's cap while nothing has been paid in from it yet."""
	if frappe.db.exists(LEDGER, {"rebate_policy": policy}):
		return
	frappe.db.set_value("Rebate Policy", policy, "max_deduction_percent", DEMO_MAX_DEDUCTION_PERCENT)


def _pay_settlements_into_account(policy: str) -> int:
	"""Approve three settlements in four (by dealer, so a second run picks the same ones) through
	the approval workflow: approval posts each into its dealer's rebate account."""
	settlements = frappe.get_all(
		"Rebate Settlement",
		filters={"rebate_policy": policy, "docstatus": ("<", 2), "net_rebate": (">", 0)},
		fields=["name", "docstatus", "workflow_state"],
		order_by="dealer asc",
	)
	paid = 0
	for index, row in enumerate(settlements):
		if index % 4 == 3 or row.docstatus:
			continue
		settlement = frappe.get_doc("Rebate Settlement", row.name)
		if settlement.workflow_state != "Pending Approval":
			settlement = apply_workflow(settlement, "Submit for Approval")
		apply_workflow(settlement, "Approve")
		paid += 1
		frappe.db.commit()  # nosemgrep: see above
	return paid


# what each demo order is: ten industrial pumps
DEDUCTION_ORDER_LINE = ("DR-PUMP-750", 10, 3650)


def _make_deduction_orders(company: str) -> int:
	"""This year's orders that spend the balance: a rich dealer's deduction stops at the policy's
	cap, a poor dealer's at its balance, a third dealer takes half of what is allowed. Each is
	tried on the next dealer when the credit check holds the order."""
	active = dict(
		frappe.get_all(
			"Dealer",
			filters={"company": company, "status": "Active"},
			fields=["name", "customer"],
			as_list=True,
		)
	)
	# nothing has expired yet: what a dealer can spend is the plain sum of its entries
	held = frappe.get_all(
		LEDGER,
		filters={"company": company, "dealer": ("in", list(active) or [""])},
		fields=["dealer", "sum(amount) as available"],
		group_by="dealer",
		order_by="available desc",
	)
	_code, qty, rate = DEDUCTION_ORDER_LINE
	cap = qty * rate * DEMO_MAX_DEDUCTION_PERCENT / 100
	rich = [active[row.dealer] for row in held if row.available >= cap]
	poor = [active[row.dealer] for row in reversed(held) if 0 < row.available < cap]
	middle = rich[len(rich) // 2 :] + rich[: len(rich) // 2]
	made = 0
	for number, (customers, share) in enumerate(((rich, 1), (poor, 1), (middle, 0.5)), start=1):
		mark = f"{REBATE_ORDER_MARK}-{number}"
		if frappe.db.exists("Sales Order", {"po_no": mark, "docstatus": 1}):
			continue
		for customer in customers:
			if _deduction_order(company, customer, mark, share):
				made += 1
				break
	return made


def _deduction_order(company: str, customer: str, mark: str, share: float) -> bool:
	"""A submitted order deducting ``share`` of the most allowed; an order the credit check holds
	is deleted (the next dealer is tried), as is one whose dealer has nothing to spend by now."""
	for draft in frappe.get_all("Sales Order", filters={"po_no": mark, "docstatus": 0}, pluck="name"):
		frappe.delete_doc("Sales Order", draft, ignore_permissions=True)
	code, qty, rate = DEDUCTION_ORDER_LINE
	# with 13 % VAT: the deduction is the discount on the net total, so the VAT base falls with it
	vat = make_vat_template(company)
	order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": company,
			"customer": customer,
			"po_no": mark,
			"transaction_date": today(),
			"delivery_date": add_days(today(), 14),
			"currency": company_defaults(company).default_currency,
			"items": [{"item_code": code, "qty": qty, "rate": rate}],
			"taxes_and_charges": vat,
			"taxes": get_taxes_and_charges("Sales Taxes and Charges Template", vat),
		}
	).insert(ignore_permissions=True)
	order.rebate_deduction = flt(get_applicable_deduction(order.as_dict())["rebate_deduction"] * share, 2)
	if order.rebate_deduction:
		order.save(ignore_permissions=True)
		if _submit_within_credit(order):
			frappe.db.commit()  # nosemgrep: see above
			return True
	frappe.delete_doc("Sales Order", order.name, ignore_permissions=True)
	return False


DEMO_ADJUSTMENT_REASON = "补记：2026 年第三季度一张发票漏计返利（财务复核）"


def _make_demo_adjustment(company: str) -> int:
	"""One controlled correction, as finance makes them: 500 added to the largest live lot with a
	reason (once; a second run finds it)."""
	if frappe.db.exists("Rebate Account Adjustment", {"company": company, "docstatus": 1}):
		return 0
	entry = frappe.qb.DocType(LEDGER)
	lots = (
		frappe.qb.from_(entry)
		.select(entry.dealer, entry.rebate_settlement)
		.where(entry.company == company)
		.where(entry.expiry_date >= today())
		.groupby(entry.dealer, entry.rebate_settlement)
		.orderby(Sum(entry.amount), order=frappe.qb.desc)
		.limit(1)
		.run(as_dict=True)
	)
	if not lots:
		return 0
	adjustment = frappe.get_doc(
		{
			"doctype": "Rebate Account Adjustment",
			"dealer": lots[0].dealer,
			"company": company,
			"rebate_settlement": lots[0].rebate_settlement,
			"amount": 500,
			"reason": DEMO_ADJUSTMENT_REASON,
		}
	)
	adjustment.insert(ignore_permissions=True)
	adjustment.submit()
	return 1


# -- diversion (串货) -------------------------------------------------------------------------------

SERIAL_ITEM = ("DR-PUMP-750S", "工业离心泵 750W（带序列号）", 3650)
DEMO_SERIALS = [f"DEMO-SN-{number:04d}" for number in range(1, 11)]


def make_demo_diversion(company: str, dealers) -> dict:
	"""A serial-numbered pump in stock, ship-to addresses whose territory comes from the city
	mapping, a delivery into another dealer's region caught as an incident, field reports traced
	by serial number, and a dealer's confirmed second offence with its fine posted."""
	make_diversion_settings(company)
	if frappe.db.exists("Diversion Incident", {"description": DEMO_MARK}):
		return {"diversion_incidents": frappe.db.count("Diversion Incident", {"description": DEMO_MARK})}
	active = [d for d in dealers if frappe.db.get_value("Dealer", d.name, "status") == "Active"]
	offender = next((d for d in active if d.territories), None)
	if not offender:
		return {"diversion_incidents": 0}
	offender.reload()
	home = _city_within(offender.territories[0].territory)
	tree = get_territory_tree()
	authorised = [row.territory for row in offender.territories]
	elsewhere = [
		city
		for city in ("广州市", "深圳市", "厦门市", "成都市", "青岛市", "杭州市")
		if not is_territory_authorised(city, authorised, tree)
	]
	_receive_serials(company)

	inside = _demo_address(offender.customer, home)
	_demo_delivery(company, offender.customer, inside, DEMO_SERIALS[:3])
	# Shipped straight into another region: the detection hook opens an incident for review.
	outside = _demo_address(offender.customer, elsewhere[0])
	note = _demo_delivery(company, offender.customer, outside, DEMO_SERIALS[3:4])
	automatic = frappe.get_doc("Diversion Incident", {"reference_name": note.name})
	automatic.description = DEMO_MARK
	automatic.save(ignore_permissions=True)

	reports = []
	for serial, city in zip(DEMO_SERIALS[:3], elsewhere[1:], strict=False):
		report = frappe.get_doc(
			{
				"doctype": "Diversion Incident",
				"source": "Field Report",
				"company": company,
				"incident_date": today(),
				"found_territory": city,
				"found_location": f"{city}建材市场",
				"description": DEMO_MARK,
				"items": [{"item_code": SERIAL_ITEM[0], "serial_no": serial, "rate": SERIAL_ITEM[2]}],
			}
		).insert(ignore_permissions=True)
		reports.append(report)
	# The automatic incident, then the first report, are confirmed in the order they were recorded:
	# the second offence posts its fine (an earlier incident confirmed later renumbers the later
	# ones but leaves the penalties they already posted).
	for incident in (automatic, reports[0]):
		incident = apply_workflow(incident, "Submit for Review")
		apply_workflow(incident, "Confirm")
	apply_workflow(reports[1], "Submit for Review")
	frappe.db.commit()  # nosemgrep: see above
	return {
		"diversion_incidents": frappe.db.count("Diversion Incident", {"description": DEMO_MARK}),
		"diversion_fines": frappe.db.count(
			"Diversion Incident", {"docstatus": 1, "journal_entry": ("is", "set")}
		),
	}


def _city_within(territory: str) -> str:
	for provinces in TERRITORY_TREE.values():
		for province, cities in provinces.items():
			if territory == province:
				return cities[0]
			if territory in cities:
				return territory
	return territory


def _receive_serials(company: str) -> None:
	code, name, rate = SERIAL_ITEM
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": name,
				"item_group": "经销产品",
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"has_serial_no": 1,
				"standard_rate": rate,
			}
		).insert(ignore_permissions=True)
	if frappe.db.exists("Serial No", DEMO_SERIALS[0]):
		return
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": company,
			"items": [
				{
					"item_code": code,
					"qty": len(DEMO_SERIALS),
					"t_warehouse": _demo_warehouse(company),
					"basic_rate": rate * 0.6,
					"use_serial_batch_fields": 1,
					"serial_no": "\n".join(DEMO_SERIALS),
				}
			],
		}
	)
	entry.insert(ignore_permissions=True)
	entry.submit()


def _demo_warehouse(company: str) -> str:
	return frappe.db.get_value("Warehouse", {"company": company, "is_group": 0}, "name", order_by="creation")


def _demo_address(customer: str, city: str) -> str:
	province = next(
		(p for provinces in TERRITORY_TREE.values() for p, cities in provinces.items() if city in cities), ""
	)
	address = frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": f"{customer} {city}",
			"address_type": "Shipping",
			"address_line1": f"{city}工业园 8 号",
			"city": city,
			"state": province,
			"country": frappe.db.get_value("Company", {}, "country") or "China",
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	)
	address.insert(ignore_permissions=True)  # its Territory comes from the city mapping
	return address.name


def _demo_delivery(company: str, customer: str, address: str, serials: list[str]):
	code, _name, rate = SERIAL_ITEM
	note = frappe.get_doc(
		{
			"doctype": "Delivery Note",
			"company": company,
			"customer": customer,
			"shipping_address_name": address,
			"items": [
				{
					"item_code": code,
					"qty": len(serials),
					"rate": rate,
					"warehouse": _demo_warehouse(company),
					"use_serial_batch_fields": 1,
					"serial_no": "\n".join(serials),
				}
			],
		}
	)
	note.insert(ignore_permissions=True)
	note.submit()
	return note


# -- dealer portal (经销商门户) -----------------------------------------------------------------------

DEMO_DISPUTE_REASON = "上月15日的回款未计入，我方核对的期末余额与此不符。"


def make_demo_portal(dealers) -> dict:
	"""A portal user for two active dealers, invited by the Dealer Manager through the Dealer
	form's service (the first dealer is the one with the demo incidents, so its user has one to
	answer); as those users, the first confirms last month's statement and the second disputes it."""
	offender = frappe.db.get_value("Diversion Incident", {"description": DEMO_MARK}, "dealer")
	active = [
		d.name
		for d in dealers
		if d.name != offender and frappe.db.get_value("Dealer", d.name, "status") == "Active"
	]
	chosen = [name for name in (offender, *active) if name][: len(PORTAL_USERS)]
	manager = f"{STAFF[0][0]}@{EMAIL_DOMAIN}"
	last_month = month_of(getdate(add_months(today(), -1))).key
	invited = answered = 0
	for (login, full_name), dealer, answer in zip(PORTAL_USERS, chosen, (CONFIRMED, DISPUTED), strict=False):
		email = f"{login}@{EMAIL_DOMAIN}"
		if not frappe.db.exists("Portal User", {"user": email, "parenttype": "Customer"}):
			frappe.set_user(manager)
			try:
				invite_portal_user(dealer, email, full_name)
			finally:
				frappe.set_user("Administrator")
			frappe.db.set_value("User", email, "language", "zh")
			invited += 1
		if not confirmation_of(dealer, last_month):
			frappe.set_user(email)
			try:
				respond_to_statement(
					last_month, answer, DEMO_DISPUTE_REASON if answer == DISPUTED else None, dealer
				)
			finally:
				frappe.set_user("Administrator")
			answered += 1
		frappe.db.commit()  # nosemgrep: see above
	planned = _plan_demo_visits(chosen)
	return {
		"new_portal_users": invited,
		"new_statement_answers": answered,
		"new_planned_visits": planned,
		"portal_users": frappe.db.count(
			"Portal User", {"parenttype": "Customer", "user": ("like", f"%@{EMAIL_DOMAIN}")}
		),
	}


# -- dealer requests (投诉 / 咨询) --------------------------------------------------------------------

# (portal user, type, subject, description, the support team's emailed answer or None)
DEMO_REQUESTS = (
	(
		PORTAL_USERS[0][0],
		"Complaint",
		"到货包装破损",
		"本周到货的两箱产品外包装破损，其中一箱有三件产品磕碰。请安排补发或退换。",
		"您好，我们已安排周一补发三件产品，破损产品请交给物流带回。给您带来不便，敬请谅解。",
	),
	(
		PORTAL_USERS[1][0],
		"Inquiry",
		"下季度新品供货时间",
		"请问下季度的新品何时可以开始订货？是否有首批订货的返利政策？",
		None,
	),
)


def make_demo_requests() -> dict:
	"""Each demo portal user raises a request through the portal's service (as that user); the
	complaint gets the support team's emailed answer, the inquiry stays open."""
	from dealer_relations.dealer_requests import raise_request

	made = 0
	for login, kind, subject, description, answer in DEMO_REQUESTS:
		email = f"{login}@{EMAIL_DOMAIN}"
		if not frappe.db.exists("Portal User", {"user": email}) or frappe.db.exists(
			"Issue", {"raised_by": email, "subject": subject}
		):
			continue
		frappe.set_user(email)
		try:
			issue = raise_request(subject, description, kind)["issue"]
		finally:
			frappe.set_user("Administrator")
		if answer:
			frappe.get_doc(
				{
					"doctype": "Communication",
					"communication_type": "Communication",
					"communication_medium": "Email",
					"sent_or_received": "Sent",
					"subject": f"Re: {subject}",
					"sender": f"{STAFF[0][0]}@{EMAIL_DOMAIN}",
					"recipients": email,
					"content": f"<p>{answer}</p>",
					"reference_doctype": "Issue",
					"reference_name": issue,
				}
			).insert(ignore_permissions=True)
			frappe.db.set_value("Issue", issue, "status", "Replied")
		made += 1
		frappe.db.commit()  # nosemgrep: see above
	return {
		"new_dealer_requests": made,
		"dealer_requests": frappe.db.count("Issue", {"raised_by": ("like", f"%@{EMAIL_DOMAIN}")}),
	}


# what the rep plans next for each portal dealer (its home page shows the date and this purpose)
DEMO_VISIT_PLANS = ("季度对账与新品培训", "库存盘点与促销支持")


def _plan_demo_visits(dealers: list[str]) -> int:
	"""The rep's next visit to each portal dealer, a week apart, set on its latest visit log (as a
	rep does when logging a visit); a dealer with a plan still ahead keeps it."""
	planned = 0
	for index, (dealer, purpose) in enumerate(zip(dealers, DEMO_VISIT_PLANS, strict=False)):
		if frappe.db.exists("Dealer Visit Log", {"dealer": dealer, "next_visit_date": (">=", today())}):
			continue
		latest = frappe.get_all(
			"Dealer Visit Log", filters={"dealer": dealer}, pluck="name", order_by="visit_date desc", limit=1
		)
		if not latest:
			continue
		visit = frappe.get_doc("Dealer Visit Log", latest[0])
		visit.next_visit_date = add_days(today(), 7 * (index + 1))
		visit.next_visit_purpose = purpose
		visit.save(ignore_permissions=True)
		planned += 1
		frappe.db.commit()  # nosemgrep: see above
	return planned


# -- policy simulator (政策模拟) ---------------------------------------------------------------------

# Next year's draft: higher rates and a lower top step, to be tried on this year's invoices.
DEMO_DRAFT_SLABS = ((100_000, 1.5), (500_000, 2.5), (1_000_000, 3.5), (2_500_000, 4.5))


def make_demo_simulation(company: str, policy: str) -> dict:
	"""A draft policy for the year after ``policy`` (same coverage and items, richer slabs): the
	*Rebate Policy Simulation* report, opened bare from the workspace, replays this year through
	it beside ``policy``. Nothing of the simulation is stored."""
	from frappe.utils import get_year_ending, get_year_start

	current = frappe.get_doc("Rebate Policy", policy)
	year = getdate(current.to_date).year + 1
	name = f"年度返利政策 {year} 草案"
	if not frappe.db.exists("Rebate Policy", name):
		first = getdate(f"{year}-01-01")
		frappe.get_doc(
			{
				"doctype": "Rebate Policy",
				"policy_name": name,
				"company": company,
				"from_date": get_year_start(first),
				"to_date": get_year_ending(first),
				"basis": current.basis,
				"calculation": current.calculation,
				"minimum_volume": current.minimum_volume,
				"max_deduction_percent": current.max_deduction_percent,
				"growth_threshold": current.growth_threshold,
				"growth_bonus_rate": current.growth_bonus_rate,
				"slabs": [{"min_value": value, "rate": rate} for value, rate in DEMO_DRAFT_SLABS],
				"tiers": [{"tier": row.tier} for row in current.tiers],
				"item_groups": [{"item_group": row.item_group} for row in current.item_groups],
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep: see above
	return {"draft_rebate_policy": name}
