"""Frappe side of the monthly rebate accrual (预提返利) and the year-end true-up.

Each month, per submitted policy: the year-to-date eligible volume of every covered dealer (the
year-end run's GROUP BY, up to the month's end), the engine's accrual to date, and one Journal
Entry for the change since what is booked — Dr rebate expense / Cr accrued rebate liability
(预计负债—应付返利款), the sides reversed when it fell. What is booked per dealer is kept as Rebate
Accrual Entries (one multi-row insert a month; the sum of a dealer's changes is what the books
hold for it), so approving a dealer's settlement reverses exactly what was accrued for it.
Rules: dealer_relations.engine.accruals.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import add_days, getdate, today

from dealer_relations.db import insert_records
from dealer_relations.engine.accruals import (
	CONSERVATIVE,
	EXPENSE,
	accrual_sides,
	accrued_to_date,
	changes,
	check_accrual_method,
	check_accrual_setup,
	last_ended_month,
	month_factor,
	month_key,
	next_open_date,
	reversal_sides,
	total,
)
from dealer_relations.engine.money import ZERO, dec
from dealer_relations.postings import cancel_own_postings, check_own_postings, make_company_journal_entry
from dealer_relations.rebates import covered_dealers, ensure_submitted, get_terms, load_volumes
from dealer_relations.utils import dealers_per_job, enforce, get_company_settings

ACCRUAL = "Rebate Accrual"
ENTRY = "Rebate Accrual Entry"
SETTLEMENT = "Rebate Settlement"


def refuse_change() -> None:
	frappe.throw(
		_(
			"Rebate accruals are written by Dealer Relations when a policy is accrued or a settlement is approved or cancelled; they are never edited or deleted"
		),
		title=_("Not Permitted"),
	)


def accrual_setup(company: str) -> frappe._dict:
	settings = get_company_settings(company)
	setup = frappe._dict(
		expense_account=settings.rebate_expense_account,
		accrued_account=settings.get("accrued_rebate_account"),
		cost_center=settings.rebate_cost_center or frappe.get_cached_value("Company", company, "cost_center"),
	)
	enforce(check_accrual_setup, company, setup.expense_account, setup.accrued_account)
	return setup


def accounts_of(setup, sides) -> tuple[str, str]:
	"""(debit account, credit account) of the engine's sides."""
	account = {EXPENSE: setup.expense_account}
	return (
		account.get(sides.debit, setup.accrued_account),
		account.get(sides.credit, setup.accrued_account),
	)


def lock_policy(policy: str) -> None:
	"""Accruals and true-ups of one policy take turns: each reads what is booked and writes the
	change, so two at once would post the same change twice."""
	frappe.db.get_value("Rebate Policy", policy, "name", for_update=True)


def booked(policy: str, dealers: list[str] | None = None) -> dict[str, Decimal]:
	"""{dealer: what the books hold for it under the policy}: one GROUP BY over the policy's
	entries, a locking read (it sees what another accrual or true-up committed while this one
	waited for the policy's lock)."""
	entry = frappe.qb.DocType(ENTRY)
	query = (
		frappe.qb.from_(entry)
		.select(entry.dealer, Sum(entry.change))
		.where(entry.rebate_policy == policy)
		.groupby(entry.dealer)
		.for_update()
	)
	if dealers is not None:
		if not dealers:
			return {}
		query = query.where(entry.dealer.isin(dealers))
	return {dealer: dec(amount) for dealer, amount in query.run() if dec(amount)}


def settled_dealers(policy: str) -> set[str]:
	"""Dealers whose settlement under the policy is submitted: the settlement carries their
	rebate, nothing more is accrued for them (a locking read, see booked)."""
	settlement = frappe.qb.DocType(SETTLEMENT)
	return set(
		frappe.qb.from_(settlement)
		.select(settlement.dealer)
		.where(settlement.rebate_policy == policy)
		.where(settlement.docstatus == 1)
		.for_update()
		.run(pluck=True)
	)


def closed_periods(company: str) -> list[tuple[str, object, object]]:
	"""(name, start, end) of the company's Accounting Periods closed for Journal Entries."""
	period = frappe.qb.DocType("Accounting Period")
	closed = frappe.qb.DocType("Closed Document")
	rows = (
		frappe.qb.from_(period)
		.join(closed)
		.on(closed.parent == period.name)
		.select(period.name, period.start_date, period.end_date)
		.where(period.company == company)
		.where(closed.closed == 1)
		.where(closed.document_type == "Journal Entry")
		.run()
	)
	return [(name, getdate(start), getdate(end)) for name, start, end in rows]


def posting_date_for(company: str, day) -> tuple[object, str | None]:
	"""The day itself, or the first open day after the closed periods that cover it, with a note."""
	day = getdate(day)
	posted, closed_by = next_open_date(day, closed_periods(company))
	if not closed_by:
		return posted, None
	return posted, _(
		"Accounting Period {0} is closed for Journal Entries: posted on {1} instead of {2}"
	).format(closed_by, frappe.format(posted, "Date"), frappe.format(day, "Date"))


# -- the month's accrual ----------------------------------------------------------------------------


def accrual_targets(policy, as_of, dealers: dict[str, str]) -> tuple[dict, dict]:
	"""({dealer: accrued to date}, {dealer: volume}) of the dealers ({dealer: customer}) as of a
	day: the year-end run's GROUP BY up to ``as_of``, then the engine."""
	method = policy.get("accrual_method") or CONSERVATIVE
	enforce(check_accrual_method, method)
	terms = get_terms(policy)
	factor = month_factor(method, getdate(policy.from_date), getdate(policy.to_date), getdate(as_of))
	volumes = load_volumes(policy, dealers, as_of=as_of)
	targets = {
		dealer: accrued_to_date(
			terms, method, item.volume, item.base, item.prior_volume, item.forfeit_percent, factor
		)
		for dealer, item in volumes.items()
	}
	return targets, {dealer: item.volume for dealer, item in volumes.items()}


def accrue(policy: str, as_of=None) -> dict:
	"""Accrue one month of a submitted policy: as of ``as_of`` (a month's end or the policy's end;
	by default the latest that has passed). Once a month is accrued, accruing it again posts
	nothing; a month skipped is caught up by the next (the change is since what is booked)."""
	doc = ensure_submitted(frappe.get_doc("Rebate Policy", policy))
	from_date, to_date = getdate(doc.from_date), getdate(doc.to_date)
	as_of = getdate(as_of) if as_of else last_ended_month(from_date, to_date, getdate(today()))
	if as_of is None or as_of < from_date:
		return {"posted": False, "accrual": None, "reason": "not_due"}
	as_of = min(as_of, to_date)
	month = month_key(as_of)
	name = f"{doc.name}-{month}"
	lock_policy(doc.name)
	if frappe.db.get_value(ACCRUAL, name, "name", for_update=True):
		return {"posted": False, "accrual": name, "month": month, "reason": "already_accrued"}
	setup = accrual_setup(doc.company)
	settled = settled_dealers(doc.name)
	dealers = {d: c for d, c in covered_dealers(doc).items() if d not in settled}
	targets, volumes = accrual_targets(doc, as_of, dealers)
	moved = changes(targets, booked(doc.name))
	change = total(moved.values())
	posting_date, note = posting_date_for(doc.company, as_of)
	currency = frappe.get_cached_value("Company", doc.company, "default_currency")
	record = frappe.get_doc(
		{
			"doctype": ACCRUAL,
			"rebate_policy": doc.name,
			"company": doc.company,
			"currency": currency,
			"month": month,
			"as_of": as_of,
			"accrual_method": doc.get("accrual_method") or CONSERVATIVE,
			"posting_date": posting_date,
			"total_accrued": float(total(targets.values())),
			"total_change": float(change),
			"dealers": sum(1 for amount in targets.values() if amount),
			"dealers_changed": len(moved),
			"note": note,
		}
	)
	record.flags.from_accruals = True
	record.insert(ignore_permissions=True)
	journal_entry = None
	if sides := accrual_sides(change):
		debit, credit = accounts_of(setup, sides)
		journal_entry = make_company_journal_entry(
			record,
			company=doc.company,
			posting_date=posting_date,
			remark=_("Rebate accrual {0} of Rebate Policy {1}: change in the rebate accrued to {2}").format(
				month, doc.name, frappe.format(as_of, "Date")
			),
			debit_account=debit,
			credit_account=credit,
			amount=sides.amount,
			cost_center=setup.cost_center,
		)
		frappe.db.set_value(ACCRUAL, record.name, "journal_entry", journal_entry, update_modified=False)
	names = dict(
		frappe.get_all(
			"Dealer", filters={"name": ("in", list(moved))}, fields=["name", "dealer_name"], as_list=True
		)
	)
	insert_records(
		ENTRY,
		[
			{
				"name": frappe.generate_hash(length=12),
				"posting_date": posting_date,
				"dealer": dealer,
				"dealer_name": names.get(dealer, ""),
				"rebate_policy": doc.name,
				"company": doc.company,
				"currency": currency,
				"month": month,
				"volume": volumes.get(dealer, ZERO),
				"accrued": targets.get(dealer, ZERO),
				"change": amount,
				"voucher_type": ACCRUAL,
				"voucher_no": record.name,
				"is_reversal": 0,
				"journal_entry": journal_entry,
			}
			for dealer, amount in moved.items()
		],
	)
	return {
		"posted": bool(journal_entry),
		"accrual": record.name,
		"month": month,
		"posting_date": str(posting_date),
		"journal_entry": journal_entry,
		"total_accrued": float(record.total_accrued),
		"change": float(change),
		"note": note,
	}


def check_may_accrue(doc) -> None:
	"""Who may submit the policy (Rebate Accountant, Accounts Manager) may accrue it."""
	doc.check_permission("read")
	frappe.has_permission("Rebate Policy", "submit", doc, throw=True)


@frappe.whitelist(methods=["POST"])
def accrue_rebates(policy: str) -> dict:
	"""Policy form button *Accrue Rebates*: accrue the latest month of the period that has ended.
	A policy covering more dealers than one background job takes is accrued in a background job."""
	doc = frappe.get_doc("Rebate Policy", policy)
	check_may_accrue(doc)
	ensure_submitted(doc)
	accrual_setup(doc.company)  # a missing account is said now, not in a job's log
	if len(covered_dealers(doc)) > dealers_per_job():
		frappe.enqueue(
			"dealer_relations.accruals.accrue",
			queue="long",
			timeout=3600,
			job_id=f"dealer-relations-accrual::{policy}",
			deduplicate=True,
			enqueue_after_commit=True,
			policy=policy,
		)
		return {"queued": True, "posted": False}
	return accrue(policy)


def accrue_running_policies() -> list[str]:
	"""Monthly (on the 1st): accrue the month just ended of every submitted policy whose period
	includes it, in companies with an Accrued Rebate Liability Account. Each policy in its own
	transaction: one that fails is logged and the others go on."""
	day = getdate(today())
	month_start = getdate(add_days(day.replace(day=1), -1)).replace(day=1)
	policies = frappe.get_all(
		"Rebate Policy",
		filters={"docstatus": 1, "from_date": ("<", day), "to_date": (">=", month_start)},
		fields=["name", "company"],
		order_by="from_date asc",
	)
	accrued = []
	for policy in policies:
		if not get_company_settings(policy.company).get("accrued_rebate_account"):
			continue
		try:
			result = accrue(policy.name)
			frappe.db.commit()  # nosemgrep: a scheduled job, one policy's accrual per transaction
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=_("Rebate accrual of {0} failed").format(policy.name))
			continue
		if result.get("accrual"):
			accrued.append(policy.name)
	return accrued


# -- year-end true-up -------------------------------------------------------------------------------


def true_up(settlement) -> str | None:
	"""A settlement approved: what was accrued for its dealer under the policy goes back (Dr accrued
	liability / Cr rebate expense) on the settlement's date, while the settlement posts the earned
	figure, so over accrual and true-up the rebate expense is the settled rebate."""
	lock_policy(settlement.rebate_policy)
	amount = booked(settlement.rebate_policy, [settlement.dealer]).get(settlement.dealer, ZERO)
	sides = reversal_sides(amount)
	if sides is None:
		return None
	setup = accrual_setup(settlement.company)
	debit, credit = accounts_of(setup, sides)
	journal_entry = make_company_journal_entry(
		settlement,
		company=settlement.company,
		posting_date=settlement.posting_date,
		remark=_(
			"Rebate accrued for Dealer {0} under Rebate Policy {1} reversed by Rebate Settlement {2}"
		).format(settlement.dealer_name or settlement.dealer, settlement.rebate_policy, settlement.name),
		debit_account=debit,
		credit_account=credit,
		amount=sides.amount,
		cost_center=setup.cost_center,
	)
	write_true_up(settlement, -amount, journal_entry, is_reversal=False)
	return journal_entry


def write_true_up(settlement, change: Decimal, journal_entry, is_reversal: bool) -> None:
	insert_records(
		ENTRY,
		[
			{
				"name": frappe.generate_hash(length=12),
				"posting_date": settlement.posting_date if not is_reversal else today(),
				"dealer": settlement.dealer,
				"dealer_name": settlement.dealer_name,
				"rebate_policy": settlement.rebate_policy,
				"company": settlement.company,
				"currency": frappe.get_cached_value("Company", settlement.company, "default_currency"),
				"accrued": change if is_reversal else ZERO,
				"change": change,
				"voucher_type": SETTLEMENT,
				"voucher_no": settlement.name,
				"is_reversal": int(is_reversal),
				"journal_entry": journal_entry,
			}
		],
	)


def true_up_entries(settlement) -> list[frappe._dict]:
	return frappe.get_all(
		ENTRY,
		filters={"voucher_type": SETTLEMENT, "voucher_no": settlement.name},
		fields=["change", "journal_entry", "is_reversal"],
	)


def true_up_postings(settlement) -> list[tuple[str, str | None]]:
	return [
		("Journal Entry", row.journal_entry) for row in true_up_entries(settlement) if not row.is_reversal
	]


def check_true_up_cancellable(settlement) -> None:
	"""Before a settlement is cancelled: its true-up posting must be the app's own for it."""
	check_own_postings(settlement, true_up_postings(settlement))


def reverse_true_up(settlement) -> None:
	"""A settlement cancelled: its true-up is cancelled and the dealer's accrual is booked again
	(the opposite entry, once), so next month's accrual goes on from it."""
	rows = true_up_entries(settlement)
	if not rows or any(row.is_reversal for row in rows):
		return
	lock_policy(settlement.rebate_policy)
	cancel_own_postings(settlement, true_up_postings(settlement))
	write_true_up(settlement, -total(dec(row.change) for row in rows), None, is_reversal=True)


# -- reading ----------------------------------------------------------------------------------------


def booked_as_of(policy: str, dealers: list[str], as_of) -> dict[str, Decimal]:
	"""{dealer: accrued in the books on ``as_of``} (the report): one GROUP BY, a plain read."""
	if not dealers:
		return {}
	entry = frappe.qb.DocType(ENTRY)
	rows = (
		frappe.qb.from_(entry)
		.select(entry.dealer, Sum(entry.change))
		.where(entry.rebate_policy == policy)
		.where(entry.dealer.isin(dealers))
		.where(entry.posting_date <= getdate(as_of))
		.groupby(entry.dealer)
		.run()
	)
	return {dealer: dec(amount) for dealer, amount in rows}
