"""Dealer credit check on Sales Orders and Sales Invoices (doc_events).

A save warns; a submit is judged under a lock on the dealer's row, so two documents submitted at
once for the same dealer cannot both pass on the same headroom. Customers that are not dealers,
returns, and companies whose mode is Off are left to ERPNext.

For a dealer's customer this check replaces ERPNext's own ``check_credit_limit`` on the same
document (see README, "Credit limits and ERPNext"): one limit, one message.
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
	check_override_reason_author,
	effective_limit,
	judge_credit,
)
from dealer_relations.engine.dealer import CREDIT_CONTROLLER
from dealer_relations.utils import enforce, get_company_settings

OVERRIDE_FIELD = "credit_override_reason"


class DealerCreditError(frappe.ValidationError):
	"""A dealer document stopped by the credit check (callers such as the demo can tell it apart)."""


def validate(doc, method=None):
	if doc.get("is_return") or not doc.customer:
		return
	validate_override_author(doc)
	if doc.get("_action") == "save":
		warn_on_save(doc)


def before_submit(doc, method=None):
	if doc.get("is_return") or not doc.customer:
		return
	check_on_submit(doc)


def before_update_after_submit(doc, method=None):
	"""ERPNext re-checks a submitted order's credit when it changes; for a dealer the app's check
	at submit was the judgement, so ERPNext's stands down here too."""
	if credit_mode(doc.company) != OFF and load_dealer(doc.customer, lock=False):
		stand_down_erpnext_check(doc)


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


def load_dealer(customer: str, lock: bool) -> frappe._dict | None:
	"""The credit standing of the customer's dealer, None when the customer is not a dealer (one
	lookup on Dealer's unique customer index); ``lock`` takes the dealer's row lock (held until the
	submit commits)."""
	row = frappe.db.get_value(
		"Dealer",
		{"customer": customer},
		["name", "dealer_name", "status", "tier", "credit_grade", "credit_order_policy", "credit_limit"],
		as_dict=True,
		for_update=lock,
	)
	if not row:
		return None
	row.tier_default = (
		frappe.get_cached_value("Dealer Tier", row.tier, "default_credit_limit") if row.tier else 0
	)
	return row


def decide(doc, dealer: frappe._dict, lock: bool) -> CreditDecision:
	exposure = get_exposure(
		doc.customer, doc.company, lock=lock, exclude=doc.name if doc.doctype == "Sales Order" else None
	)
	exposure = type(exposure)(
		exposure.outstanding, exposure.unbilled_orders, document_amount(doc), exposure.unallocated_advances
	)
	return judge_credit(
		dealer.name,
		dealer.status,
		dealer.credit_grade,
		dealer.credit_order_policy,
		effective_limit(D(dealer.credit_limit), D(dealer.tier_default)),
		exposure,
		doc.get(OVERRIDE_FIELD),
		is_credit_controller(),
	)


def judge_document(doc, lock: bool) -> tuple[str, frappe._dict, CreditDecision] | None:
	"""The company's mode, the dealer and the credit decision for ``doc``; None when the check is
	off for the company or the customer is not a dealer (then nothing is judged or touched)."""
	mode = credit_mode(doc.company)
	if mode == OFF:
		return None
	dealer = load_dealer(doc.customer, lock=lock)
	if not dealer:
		return None
	return mode, dealer, decide(doc, dealer, lock=lock)


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


def check_on_submit(doc) -> None:
	judged = judge_document(doc, lock=True)
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
			"Exposure {0} = outstanding receivables {1} + unbilled sales orders {2} + this document {3} - unallocated advances {4}"
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
