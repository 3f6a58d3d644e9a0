"""Frappe side of the dealer's monthly statement (对账单): read from the Payment Ledger in one
set-based query (the opening balance and the month's movements per voucher), so it agrees with
ERPNext's Accounts Receivable; the dealer confirms or disputes it from the portal, finance answers
in the desk (Dealer Statement Confirmation)."""

from __future__ import annotations

import shutil

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Max, Min, Sum
from frappe.translate import get_user_lang, print_language
from frappe.utils import fmt_money, format_datetime, getdate, now_datetime, today

from dealer_relations.engine.money import flt_dec as D
from dealer_relations.engine.statement import (
	CREDIT_NOTE,
	DISPUTED,
	FINE,
	INVOICE,
	OTHER,
	PAYMENT,
	REBATE,
	Month,
	Movement,
	Statement,
	build_statement,
	check_confirmable,
	check_response,
	parse_month,
	pdf_language,
)
from dealer_relations.portal import (
	CONFIRMATION,
	DEALER_FIELDS,
	attach_evidence,
	chosen_dealer,
	dealers_of_portal_user,
	portal_dealer,
	require_portal_dealers,
	uploaded_evidence,
)
from dealer_relations.utils import enforce


def receivable_ledger(ple, customer: str, company: str):
	return (
		frappe.qb.from_(ple)
		.where(ple.party_type == "Customer")
		.where(ple.party == customer)
		.where(ple.company == company)
		.where(ple.delinked == 0)
		.where(ple.account_type == "Receivable")
	)


def get_statement(dealer: frappe._dict, month: Month) -> Statement:
	"""The month's statement of the dealer's customer in the dealer's company, in the company's
	currency: opening balance, each voucher's movement (classified by what posted it), closing.

	One pass over the customer's ledger up to the month's end: the rows before the month fall into
	one group (no voucher: the opening balance), the month's rows are grouped per voucher. The
	joins that classify a voucher match the month's rows only."""
	ple = frappe.qb.DocType("Payment Ledger Entry")
	invoice = frappe.qb.DocType("Sales Invoice")
	settlement = frappe.qb.DocType("Rebate Settlement")
	incident = frappe.qb.DocType("Diversion Incident")
	in_month = ple.posting_date >= month.start
	voucher_type = Case().when(in_month, ple.voucher_type)
	voucher_no = Case().when(in_month, ple.voucher_no)
	rows = (
		receivable_ledger(ple, dealer.customer, dealer.company)
		.left_join(invoice)
		.on(in_month & (ple.voucher_type == "Sales Invoice") & (invoice.name == ple.voucher_no))
		.left_join(settlement)
		.on(
			in_month
			& (settlement.dealer == dealer.name)
			& ((settlement.journal_entry == ple.voucher_no) | (settlement.credit_note == ple.voucher_no))
		)
		.left_join(incident)
		.on(in_month & (incident.dealer == dealer.name) & (incident.journal_entry == ple.voucher_no))
		.select(
			voucher_type,
			voucher_no,
			Min(ple.posting_date),
			Sum(ple.amount),
			Max(
				Case()
				.when(settlement.name.notnull(), REBATE)
				.when(incident.name.notnull(), FINE)
				.when(invoice.is_return == 1, CREDIT_NOTE)
				.when(ple.voucher_type == "Sales Invoice", INVOICE)
				.when(ple.voucher_type == "Payment Entry", PAYMENT)
				.else_(OTHER)
			),
		)
		.where(ple.posting_date <= month.end)
		.groupby(voucher_type, voucher_no)
	).run()
	opening = None
	movements = []
	for voucher_type, voucher_no, posting_date, amount, kind in rows:
		if voucher_no is None:
			opening = amount
		elif D(amount):
			movements.append(Movement(kind, voucher_type, voucher_no, getdate(posting_date), D(amount)))
	return build_statement(month, D(opening), movements)


def confirmation_of(dealer: str, month: str) -> frappe._dict | None:
	"""The dealer's answer for the month (one at most: respond_to_statement)."""
	confirmation = frappe.qb.DocType(CONFIRMATION)
	rows = (
		frappe.qb.from_(confirmation)
		.select(*(confirmation[field] for field in CONFIRMATION_FIELDS))
		.where(confirmation.dealer == dealer)
		.where(confirmation.month == month)
		.orderby(confirmation.modified, order=frappe.qb.desc)
		.limit(1)
	).run(as_dict=True)
	return rows[0] if rows else None


CONFIRMATION_FIELDS = ("name", "status", "closing_balance", "reason", "answer", "answered_on", "confirmed_on")


def portal_statement(month_text: str | None, dealer: str | None = None) -> frappe._dict:
	"""The statement page's context: one of the user's own dealers, the month, its confirmation."""
	dealers = require_portal_dealers()
	row = chosen_dealer(dealers, dealer)
	month = enforce(parse_month, month_text, getdate(today()))
	return frappe._dict(
		dealer=row,
		dealers=dealers,
		statement=get_statement(row, month),
		confirmation=confirmation_of(row.name, month.key),
		currency=frappe.get_cached_value("Company", row.company, "default_currency"),
		confirmable=month.end < getdate(today()),
	)


@frappe.whitelist(methods=["POST"])
def respond_to_statement(month: str, status: str, reason: str | None = None, dealer: str | None = None):
	"""The dealer user confirms or disputes a finished month's statement of their own dealer, once.
	An evidence file may come with the request (``file``, PDF or image, 5 MB at most); it is kept
	private on the confirmation."""
	row = portal_dealer(dealer)
	parsed = enforce(parse_month, month, getdate(today()))
	enforce(check_confirmable, parsed, getdate(today()))
	# one answer per dealer and month, also when two requests race
	frappe.db.get_value("Dealer", row.name, "name", for_update=True)
	existing = confirmation_of(row.name, parsed.key)
	enforce(check_response, status, reason, existing.status if existing else None)
	evidence = uploaded_evidence()
	confirmation = frappe.get_doc(
		{
			"doctype": CONFIRMATION,
			"dealer": row.name,
			"customer": row.customer,
			"company": row.company,
			"month": parsed.key,
			"status": status,
			"reason": (reason or "").strip() if status == DISPUTED else None,
			"closing_balance": get_statement(row, parsed).closing,
			"confirmed_by": frappe.session.user,
			"confirmed_on": now_datetime(),
		}
	)
	confirmation.insert(ignore_permissions=True)  # the dealer user's own statement, checked above
	if evidence:
		saved = attach_evidence(evidence, CONFIRMATION, confirmation.name, "attachment")
		confirmation.db_set("attachment", saved.file_url)
	return {"name": confirmation.name, "status": confirmation.status}


def confirmation_has_website_permission(doc, ptype, user, verbose=False) -> bool:
	"""A dealer user reaches the confirmations of their own dealers only (by the stored dealer)."""
	dealer = frappe.db.get_value(CONFIRMATION, doc.name, "dealer")
	return bool(dealer) and dealer in {row.name for row in dealers_of_portal_user(user)}


# -- the statement as a PDF (zh / en) ---------------------------------------------------------------

PDF_TEMPLATE = "dealer_relations/templates/dealer_statement_pdf.html"


def statement_html(dealer: frappe._dict, month: Month, language: str) -> str:
	"""The month's statement of the dealer as a printable page in ``language`` (zh or en): the
	portal page's figures, the confirmation if the dealer answered, nothing the page does not show."""
	statement = get_statement(dealer, month)
	with print_language(language):
		return frappe.render_template(
			PDF_TEMPLATE,
			{
				"dealer": dealer,
				"company": dealer.company,
				"statement": statement,
				"confirmation": confirmation_of(dealer.name, month.key),
				"currency": frappe.get_cached_value("Company", dealer.company, "default_currency"),
				"money": fmt_money,
				"printed_on": format_datetime(now_datetime()),
				"language": language,
			},
		)


def serve_statement_pdf(dealer: frappe._dict, month: Month, language: str) -> None:
	"""Answer the request with the statement's PDF (Frappe's wkhtmltopdf rendering)."""
	if not shutil.which("wkhtmltopdf"):
		frappe.throw(
			_(
				"PDF printing is not set up on this server (wkhtmltopdf is missing): please ask us for the statement"
			),
			title=_("PDF Not Available"),
		)
	from frappe.utils.pdf import get_pdf  # pdfkit and its HTML tools load when a PDF is printed

	html = statement_html(dealer, month, language)
	frappe.local.response.filename = f"statement-{dealer.name}-{month.key}-{language}.pdf".replace(" ", "-")
	frappe.local.response.filecontent = get_pdf(html)
	frappe.local.response.type = "pdf"


@frappe.whitelist(methods=["GET"])
def download_statement_pdf(month: str | None = None, lang: str | None = None, dealer: str | None = None):
	"""The dealer user downloads a month's statement of their own dealer (a dealer named in the
	request only picks one of the user's own) in zh or en, by default the user's language."""
	row = portal_dealer(dealer)
	parsed = enforce(parse_month, month, getdate(today()))
	serve_statement_pdf(row, parsed, enforce(pdf_language, lang, get_user_lang()))


@frappe.whitelist(methods=["GET"])
def download_confirmation_pdf(name: str, lang: str | None = None):
	"""Finance's copy of the statement a dealer answered, from the Dealer Statement Confirmation
	form: for whoever may read the stored confirmation (a rep: their own dealers'), of the stored
	dealer, customer, company and month."""
	frappe.has_permission(CONFIRMATION, "read", doc=name, throw=True)
	stored = frappe.db.get_value(CONFIRMATION, name, ["dealer", "customer", "company", "month"], as_dict=True)
	row = frappe._dict(
		frappe.db.get_value("Dealer", stored.dealer, list(DEALER_FIELDS), as_dict=True) or {},
		name=stored.dealer,
		customer=stored.customer,
		company=stored.company,
	)
	parsed = enforce(parse_month, stored.month, getdate(today()))
	serve_statement_pdf(row, parsed, enforce(pdf_language, lang, get_user_lang()))
