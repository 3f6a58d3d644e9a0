"""What the app posts to ERPNext accounting for a record (a rebate settlement, a diversion
incident): in the party account's currency at the day's rate, with a back-reference on the
posting to the record it was made for. The record's link to its posting is written by the app
only; reversing a record cancels a posting only when the posting's back-reference names it."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from dealer_relations.engine.postings import (
	PartyAmount,
	check_exchange_rate,
	check_posted_for,
	in_party_currency,
)
from dealer_relations.utils import enforce

# Custom fields on Journal Entry and Sales Invoice (setup/custom_fields.py): set by the app when it
# posts, never copied, not changeable after submit.
POSTED_FOR_DOCTYPE = "dr_posted_for_doctype"
POSTED_FOR = "dr_posted_for"


def posted_for(record) -> dict:
	"""The back-reference fields a posting made for ``record`` carries."""
	return {POSTED_FOR_DOCTYPE: record.doctype, POSTED_FOR: record.name}


def party_amount(company: str, party_account: str, amount, posting_date) -> PartyAmount:
	"""``amount`` (company currency) in the party account's currency at the day's selling rate."""
	from erpnext import get_company_currency
	from erpnext.setup.utils import get_exchange_rate

	company_currency = get_company_currency(company)
	currency = frappe.get_cached_value("Account", party_account, "account_currency") or company_currency
	rate = 1
	if currency != company_currency:
		rate = get_exchange_rate(currency, company_currency, posting_date, "for_selling")
	rate = enforce(check_exchange_rate, currency, company_currency, rate, frappe.format(posting_date, "Date"))
	precision = frappe.get_precision("Journal Entry Account", "debit_in_account_currency") or 2
	return in_party_currency(amount, company_currency, currency, rate, int(precision))


def make_party_journal_entry(
	record,
	*,
	company: str,
	posting_date,
	voucher_type: str,
	remark: str,
	customer: str,
	party_account: str,
	party_side: str,
	amount,
	other_account: str,
	cost_center: str,
	is_advance: bool = False,
) -> str | None:
	"""Submit a two-row Journal Entry for ``record``: the customer's receivable on ``party_side``
	("debit" or "credit") in the account's currency at the day's rate, ``other_account`` on the
	other side for what that is worth in the company's currency (so the entry balances)."""
	party = party_amount(company, party_account, amount, posting_date)
	if party.amount <= 0:
		return None  # less than a cent of the party's currency: nothing to post
	other_side = "credit" if party_side == "debit" else "debit"
	party_row = {
		"account": party_account,
		"party_type": "Customer",
		"party": customer,
		"account_currency": party.currency,
		"exchange_rate": float(party.rate),
		f"{party_side}_in_account_currency": float(party.amount),
		"cost_center": cost_center,
	}
	if is_advance:
		party_row["is_advance"] = "Yes"  # an unallocated credit the dealer's next invoices can use
	entry = frappe.get_doc(
		{
			"doctype": "Journal Entry",
			"voucher_type": voucher_type,
			"company": company,
			"posting_date": posting_date,
			"multi_currency": int(party.rate != 1),
			"user_remark": remark,
			"accounts": [party_row, {"account": other_account, "cost_center": cost_center}],
			**posted_for(record),
		}
	)
	row = entry.accounts[0]
	# What ERPNext books for the party row in the company's currency, to the same precision.
	worth = flt(flt(party.amount) * flt(party.rate), row.precision(party_side))
	entry.accounts[1].set(f"{other_side}_in_account_currency", worth)
	entry.flags.ignore_permissions = True  # the record's approval is the authorisation
	entry.insert()
	entry.submit()
	return entry.name


def check_own_postings(record, postings: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
	"""The submitted postings among ``postings`` ([(doctype, name)]) that the app made for
	``record``; refuses when one names another record (its link was tampered with). Records call it
	before they are cancelled, so a refusal writes nothing."""
	own = []
	for doctype, name in postings:
		if not name:
			continue
		fields = ["docstatus", POSTED_FOR_DOCTYPE, POSTED_FOR]
		posting = frappe.db.get_value(doctype, name, fields, as_dict=True)
		if not posting or posting.docstatus != 1:
			continue
		enforce(
			check_posted_for,
			_(doctype),
			name,
			posting.get(POSTED_FOR_DOCTYPE),
			posting.get(POSTED_FOR),
			record.doctype,
			record.name,
		)
		own.append((doctype, name))
	return own


def cancel_own_postings(record, postings: list[tuple[str, str | None]]) -> None:
	"""Cancel the submitted postings the app made for ``record`` (never what a link points to
	that does not name it)."""
	for doctype, name in check_own_postings(record, postings):
		doc = frappe.get_doc(doctype, name)
		doc.flags.ignore_permissions = True  # the record's cancellation is the authorisation
		doc.cancel()


def keep_posting_links(record, fieldnames: tuple[str, ...]) -> None:
	"""A record's links to its postings come from the app, never from the user: a draft (or one
	being submitted) carries none until the app posts, and after submit they cannot change."""
	if record.docstatus == 0 or record._action == "submit":
		for fieldname in fieldnames:
			record.set(fieldname, None)
		return
	before = record.get_doc_before_save()
	for fieldname in fieldnames:
		if before and record.get(fieldname) != before.get(fieldname):
			frappe.throw(
				_("{0} is set by Dealer Relations when it posts and cannot be changed").format(
					_(record.meta.get_label(fieldname))
				),
				frappe.UpdateAfterSubmitError,
				title=_("Not Allowed"),
			)


def make_company_journal_entry(
	record,
	*,
	company: str,
	posting_date,
	remark: str,
	debit_account: str,
	credit_account: str,
	amount,
	cost_center: str,
) -> str | None:
	"""Submit a two-row Journal Entry for ``record`` between two of the company's own accounts (no
	party), in the company's currency: an accrual or its reversal. Nothing for less than a cent."""
	amount = flt(amount, 2)
	if amount <= 0:
		return None
	entry = frappe.get_doc(
		{
			"doctype": "Journal Entry",
			"voucher_type": "Journal Entry",
			"company": company,
			"posting_date": posting_date,
			"user_remark": remark,
			"accounts": [
				{"account": debit_account, "debit_in_account_currency": amount, "cost_center": cost_center},
				{"account": credit_account, "credit_in_account_currency": amount, "cost_center": cost_center},
			],
			**posted_for(record),
		}
	)
	entry.flags.ignore_permissions = True  # the caller checked who may post (see SECURITY.md)
	entry.insert()
	entry.submit()
	return entry.name
