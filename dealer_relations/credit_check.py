"""Dealer credit check on Sales Orders, Sales Invoices and Delivery Notes (the service behind their
doc_events in overrides/sales_order.py, sales_invoice.py and delivery_note.py).

A save warns; a submit is judged under a lock on the dealer's row, so two documents submitted at
once for the same dealer cannot both pass on the same headroom. An after-submit change that raises
what a document adds to exposure (ERPNext's *Update Items* on an order) is judged the same way, on
the increase. Customers that are not dealers, returns, and companies whose mode is Off are left to
ERPNext.

For a dealer's customer this check replaces ERPNext's own ``check_credit_limit`` on the same
document (see README, "Credit limits and ERPNext"): one limit, one message.

Lock order: the dealer's row first, then documents. A submit takes the dealer's lock in
``before_submit``, before ERPNext's ``on_submit`` updates the orders and invoices it carries lines
from; *Update Items* goes through ``update_child_qty_rate`` below, which takes it before ERPNext
locks the order's rows.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from dealer_relations.credit import D, document_amount, get_exposure
from dealer_relations.engine.credit import (
	BLOCKED_STATUS,
	ENFORCE,
	HOW_TO_OVERRIDE,
	OFF,
	OVERRIDE_REFUSED,
	WARN_ONLY,
	CreditDecision,
	Exposure,
	check_override_reason_author,
	effective_limit,
	judge_credit,
)
from dealer_relations.engine.dealer import CREDIT_CONTROLLER
from dealer_relations.utils import enforce, get_company_settings

OVERRIDE_FIELD = "credit_override_reason"
# the ERPNext documents whose submit the dealer credit check judges
CHECKED_DOCTYPES = ("Sales Order", "Sales Invoice", "Delivery Note")


class DealerCreditError(frappe.ValidationError):
	"""A dealer document stopped by the credit check (callers such as the demo can tell it apart)."""


def validate(doc, method=None):
	doc.flags.locked_dealer = None
	if doc.get("is_return") or not doc.customer:
		return
	validate_override_author(doc)
	if doc.get("_action") == "save":
		warn_on_save(doc)


def before_submit(doc, method=None):
	doc.flags.locked_dealer = None  # read afresh on each submit (locked_dealer)
	if doc.get("is_return") or not doc.customer:
		return
	check_on_submit(doc)


def before_update_after_submit(doc, method=None):
	"""A change to a submitted document that raises what it adds to the dealer's exposure is judged
	as a submit is, under the dealer's lock, on the increase; any other change passes. ERPNext's own
	check, which it runs again on a submitted order, stands down for a dealer either way."""
	if doc.get("is_return") or not doc.customer:
		return
	validate_override_author(doc)
	before = doc.get_doc_before_save()
	increase = document_amount(doc) - (document_amount(before) if before else Decimal(0))
	if increase > 0:
		check_on_submit(doc, increase=increase)
	elif credit_mode(doc.company) != OFF and load_dealer(doc.customer, lock=False):
		stand_down_erpnext_check(doc)


def update_child_qty_rate(parent_doctype, trans_items, parent_doctype_name, child_docname="items"):
	"""ERPNext's *Update Items* (``override_whitelisted_methods``, overrides/sales_order.py), with the dealer's row lock taken
	first, in the lock order of every submit: ERPNext saves the order's lines before the order, so
	the lock taken by ``before_update_after_submit`` would otherwise come after the order's rows."""
	from erpnext.controllers.accounts_controller import update_child_qty_rate as update_items

	if parent_doctype in CHECKED_DOCTYPES and frappe.has_permission(
		parent_doctype, "write", parent_doctype_name
	):
		customer, company = frappe.db.get_value(
			parent_doctype, parent_doctype_name, ["customer", "company"]
		) or (None, None)
		if customer and credit_mode(company) != OFF:
			load_dealer(customer, lock=True)
	return update_items(parent_doctype, trans_items, parent_doctype_name, child_docname)


# -- steps ---------------------------------------------------------------------------------------------


def credit_mode(company: str) -> str:
	return get_company_settings(company).get("credit_enforcement") or ENFORCE


def is_credit_controller() -> bool:
	return CREDIT_CONTROLLER in frappe.get_roles()


def validate_override_author(doc) -> None:
	reason = doc.get(OVERRIDE_FIELD)
	if not reason:
		return
	before = doc.get_doc_before_save()
	changed = before is None or (before.get(OVERRIDE_FIELD) or "") != reason
	enforce(check_override_reason_author, changed, reason, is_credit_controller())


# What the check reads of a dealer (the portal shows the dealer the same)
STANDING_FIELDS = (
	"name",
	"dealer_name",
	"company",
	"status",
	"tier",
	"credit_grade",
	"credit_order_policy",
	"credit_limit",
	"pin_credit_limit",
)


def load_dealer(customer: str, lock: bool) -> frappe._dict | None:
	"""The credit standing of the customer's dealer, None when the customer is not a dealer (one
	lookup on Dealer's unique customer index); ``lock`` takes the dealer's row lock (held until the
	submit commits). A dealer is rated in its own ``company`` only."""
	row = frappe.db.get_value(
		"Dealer",
		{"customer": customer},
		list(STANDING_FIELDS),
		as_dict=True,
		for_update=lock,
	)
	if not row:
		return None
	return with_tier_default(row)


def locked_dealer(doc) -> frappe._dict | None:
	"""``load_dealer`` with the row lock, read once per document's submit: the credit check and
	then the rebate deduction judge under the same lock (held until the submit commits). The credit
	check's before_submit, first of the app's, forgets what an earlier attempt read."""
	memo = doc.flags.get("locked_dealer")
	if memo and memo[0] == doc.customer:
		return memo[1]
	dealer = load_dealer(doc.customer, lock=True)
	doc.flags.locked_dealer = (doc.customer, dealer)
	return dealer


def with_tier_default(row: frappe._dict) -> frappe._dict:
	row.tier_default = (
		frappe.get_cached_value("Dealer Tier", row.tier, "default_credit_limit") if row.tier else 0
	)
	return row


def dealer_limit(dealer: frappe._dict) -> Decimal | None:
	"""The limit the check applies (None: unlimited) to a row of ``load_dealer``'s fields."""
	return effective_limit(
		D(dealer.credit_limit), D(dealer.tier_default), pinned=bool(dealer.pin_credit_limit)
	)


def decide(doc, dealer: frappe._dict, lock: bool, increase: Decimal | None = None) -> CreditDecision:
	"""Judge ``doc`` on the exposure of its customer in its company: a new document adds
	``document_amount``; a submitted one being changed (``increase``) is already in the exposure
	as stored and adds the increase."""
	exclude = doc.name if doc.doctype == "Sales Order" and increase is None else None
	exposure = get_exposure(doc.customer, doc.company, lock=lock, exclude=exclude)
	exposure = Exposure(
		exposure.outstanding,
		exposure.unbilled_orders,
		document_amount(doc) if increase is None else increase,
		exposure.unallocated_advances,
	)
	in_own_company = dealer.company == doc.company
	return judge_credit(
		dealer.name,
		dealer.status,
		dealer.credit_grade,
		dealer.credit_order_policy,
		dealer_limit(dealer) if in_own_company else None,
		exposure,
		doc.get(OVERRIDE_FIELD),
		is_credit_controller(),
		other_company=None if in_own_company else (dealer.company, doc.company),
	)


def judge_document(
	doc, lock: bool, increase: Decimal | None = None
) -> tuple[str, frappe._dict, CreditDecision] | None:
	"""The company's mode, the dealer and the credit decision for ``doc``; None when the check is
	off for the company or the customer is not a dealer (then nothing is judged or touched)."""
	mode = credit_mode(doc.company)
	if mode == OFF:
		return None
	dealer = locked_dealer(doc) if lock else load_dealer(doc.customer, lock=False)
	if not dealer:
		return None
	return mode, dealer, decide(doc, dealer, lock=lock, increase=increase)


def warn_on_save(doc) -> None:
	judged = judge_document(doc, lock=False)
	if not judged:
		return
	mode, dealer, decision = judged
	if decision.blocked:
		intro = (
			_("This document will be stopped when it is submitted:")
			if mode == ENFORCE
			else _("Dealer credit warning:")
		)
		frappe.msgprint(
			intro + "<br>" + decision_message(decision, dealer, doc.company),
			title=_(decision.violation.title),
			indicator="orange",
		)


def check_on_submit(doc, increase: Decimal | None = None) -> None:
	judged = judge_document(doc, lock=True, increase=increase)
	if not judged:
		return
	mode, dealer, decision = judged
	if decision.blocked:
		message = decision_message(decision, dealer, doc.company)
		if mode == ENFORCE:
			frappe.throw(message, exc=DealerCreditError, title=_(decision.violation.title))
		elif mode == WARN_ONLY:
			frappe.msgprint(
				_("Dealer credit warning:") + "<br>" + message,
				title=_(decision.violation.title),
				indicator="orange",
			)
	elif decision.overridden and mode == ENFORCE:
		record_override(doc, dealer, decision)
	stand_down_erpnext_check(doc)


def decision_message(decision: CreditDecision, dealer: frappe._dict, company: str) -> str:
	"""The engine's message with money in the company's currency, the exposure spelled out and
	what the user can do about it."""
	currency = frappe.get_cached_value("Company", company, "default_currency")
	violation = decision.violation

	def show(arg):
		if isinstance(arg, Decimal):
			return frappe.bold(frappe.utils.fmt_money(arg, currency=currency))
		if arg == dealer.name:
			return dealer_label(dealer)
		return _(arg) if violation.translate_args and isinstance(arg, str) else arg

	lines = [_(violation.message).format(*[show(arg) for arg in violation.args])]
	if decision.reason == BLOCKED_STATUS:
		return lines[0]
	exposure = decision.exposure
	lines.append(
		_(
			"Exposure {0} = outstanding receivables {1} + unbilled orders and delivery notes {2} + this document {3} - unallocated advances {4}"
		).format(
			*[
				frappe.utils.fmt_money(value, currency=currency)
				for value in (
					exposure.total,
					exposure.outstanding,
					exposure.unbilled_orders,
					exposure.this_document,
					exposure.unallocated_advances,
				)
			]
		)
	)
	lines.append(_(OVERRIDE_REFUSED) if decision.override_refused else _(HOW_TO_OVERRIDE))
	return "<br>".join(lines)


def dealer_label(dealer: frappe._dict) -> str:
	"""The dealer's name in bold for a message, as text: a name is not markup (Frappe's sanitiser
	leaves a JSON-looking Data value alone, so a stored name can still carry a tag)."""
	return frappe.bold(frappe.utils.escape_html(dealer.dealer_name or dealer.name))


def record_override(doc, dealer: frappe._dict, decision: CreditDecision) -> None:
	exposure = decision.exposure
	record = frappe.get_doc(
		{
			"doctype": "Dealer Credit Override",
			"dealer": dealer.name,
			"dealer_name": dealer.dealer_name,
			"company": doc.company,
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"overridden_by": frappe.session.user,
			"overridden_on": now_datetime(),
			"block_reason": decision.reason,
			"credit_grade": dealer.credit_grade,
			"override_reason": doc.get(OVERRIDE_FIELD),
			"credit_limit": float(decision.limit or 0),
			"exposure": float(exposure.total),
			"shortfall": float(decision.shortfall),
			"outstanding": float(exposure.outstanding),
			"unbilled_orders": float(exposure.unbilled_orders),
			"document_amount": float(exposure.this_document),
			"unallocated_advances": float(exposure.unallocated_advances),
		}
	)
	record.flags.from_credit_check = True
	record.insert(ignore_permissions=True)
	frappe.msgprint(
		_("Credit override recorded for Dealer {0}").format(dealer_label(dealer)),
		alert=True,
		indicator="orange",
	)


def _credit_checked_by_dealer_relations(*args, **kwargs):
	"""Stands in for ERPNext's check_credit_limit on a dealer document the app already judged."""


def stand_down_erpnext_check(doc) -> None:
	"""Only this document object: ERPNext's class and every other customer keep their check."""
	doc.check_credit_limit = _credit_checked_by_dealer_relations
	doc.flags.dealer_credit_checked = cint(True)
