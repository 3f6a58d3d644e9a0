"""Frappe side of dealer credit: load each factor's figures set-based from ERPNext (Payment Ledger,
Sales Invoices, diversion incidents), let the engine rate, write ratings and dealer limits; compute a
dealer's exposure for the submit check."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, CustomFunction, Max, Min, Sum
from frappe.utils import add_months, cint, flt, getdate, now_datetime, today
from pypika.terms import ValueWrapper

from dealer_relations.db import insert_records, run_query
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
	check_grade_bands,
	check_manual_limit,
	check_weights,
	months_between,
	rate,
)
from dealer_relations.engine.dealer import CREDIT_CONTROLLER
from dealer_relations.engine.money import flt_dec as D  # D(): a field as Decimal, read as flt() reads it
from dealer_relations.runs import finish_job, start_run
from dealer_relations.utils import (
	dealers_per_job,
	enforce,
	lock_dealers,
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
	"""Net sales of the last 12 months and the 12 before, returns, and the first invoice date."""
	if not customers:
		return {}
	invoice = frappe.qb.DocType("Sales Invoice")
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
	"""Open receivables, unallocated advances and unbilled orders of one customer in one company.

	Three indexed queries that read only what is open, whatever the dealer's history: the customer's
	Sales Invoices (and credit notes carrying their own balance) with an outstanding amount — ERPNext
	keeps ``outstanding_amount`` equal to the Payment Ledger's balance against the invoice, in the
	party account's currency, converted here at the invoice's rate when that is not the company's —
	then the Payment Ledger's balances against anything else (payments and journal entries not set
	against an invoice), then unbilled Sales Orders. A positive balance is receivable, a negative one
	an unallocated advance.

	With ``lock`` they are locking reads: under the dealer's row lock they see what a concurrent
	submit just committed, which a plain read inside the transaction's older snapshot would miss.
	SKIP LOCKED passes over rows another transaction holds, i.e. documents being saved or submitted
	right now: waiting for them while they wait for the dealer's lock would deadlock, and an
	uncommitted row is not yet exposure.
	"""
	invoice = frappe.qb.DocType("Sales Invoice")
	company_currency = frappe.get_cached_value("Company", company, "default_currency")
	in_company_currency = open_amount(invoice, ValueWrapper(company_currency))
	open_invoices = (
		frappe.qb.from_(invoice)
		.select(
			Sum(Case().when(invoice.outstanding_amount > 0, in_company_currency).else_(0)),
			Sum(Case().when(invoice.outstanding_amount < 0, in_company_currency).else_(0)),
		)
		.where(invoice.customer == customer)
		.where(invoice.outstanding_amount != 0)
		.where(invoice.company == company)
		.where(invoice.docstatus == 1)
	)
	ple = frappe.qb.DocType("Payment Ledger Entry")
	other_balances = (
		balances_not_against_invoices(ple)
		.select(Sum(ple.amount).as_("balance"))
		.where(ple.party == customer)
		.where(ple.company == company)
	)
	order = frappe.qb.DocType("Sales Order")
	unbilled = (
		frappe.qb.from_(order)
		.select(Sum(order.base_grand_total * (100 - order.per_billed) / 100))
		.where(order.customer == customer)
		.where(order.company == company)
		.where(order.docstatus == 1)
		.where(order.per_billed < 100)
		.where(order.status != "Closed")
	)
	if exclude:
		unbilled = unbilled.where(order.name != exclude)
	suffix = " LOCK IN SHARE MODE SKIP LOCKED" if lock else ""
	receivable, credit = run_query(open_invoices, suffix)[0]
	values = [D(receivable), D(credit)]
	values += [D(row[0]) for row in run_query(other_balances, suffix)]
	unbilled_amount = run_query(unbilled, suffix)[0][0]
	return Exposure(
		outstanding=sum((v for v in values if v > 0), Decimal(0)),
		unbilled_orders=D(unbilled_amount),
		unallocated_advances=-sum((v for v in values if v < 0), Decimal(0)),
	)


def open_amount(invoice, company_currency):
	"""An open Sales Invoice's outstanding amount in the company's currency: ERPNext keeps it in the
	party account's currency, converted at the invoice's rate when that is not the company's."""
	return (
		Case()
		.when(invoice.party_account_currency == company_currency, invoice.outstanding_amount)
		.else_(invoice.outstanding_amount * invoice.conversion_rate)
	)


def balances_not_against_invoices(ple):
	"""Customers' receivable ledger balances per voucher that is not a Sales Invoice (payments and
	journal entries not set against one); callers select and narrow to their customers."""
	return (
		frappe.qb.from_(ple)
		.where(ple.party_type == "Customer")
		.where(ple.against_voucher_type != "Sales Invoice")
		.where(ple.delinked == 0)
		.where(ple.account_type == "Receivable")
		.groupby(ple.against_voucher_type, ple.against_voucher_no)
		.having(Sum(ple.amount) != 0)
	)


def document_amount(doc) -> Decimal:
	"""What this Sales Order or Sales Invoice adds to the dealer's exposure (company currency).

	An invoice line billing a submitted Sales Order only moves that amount from unbilled orders to
	receivables, so it adds nothing; a POS invoice adds only what was not paid at the till."""
	total = D(doc.base_grand_total)
	if doc.doctype == "Sales Invoice":
		net = D(doc.base_net_total)
		from_orders = sum((D(row.base_net_amount) for row in doc.items if row.get("sales_order")), Decimal(0))
		if net and from_orders:
			total = total * (net - from_orders) / net
		if doc.get("is_pos"):
			total -= D(doc.base_paid_amount) - D(doc.get("base_change_amount"))
	return max(Decimal(0), total)
