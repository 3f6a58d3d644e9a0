"""Frappe side of dealer credit: load each factor's figures set-based from ERPNext (Payment Ledger,
Sales Invoices, diversion incidents), let the engine rate, write ratings and dealer limits; compute a
dealer's exposure for the submit check."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, CustomFunction, IfNull, Max, Min, Sum
from frappe.utils import add_months, cint, flt, getdate, now_datetime, today
from pypika.terms import ValueWrapper

from dealer_relations.db import insert_records, read_committed_beside, run_query, run_union
from dealer_relations.engine.credit import (
	DEFAULT_GRADE_BANDS,
	FACTORS,
	LIMIT_FROM_RATING,
	LIMIT_MANUAL,
	CreditConfig,
	CreditFacts,
	Exposure,
	GradeBand,
	PaymentRecord,
	carried_share,
	check_grade_bands,
	check_manual_limit,
	check_weights,
	exposure_from_rows,
	exposure_from_sums,
	months_between,
	nothing_held_elsewhere,
	rate,
)
from dealer_relations.engine.dealer import CREDIT_CONTROLLER
from dealer_relations.engine.money import flt_dec as D  # D(): a field as Decimal, read as flt() reads it
from dealer_relations.runs import finish_job, start_run
from dealer_relations.utils import (
	dealers_per_job,
	enforce,
	lock_dealers,
	speak_the_users_language,
	split,
)

DateDiff = CustomFunction("DATEDIFF", ["end", "start"])
DIVERSION_INCIDENT = "Diversion Incident"
# Punctuality looks at invoices due in this many months before the rating date.
PUNCTUALITY_MONTHS = 24
CHUNK_SIZE = 500
CREDIT_MANAGERS = (CREDIT_CONTROLLER, "System Manager")


# -- settings ------------------------------------------------------------------------------------------


def load_config(settings=None) -> CreditConfig:
	settings = settings or frappe.get_cached_doc("Dealer Relations Settings")
	weights = {factor.name: settings.get(factor.weight_field) for factor in FACTORS}
	if not any(flt(value) for value in weights.values()):
		# a site that never saved the credit settings
		weights = {factor.name: factor.default_weight for factor in FACTORS}
	bands = [
		GradeBand(row.grade, D(row.min_score), D(row.limit_multiple), row.order_policy)
		for row in settings.get("credit_grades") or []
	]
	full_points = settings.get("full_points_volume")
	return CreditConfig(
		weights={name: D(value) for name, value in weights.items()},
		bands=tuple(bands) or DEFAULT_GRADE_BANDS,
		full_points_volume=D(full_points) if full_points else CreditConfig().full_points_volume,
	)


def validate_settings(settings) -> None:
	"""Dealer Relations Settings: weights add up to 100, grade bands sorted without overlap."""
	config = load_config(settings)
	enforce(check_weights, config.weights)
	if settings.get("credit_grades"):
		enforce(check_grade_bands, config.bands)


def make_default_credit_settings() -> None:
	"""Install / migrate: default weights and grades, only where the site has none yet."""
	settings = frappe.get_single("Dealer Relations Settings")
	changed = False
	if not any(flt(settings.get(factor.weight_field)) for factor in FACTORS):
		for factor in FACTORS:
			settings.set(factor.weight_field, float(factor.default_weight))
		changed = True
	if not settings.credit_grades:
		for band in DEFAULT_GRADE_BANDS:
			settings.append(
				"credit_grades",
				{
					"grade": band.grade,
					"min_score": float(band.min_score),
					"limit_multiple": float(band.limit_multiple),
					"order_policy": band.order_policy,
				},
			)
		changed = True
	if not settings.full_points_volume:
		settings.full_points_volume = float(CreditConfig().full_points_volume)
		changed = True
	if changed:
		settings.save(ignore_permissions=True)


# -- rating runs -------------------------------------------------------------------------------------


@frappe.whitelist()
def rate_dealers(dealers: list[str] | str | None = None, company: str | None = None) -> dict:
	"""Rate the given dealers (all when None) now, in chunks of set-based queries."""
	frappe.has_permission("Dealer Credit Rating", "create", throw=True)
	if isinstance(dealers, str):
		dealers = json.loads(dealers) if dealers.strip().startswith("[") else [dealers]
	return run_rating(dealers, company)


@frappe.whitelist()
def enqueue_rating(dealers: list[str] | str | None = None, company: str | None = None) -> None:
	"""Dealer form / list button: rate in the background, progress shown to the user."""
	frappe.has_permission("Dealer Credit Rating", "create", throw=True)
	if isinstance(dealers, str):
		dealers = json.loads(dealers) if dealers.strip().startswith("[") else [dealers]
	if dealers is None or len(dealers) > dealers_per_job():
		enqueue_rating_jobs(dealers, company)
		frappe.msgprint(
			_("Credit rating started in the background; the dealers update when it finishes."),
			alert=True,
			indicator="blue",
		)
		return
	frappe.enqueue(
		"dealer_relations.credit.run_rating",
		queue="long",
		timeout=3600,
		enqueue_after_commit=True,
		dealers=dealers,
		company=company,
		progress=True,
	)
	frappe.msgprint(
		_("Credit rating started in the background; the dealers update when it finishes."),
		alert=True,
		indicator="blue",
	)


def rate_dealers_monthly() -> None:
	"""Scheduler (monthly_long): rate every dealer when the setting asks for it, in jobs of
	*Dealers per Background Job* dealers that every long-queue worker can take."""
	if frappe.db.get_single_value("Dealer Relations Settings", "rate_dealers_monthly"):
		enqueue_rating_jobs(None, None)


def rating_jobs(
	dealers: Iterable[str] | None = None, company: str | None = None, as_of=None, size: int | None = None
) -> list[dict]:
	"""The keyword arguments of each job of a chunked rating run (dealers in name order)."""
	names = rating_names(dealers, company)
	as_of = str(getdate(as_of or today()))
	return [{"dealers": chunk, "as_of": as_of} for chunk in split(names, size or dealers_per_job())]


def rating_names(dealers: Iterable[str] | None, company: str | None) -> list[str]:
	filters = {"name": ("in", list(dealers) or [""])} if dealers is not None else {}
	if company:
		filters["company"] = company
	return frappe.get_all("Dealer", filters=filters, pluck="name", order_by="name")


def enqueue_rating_jobs(
	dealers: Iterable[str] | None = None, company: str | None = None, queue: str = "long", as_of=None
):
	"""Split a rating run into jobs on ``queue`` shared by every worker listening on it. The run is
	recorded (Dealer Relations Run); while a run of the same day and dealers is unfinished, calling
	this again resumes it (the monthly schedule, or the button pressed again)."""
	as_of = str(getdate(as_of or today()))
	dealers = None if dealers is None else list(dealers)
	chosen = "all" if dealers is None else hashlib.sha1("\n".join(sorted(dealers)).encode()).hexdigest()[:16]
	return start_run(
		"Credit Rating",
		f"{as_of}:{company or ''}:{chosen}",
		lambda: rating_jobs(dealers, company, as_of),
		queue,
	)


def run_rating_job(
	dealers: list[str], as_of: str, run: str | None = None, jobs: int = 1, job: int = 0
) -> dict:
	"""One job of a chunked rating run. Idempotent: under the dealers' row locks, a dealer already
	rated on ``as_of`` (the job ran before, or another worker ran it) is not rated again."""
	speak_the_users_language()
	as_of = getdate(as_of)
	lock_dealers(dealers)
	# a locking read: it sees ratings another worker committed while this one waited for the locks
	rating = frappe.qb.DocType("Dealer Credit Rating")
	rated = set(
		frappe.qb.from_(rating)
		.select(rating.dealer)
		.where(rating.dealer.isin(dealers or [""]))
		.where(rating.rating_date == as_of)
		.for_update()
		.run(pluck=True)
	)
	todo = [name for name in dealers if name not in rated]
	rate_chunk(todo, load_config(), as_of)
	done, jobs = (finish_job(run, job) or (0, jobs)) if run else (jobs, jobs)
	frappe.publish_progress(
		done * 100 / jobs,
		title=_("Rating dealer credit"),
		description=_("{0} of {1} jobs").format(done, jobs),
	)
	return {"rated": len(todo), "already_rated": len(rated)}


def run_rating(
	dealers: Iterable[str] | None = None,
	company: str | None = None,
	as_of=None,
	chunk_size: int = CHUNK_SIZE,
	progress: bool = False,
) -> dict:
	if progress:
		speak_the_users_language()
	names = rating_names(dealers, company)
	as_of = getdate(as_of or today())
	config = load_config()
	for start in range(0, len(names), chunk_size):
		rate_chunk(names[start : start + chunk_size], config, as_of)
		if progress:
			frappe.publish_progress(
				min(100, (start + chunk_size) * 100 / len(names)),
				title=_("Rating dealer credit"),
				description=_("{0} of {1} dealers").format(min(len(names), start + chunk_size), len(names)),
			)
	return {"rated": len(names), "rating_date": str(as_of)}


def rate_chunk(names: list[str], config: CreditConfig, as_of: date) -> dict[str, object]:
	"""Rate one chunk: one query per group of factors for all its dealers, then bulk writes."""
	if not names:
		return {}
	dealers = load_dealers(names)
	customers = [d.customer for d in dealers.values()]
	payments = load_payment_records(customers, as_of)
	worst = load_worst_overdue(customers, as_of)
	sales = load_sales(customers, as_of)
	diversions = load_diversions(names, as_of)

	ratings, factor_rows, dealer_updates = [], [], {}
	result = {}
	for dealer in dealers.values():
		key = (dealer.customer, dealer.company)
		record = payments.get(key, PaymentRecord())
		record = PaymentRecord(
			record.due_amount, record.paid_on_time, record.late_amount_days, worst.get(key, 0)
		)
		sold = sales.get(key) or frappe._dict()
		since = min(
			filter(
				None, [getdate(dealer.creation), getdate(sold.first_invoice) if sold.first_invoice else None]
			)
		)
		facts = CreditFacts(
			payments=record,
			relationship_months=months_between(since, as_of),
			sales_last_12=D(sold.gross_12) - D(sold.returns_12),
			sales_prior_12=D(sold.net_prior_12),
			returns_last_12=D(sold.returns_12),
			diversions_12m=diversions.get(dealer.name, 0),
		)
		rating = rate(facts, D(dealer.default_credit_limit), config)
		result[dealer.name] = rating
		limit = D(dealer.manual_credit_limit) if dealer.pin_credit_limit else rating.credit_limit
		name = frappe.generate_hash(length=12)
		ratings.append(
			{
				"name": name,
				"dealer": dealer.name,
				"dealer_name": dealer.dealer_name,
				"company": dealer.company,
				"rating_date": as_of,
				"credit_score": float(rating.score),
				"credit_grade": rating.grade,
				"order_policy": rating.order_policy,
				"credit_limit": float(limit),
				"limit_source": LIMIT_MANUAL if dealer.pin_credit_limit else LIMIT_FROM_RATING,
				"rated_credit_limit": float(rating.credit_limit),
				"average_monthly_sales": float(rating.average_monthly_sales),
				"tier": dealer.tier,
				"tier_default_credit_limit": flt(dealer.default_credit_limit),
			}
		)
		for idx, factor in enumerate(rating.factors, start=1):
			factor_rows.append(
				{
					"name": frappe.generate_hash(length=12),
					"parent": name,
					"parenttype": "Dealer Credit Rating",
					"parentfield": "factors",
					"idx": idx,
					"factor": factor.factor,
					"value": "" if factor.value is None else str(factor.value),
					"weight": float(factor.weight),
					"points": float(factor.points),
				}
			)
		dealer_updates[dealer.name] = {
			"credit_score": float(rating.score),
			"credit_grade": rating.grade,
			"credit_order_policy": rating.order_policy,
			"credit_limit": float(limit),
			"last_rated_on": as_of,
		}
	insert_records("Dealer Credit Rating", ratings)
	insert_records("Dealer Credit Rating Factor", factor_rows)
	frappe.db.bulk_update("Dealer", dealer_updates, update_modified=False)
	return result


# -- factor queries (one per factor group, for a whole chunk) --------------------------------------------


def load_dealers(names: list[str]) -> dict[str, frappe._dict]:
	dealer = frappe.qb.DocType("Dealer")
	tier = frappe.qb.DocType("Dealer Tier")
	rows = (
		frappe.qb.from_(dealer)
		.left_join(tier)
		.on(tier.name == dealer.tier)
		.select(
			dealer.name,
			dealer.dealer_name,
			dealer.customer,
			dealer.company,
			dealer.tier,
			dealer.creation,
			dealer.pin_credit_limit,
			dealer.manual_credit_limit,
			tier.default_credit_limit,
		)
		.where(dealer.name.isin(names))
		.run(as_dict=True)
	)
	return {row.name: row for row in rows}


def _receivable_rows(customers: list[str], as_of: date):
	"""Payment Ledger rows of the customers' sales invoices, joined to the invoice for its due date."""
	ple = frappe.qb.DocType("Payment Ledger Entry")
	invoice = frappe.qb.DocType("Sales Invoice")
	start = getdate(add_months(as_of, -PUNCTUALITY_MONTHS))
	query = (
		frappe.qb.from_(ple)
		.join(invoice)
		.on(invoice.name == ple.against_voucher_no)
		.where(ple.party_type == "Customer")
		.where(ple.party.isin(customers))
		.where(ple.against_voucher_type == "Sales Invoice")
		.where(ple.delinked == 0)
		.where(ple.posting_date <= as_of)
		.where(invoice.due_date > start)
	)
	return query, ple, invoice


def load_payment_records(customers: list[str], as_of: date) -> dict[tuple, PaymentRecord]:
	"""Punctuality per (customer, company) from the Payment Ledger: amount due, paid on time, and
	amount x days late (settled late, or still open past due as of the rating date)."""
	if not customers:
		return {}
	query, ple, invoice = _receivable_rows(customers, as_of)
	settlement = (ple.voucher_no != ple.against_voucher_no) | (ple.voucher_type != ple.against_voucher_type)
	invoice_row = (ple.voucher_no == ple.against_voucher_no) & (ple.voucher_type == ple.against_voucher_type)
	due = invoice.due_date <= as_of
	rows = (
		query.select(
			ple.party,
			ple.company,
			Sum(Case().when(invoice_row & due & (ple.amount > 0), ple.amount).else_(0)).as_("due_amount"),
			Sum(
				Case().when(settlement & due & (ple.posting_date <= invoice.due_date), -ple.amount).else_(0)
			).as_("paid_on_time"),
			Sum(
				Case()
				.when(
					settlement & due & (ple.posting_date > invoice.due_date),
					-ple.amount * DateDiff(ple.posting_date, invoice.due_date),
				)
				.else_(0)
			).as_("late_paid"),
			Sum(
				Case().when(invoice.due_date < as_of, ple.amount * DateDiff(as_of, invoice.due_date)).else_(0)
			).as_("open_late"),
		)
		.groupby(ple.party, ple.company)
		.run(as_dict=True)
	)
	return {
		(row.party, row.company): PaymentRecord(
			due_amount=D(row.due_amount),
			paid_on_time=min(D(row.paid_on_time), D(row.due_amount)),
			late_amount_days=max(Decimal(0), D(row.late_paid)) + max(Decimal(0), D(row.open_late)),
		)
		for row in rows
	}


def load_worst_overdue(customers: list[str], as_of: date) -> dict[tuple, int]:
	"""Days past due of each (customer, company)'s oldest invoice still open."""
	if not customers:
		return {}
	query, ple, invoice = _receivable_rows(customers, as_of)
	open_invoices = (
		query.select(
			ple.party.as_("party"),
			ple.company.as_("company"),
			invoice.due_date.as_("due_date"),
		)
		.where(invoice.due_date < as_of)
		.groupby(ple.party, ple.company, ple.against_voucher_no, invoice.due_date)
		.having(Sum(ple.amount) > 0.005)
	).as_("open_invoices")
	rows = (
		frappe.qb.from_(open_invoices)
		.select(
			open_invoices.party,
			open_invoices.company,
			Max(DateDiff(as_of, open_invoices.due_date)).as_("days"),
		)
		.groupby(open_invoices.party, open_invoices.company)
		.run(as_dict=True)
	)
	return {(row.party, row.company): cint(row.days) for row in rows}


def load_sales(customers: list[str], as_of: date) -> dict[tuple, frappe._dict]:
	"""Net sales of the last 12 months and the 12 before, returns, and the first invoice date.

	The credit notes the app posts for a rebate settlement are neither returns nor sales: a rebate
	paid as a credit note rates the dealer as one paid by journal entry does."""
	if not customers:
		return {}
	invoice = frappe.qb.DocType("Sales Invoice")
	settlement = frappe.qb.DocType("Rebate Settlement")
	rebate_credit_notes = (
		frappe.qb.from_(settlement)
		.select(settlement.credit_note)
		.where(settlement.customer.isin(customers))
		.where(IfNull(settlement.credit_note, "") != "")
	)
	year_ago = getdate(add_months(as_of, -12))
	two_years_ago = getdate(add_months(as_of, -24))
	last_year = invoice.posting_date > year_ago
	rows = (
		frappe.qb.from_(invoice)
		.select(
			invoice.customer,
			invoice.company,
			Sum(Case().when(last_year & (invoice.is_return == 0), invoice.base_net_total).else_(0)).as_(
				"gross_12"
			),
			Sum(Case().when(last_year & (invoice.is_return == 1), -invoice.base_net_total).else_(0)).as_(
				"returns_12"
			),
			Sum(
				Case()
				.when(
					(invoice.posting_date > two_years_ago) & (invoice.posting_date <= year_ago),
					invoice.base_net_total,
				)
				.else_(0)
			).as_("net_prior_12"),
			Min(invoice.posting_date).as_("first_invoice"),
		)
		.where(invoice.docstatus == 1)
		.where(invoice.customer.isin(customers))
		.where(invoice.posting_date <= as_of)
		.where(invoice.name.notin(rebate_credit_notes))
		.groupby(invoice.customer, invoice.company)
		.run(as_dict=True)
	)
	return {(row.customer, row.company): row for row in rows}


def load_diversions(dealers: list[str], as_of: date) -> dict[str, int]:
	"""Confirmed (submitted) diversion incidents of the last 12 months; 0 until the diversion
	capability's doctype exists on the site."""
	if not dealers or not frappe.db.table_exists(DIVERSION_INCIDENT):
		return {}
	incident = frappe.qb.DocType(DIVERSION_INCIDENT)
	rows = (
		frappe.qb.from_(incident)
		.select(incident.dealer, Count("*"))
		.where(incident.docstatus == 1)
		.where(incident.dealer.isin(dealers))
		.where(incident.incident_date > getdate(add_months(as_of, -12)))
		.where(incident.incident_date <= as_of)
		.groupby(incident.dealer)
		.run()
	)
	return {dealer: cint(count) for dealer, count in rows}


# -- manual limit, history -------------------------------------------------------------------------------


@frappe.whitelist()
def pin_credit_limit(
	dealer: str, pin: int | str = 1, limit: float | str | None = None, reason: str | None = None
):
	"""A Credit Controller pins (or releases) a dealer's limit; ratings keep a pinned limit."""
	if not set(CREDIT_MANAGERS) & set(frappe.get_roles()):
		frappe.throw(
			_("Only a Credit Controller may pin or release a dealer's credit limit"),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	frappe.has_permission("Dealer", "read", doc=dealer, throw=True)
	pin = cint(pin)
	amount = D(limit) if limit not in (None, "") else None
	enforce(check_manual_limit, bool(pin), amount, reason)
	values = {
		"pin_credit_limit": pin,
		"manual_credit_limit": float(amount or 0) if pin else 0,
		"manual_limit_reason": (reason or "").strip() if pin else None,
		"manual_limit_set_by": frappe.session.user if pin else None,
		"manual_limit_set_on": now_datetime() if pin else None,
	}
	if pin:
		values["credit_limit"] = float(amount)
	else:
		latest = frappe.get_all(
			"Dealer Credit Rating",
			filters={"dealer": dealer},
			fields=["rated_credit_limit"],
			order_by="rating_date desc, creation desc",
			limit=1,
		)
		values["credit_limit"] = latest[0].rated_credit_limit if latest else 0
	doc = frappe.get_doc("Dealer", dealer)
	doc.db_set(values, update_modified=True)
	doc.add_comment(
		"Info",
		_("Credit limit pinned at {0}: {1}").format(
			frappe.format(amount, "Currency"), frappe.utils.escape_html(values["manual_limit_reason"])
		)
		if pin
		else _("Pinned credit limit released; ratings set the limit again"),
	)
	return values


@frappe.whitelist()
def get_credit_history(dealer: str, limit: int = 24) -> list[dict]:
	"""The dealer's recent ratings, oldest first, for the score chart on the Dealer form."""
	frappe.has_permission("Dealer", "read", doc=dealer, throw=True)
	rows = frappe.get_list(
		"Dealer Credit Rating",
		filters={"dealer": dealer},
		fields=["rating_date", "credit_score", "credit_grade", "credit_limit"],
		order_by="rating_date desc, creation desc",
		limit_page_length=cint(limit) or 24,
	)
	return list(reversed(rows))


# -- exposure for the submit check ---------------------------------------------------------------------


def get_exposure(customer: str, company: str, lock: bool = False, exclude: str | None = None) -> Exposure:
	"""Open receivables, unallocated advances, unbilled orders and unbilled delivery notes of one
	customer in one company, in the company's currency.

	Indexed queries that read only what is open, whatever the dealer's history: the customer's Sales
	Invoices (and credit notes carrying their own balance) with an outstanding amount — ERPNext keeps
	``outstanding_amount`` equal to the Payment Ledger's balance against the invoice, in the party
	account's currency, converted here at the invoice's rate when that is not the company's — then
	the Payment Ledger's balances against anything else (payments and journal entries not set against
	an invoice), unbilled Sales Orders, and the unbilled lines of Delivery Notes not made from an order
	or an invoice (as ERPNext's own ``get_customer_outstanding`` counts them). A positive balance is
	receivable, a negative one an unallocated advance.

	``lock``: the caller holds the dealer's row lock (a submit being judged) and needs every committed
	document, including those committed after its transaction's snapshot (see
	``read_committed_rows``). Read once here with a locking read that skips what others hold and once
	on a second connection at the same time, each all in one statement with the rows' names: when
	the second sees no open row the first skipped (nobody else holds one: the usual case), the first
	is the exposure; otherwise it is read again row by row."""
	values = {
		"customer": customer,
		"company": company,
		"currency": frappe.get_cached_value("Company", company, "default_currency"),
		"exclude": exclude or "",
	}
	if not lock:
		return exposure_from_sums(frappe.db.sql(EXPOSURE_SQL, values))
	committed = read_committed_beside(EXPOSURE_SQL, values)
	held_here = frappe.db.sql(EXPOSURE_SQL_SKIP_LOCKED, values)
	if nothing_held_elsewhere(held_here, committed()):
		return exposure_from_sums(held_here)
	return exposure_from_rows(read_committed_rows(exposure_parts(customer, company, exclude)))


# The exposure in one statement whatever the dealer's history (constant SQL, every value bound: it
# runs on every judged submit and every portal home page, where building it with the query builder
# cost more than the database's work). One row per part — per voucher for the Payment Ledger, whose
# rows count by their voucher's balance — with what is receivable (> 0) and advanced (< 0), how many
# rows and their names; the same rows as exposure_parts' queries (a tier-2 test holds them equal).
INVOICE_AMOUNT = (
	"CASE WHEN `party_account_currency` = %(currency)s THEN `outstanding_amount`"
	" ELSE `outstanding_amount` * `conversion_rate` END"
)
ORDER_AMOUNT = "`base_grand_total` * (100 - `per_billed`) / 100"
DELIVERY_AMOUNT = "(`line`.`amount` - `line`.`billed_amt`) / `note`.`net_total` * `note`.`base_grand_total`"
NAMES = " SEPARATOR '\\n') "  # engine.credit.NAME_SEPARATOR
INVOICES_PART = (
	"SELECT 'invoices', NULL, NULL,"
	" SUM(CASE WHEN " + INVOICE_AMOUNT + " > 0 THEN " + INVOICE_AMOUNT + " ELSE 0 END),"
	" SUM(CASE WHEN " + INVOICE_AMOUNT + " < 0 THEN " + INVOICE_AMOUNT + " ELSE 0 END),"
	" COUNT(*), GROUP_CONCAT(`name`" + NAMES + "FROM `tabSales Invoice`"
	" WHERE `customer` = %(customer)s AND `outstanding_amount` <> 0 AND `company` = %(company)s"
	" AND `docstatus` = 1"
)
LEDGER_PART = (
	"SELECT 'ledger', `against_voucher_type`, `against_voucher_no`, SUM(`amount`), 0,"
	" COUNT(*), GROUP_CONCAT(`name`" + NAMES + "FROM `tabPayment Ledger Entry`"
	" WHERE `party_type` = 'Customer' AND `against_voucher_type` <> 'Sales Invoice' AND `delinked` = 0"
	" AND `account_type` = 'Receivable' AND `party` = %(customer)s AND `company` = %(company)s"
	" GROUP BY `against_voucher_type`, `against_voucher_no`"
)
ORDERS_PART = (
	"SELECT 'orders', NULL, NULL, SUM("
	+ ORDER_AMOUNT
	+ "), 0, COUNT(*), GROUP_CONCAT(`name`"
	+ NAMES
	+ "FROM `tabSales Order` WHERE `docstatus` = 1 AND `per_billed` < 100 AND `status` <> 'Closed'"
	" AND `customer` = %(customer)s AND `company` = %(company)s AND `name` <> %(exclude)s"
)
DELIVERIES_PART = (
	"SELECT 'deliveries', NULL, NULL, SUM(" + DELIVERY_AMOUNT + "), 0, COUNT(*),"
	" GROUP_CONCAT(`line`.`name`" + NAMES + "FROM `tabDelivery Note Item` `line`"
	" JOIN `tabDelivery Note` `note` ON `note`.`name` = `line`.`parent`"
	" WHERE `line`.`parenttype` = 'Delivery Note' AND `note`.`docstatus` = 1 AND `note`.`is_return` = 0"
	" AND `note`.`per_billed` < 100 AND `note`.`status` NOT IN ('Closed', 'Stopped')"
	" AND IFNULL(`line`.`against_sales_order`, '') = '' AND IFNULL(`line`.`against_sales_invoice`, '') = ''"
	" AND `line`.`amount` > `line`.`billed_amt` AND `note`.`net_total` <> 0"
	" AND `note`.`customer` = %(customer)s AND `note`.`company` = %(company)s"
)
# the names of a big dealer's open rows in one value (MariaDB's default stops at 1 MiB)
LONG_CONCAT = "SET STATEMENT group_concat_max_len = 67108864 FOR "
SKIP_LOCKED_PART = " LOCK IN SHARE MODE SKIP LOCKED) UNION ALL ("
EXPOSURE_SQL = (
	LONG_CONCAT
	+ "("
	+ INVOICES_PART
	+ ") UNION ALL ("
	+ LEDGER_PART
	+ ") UNION ALL ("
	+ ORDERS_PART
	+ ") UNION ALL ("
	+ DELIVERIES_PART
	+ ")"
)
EXPOSURE_SQL_SKIP_LOCKED = (
	LONG_CONCAT
	+ "("
	+ INVOICES_PART
	+ SKIP_LOCKED_PART
	+ LEDGER_PART
	+ SKIP_LOCKED_PART
	+ ORDERS_PART
	+ SKIP_LOCKED_PART
	+ DELIVERIES_PART
	+ " LOCK IN SHARE MODE SKIP LOCKED)"
)


@dataclass(frozen=True)
class ExposurePart:
	"""One source of exposure as rows keyed by a unique name (a document, a line, a ledger row).

	``rows()``: the open rows, ``(name, amount, ...)``; ``held(names)``: the same tables joined the
	same way, narrowed to ``names`` only (no condition on what is open), selecting the name."""

	rows: Callable[[], object]
	held: Callable[[list[str]], object]


def read_committed_rows(parts: dict[str, ExposurePart]) -> dict[str, list[tuple]]:
	"""{part: its open rows} as the last committed version of each, plus this transaction's own
	changes, without waiting for any lock (so without deadlocks).

	The caller holds the dealer's row lock, which every judged submit of the dealer takes before it
	touches any document, so every judged submit that came before has committed. This transaction's
	snapshot is older (taken at its first read), so the rows are read twice, each time all parts in
	one ``UNION ALL`` statement:

	- here, as a locking read that skips what another transaction holds (``SKIP LOCKED`` never
	  waits): the last committed version of every row nobody else holds, and this transaction's own
	  uncommitted changes;
	- at the same time on a second connection (``read_committed_beside``, in a thread) whose snapshot
	  starts now, after the dealer's lock was taken: the last committed version of every row,
	  including those another transaction holds right now (a Delivery Note against the order being
	  submitted, an invoice being paid) — a consistent read never waits for a lock and never takes
	  one.

	A row the second connection sees open but this one skipped is held by another transaction: its
	committed version counts. One it skipped for being no longer open here (this transaction billed
	it) does not: a locking read of those names tells the two apart."""
	queries, widths = exposure_queries(parts)
	committed = read_committed_beside(queries)
	rows = rows_by_part(run_union(queries, SKIP_LOCKED), widths)
	committed_rows = rows_by_part(committed(), widths)
	for key, part in parts.items():
		others = [name for name in committed_rows[key] if name not in rows[key]]
		if others:
			readable = set(run_query(part.held(others), SKIP_LOCKED, pluck=True))
			rows[key].update({name: committed_rows[key][name] for name in others if name not in readable})
	return {key: list(part_rows.values()) for key, part_rows in rows.items()}


# the widest part's columns (the ledger's: name, amount, against voucher type and name)
EXPOSURE_COLUMNS = 4


def exposure_queries(parts: dict[str, ExposurePart]) -> tuple[list, dict[str, int]]:
	"""Each part's open rows padded to the same columns, the part's key last, for one UNION ALL;
	and {part: how many columns it selects}."""
	queries, widths = [], {}
	for key, part in parts.items():
		query = part.rows()
		widths[key] = len(query._selects)
		padding = [ValueWrapper(None)] * (EXPOSURE_COLUMNS - widths[key])
		queries.append(query.select(*padding, ValueWrapper(key)))
	return queries, widths


def rows_by_part(rows: list[tuple], widths: dict[str, int]) -> dict[str, dict[str, tuple]]:
	"""{part: {name: its row as the part selects it}} of ``exposure_queries``' rows."""
	by_part: dict[str, dict[str, tuple]] = {key: {} for key in widths}
	for row in rows:
		key = row[-1]
		by_part[key][row[0]] = tuple(row[: widths[key]])
	return by_part


SKIP_LOCKED = " LOCK IN SHARE MODE SKIP LOCKED"


def exposure_parts(customer: str, company: str, exclude: str | None = None) -> dict[str, ExposurePart]:
	invoice = frappe.qb.DocType("Sales Invoice")
	company_currency = frappe.get_cached_value("Company", company, "default_currency")

	def invoices():
		return (
			frappe.qb.from_(invoice)
			.select(invoice.name, open_amount(invoice, ValueWrapper(company_currency)).as_("amount"))
			.where(invoice.customer == customer)
			.where(invoice.outstanding_amount != 0)
			.where(invoice.company == company)
			.where(invoice.docstatus == 1)
		)

	ple = frappe.qb.DocType("Payment Ledger Entry")

	def ledger():
		return (
			ledger_not_against_invoices(ple)
			.select(ple.name, ple.amount, ple.against_voucher_type, ple.against_voucher_no)
			.where(ple.party == customer)
			.where(ple.company == company)
		)

	order = frappe.qb.DocType("Sales Order")

	def orders():
		query = (
			unbilled_orders(order)
			.select(order.name, order_unbilled_amount(order).as_("amount"))
			.where(order.customer == customer)
			.where(order.company == company)
		)
		return query.where(order.name != exclude) if exclude else query

	note = frappe.qb.DocType("Delivery Note")
	line = frappe.qb.DocType("Delivery Note Item")

	def deliveries():
		return (
			unbilled_delivery_lines(note, line)
			.select(line.name, delivery_line_unbilled_amount(note, line).as_("amount"))
			.where(note.customer == customer)
			.where(note.company == company)
		)

	def held(table):
		return lambda names: frappe.qb.from_(table).select(table.name).where(table.name.isin(names))

	def held_lines(names):
		return (
			frappe.qb.from_(line)
			.join(note)
			.on(note.name == line.parent)
			.select(line.name)
			.where(line.name.isin(names))
		)

	return {
		"invoices": ExposurePart(invoices, held(invoice)),
		"ledger": ExposurePart(ledger, held(ple)),
		"orders": ExposurePart(orders, held(order)),
		"deliveries": ExposurePart(deliveries, held_lines),
	}


def open_amount(invoice, company_currency):
	"""An open Sales Invoice's outstanding amount in the company's currency: ERPNext keeps it in the
	party account's currency, converted at the invoice's rate when that is not the company's."""
	return (
		Case()
		.when(invoice.party_account_currency == company_currency, invoice.outstanding_amount)
		.else_(invoice.outstanding_amount * invoice.conversion_rate)
	)


def ledger_not_against_invoices(ple):
	"""Customers' receivable Payment Ledger rows against anything but a Sales Invoice (payments and
	journal entries not set against one); callers select and narrow to their customers."""
	return (
		frappe.qb.from_(ple)
		.where(ple.party_type == "Customer")
		.where(ple.against_voucher_type != "Sales Invoice")
		.where(ple.delinked == 0)
		.where(ple.account_type == "Receivable")
	)


def balances_not_against_invoices(ple):
	"""The rows of ``ledger_not_against_invoices`` summed per voucher, the balances not zero."""
	return (
		ledger_not_against_invoices(ple)
		.groupby(ple.against_voucher_type, ple.against_voucher_no)
		.having(Sum(ple.amount) != 0)
	)


def unbilled_orders(order):
	"""Submitted Sales Orders not fully billed nor closed (callers select and narrow)."""
	return (
		frappe.qb.from_(order)
		.where(order.docstatus == 1)
		.where(order.per_billed < 100)
		.where(order.status != "Closed")
	)


def order_unbilled_amount(order):
	return order.base_grand_total * (100 - order.per_billed) / 100


def unbilled_delivery_lines(note, line):
	"""Lines of submitted Delivery Notes made from neither a Sales Order nor a Sales Invoice, not
	fully billed (the order or the invoice already counts the others; callers select and narrow)."""
	return (
		frappe.qb.from_(line)
		.join(note)
		.on(note.name == line.parent)
		.where(line.parenttype == "Delivery Note")
		.where(note.docstatus == 1)
		.where(note.is_return == 0)
		.where(note.per_billed < 100)
		.where(note.status.notin(["Closed", "Stopped"]))
		.where(IfNull(line.against_sales_order, "") == "")
		.where(IfNull(line.against_sales_invoice, "") == "")
		.where(line.amount > line.billed_amt)
		.where(note.net_total != 0)
	)


def delivery_line_unbilled_amount(note, line):
	"""The line's unbilled share of the note's grand total, in the company's currency (as ERPNext's
	``get_customer_outstanding``, with amounts and totals taken in one currency)."""
	return (line.amount - line.billed_amt) / note.net_total * note.base_grand_total


def document_amount(doc) -> Decimal:
	"""What this Sales Order, Sales Invoice or Delivery Note adds to the dealer's exposure (company
	currency).

	A line that bills or delivers a line exposure already counts (an invoice line billing an order
	line or a delivery note line, a delivery note line made from an order or an invoice line) only
	moves that amount, so it adds nothing — up to what the counted line has left (see
	``carried_amount``); a POS invoice adds only what was not paid at the till."""
	total = D(doc.base_grand_total)
	net = D(doc.base_net_total)
	carried = carried_amount(doc)
	if net and carried:
		total = total * (net - min(carried, net)) / net
	if doc.doctype == "Sales Invoice" and doc.get("is_pos"):
		total -= D(doc.base_paid_amount) - D(doc.get("base_change_amount"))
	return max(Decimal(0), total)


@dataclass(frozen=True)
class CarriedFrom:
	"""A line field linking a document's line to the line it was made from, and what of that line
	exposure counts: ``open_lines(line, parent, doc)`` is a query of the lines exposure counts for
	``doc``'s customer, company and currency, ``left(line)`` what each still has open (transaction
	currency)."""

	line_field: str
	doctype: str
	open_lines: Callable
	left: Callable


def _order_lines(line, order, doc):
	return (
		unbilled_orders(order)
		.join(line)
		.on(line.parent == order.name)
		.where(order.customer == doc.customer)
		.where(order.company == doc.company)
		.where(order.currency == doc.currency)
	)


def _note_lines(line, note, doc):
	return (
		unbilled_delivery_lines(note, line)
		.where(note.customer == doc.customer)
		.where(note.company == doc.company)
		.where(note.currency == doc.currency)
	)


def _invoice_lines(line, invoice, doc):
	return (
		frappe.qb.from_(line)
		.join(invoice)
		.on(invoice.name == line.parent)
		.where(invoice.docstatus == 1)
		.where(invoice.is_return == 0)
		.where(invoice.customer == doc.customer)
		.where(invoice.company == doc.company)
		.where(invoice.currency == doc.currency)
	)


def _unbilled(line):
	return line.amount - line.billed_amt


def _whole(line):
	return line.amount


# per doctype, the links a line may carry, the first that is set deciding
CARRIED_FROM = {
	"Sales Invoice": (
		CarriedFrom("so_detail", "Sales Order", _order_lines, _unbilled),
		CarriedFrom("dn_detail", "Delivery Note", _note_lines, _unbilled),
	),
	"Delivery Note": (
		CarriedFrom("so_detail", "Sales Order", _order_lines, _unbilled),
		CarriedFrom("si_detail", "Sales Invoice", _invoice_lines, _whole),
	),
}


def carried_amount(doc) -> Decimal:
	"""The part of ``doc``'s net total (company currency) that only moves exposure counted already.

	A line carries what it bills or delivers of the line its ``so_detail`` / ``dn_detail`` /
	``si_detail`` names, only if exposure counts that line (a submitted, open document of the same
	customer, company and currency) and only up to what that line has left; lines naming the same
	line share it. A link a client set to anything else — no line, another customer's order, a
	closed or billed one, more than is left — carries nothing, so the check sees the amount.
	One query per kind of link the document's lines use."""
	carried = Decimal(0)
	groups: dict[tuple[int, str], list] = {}
	for row in doc.get("items") or []:
		for index, link in enumerate(CARRIED_FROM.get(doc.doctype, ())):
			if row.get(link.line_field):
				groups.setdefault((index, row.get(link.line_field)), []).append(row)
				break
	for index, link in enumerate(CARRIED_FROM.get(doc.doctype, ())):
		names = [name for kind, name in groups if kind == index]
		if not names:
			continue
		line = frappe.qb.DocType(f"{link.doctype} Item")
		parent = frappe.qb.DocType(link.doctype)
		query = link.open_lines(line, parent, doc).select(line.name, link.left(line))
		left = dict(query.where(line.name.isin(names)).run())
		for name in names:
			rows = groups[(index, name)]
			amount = sum((D(row.amount) for row in rows), Decimal(0))
			base = sum((D(row.base_net_amount) for row in rows), Decimal(0))
			still_open = left.get(name)
			carried += carried_share(base, amount, None if still_open is None else D(still_open))
	return carried
