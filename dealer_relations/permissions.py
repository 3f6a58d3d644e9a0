"""Row-level access: a Dealer Sales Rep works only with the dealers assigned to them.

Wired through ``permission_query_conditions`` (lists, reports, link searches, REST lists) and
``has_permission`` (single documents, REST reads and writes). The rule itself is in the engine.
"""

from __future__ import annotations

import frappe

from dealer_relations.engine.dealer import can_see_dealer, is_row_restricted


def dealer_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not is_row_restricted(frappe.get_roles(user)):
		return ""
	return f"`tabDealer`.`sales_rep` = {frappe.db.escape(user, percent=False)}"


def dealer_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	user = user or frappe.session.user
	roles = frappe.get_roles(user)
	if not is_row_restricted(roles):
		return None
	if doc.is_new():
		# Creating: the controller's validate assigns the rep and explains a wrong assignment.
		return None
	rep = doc.get("sales_rep")
	if ptype in ("write", "submit", "cancel", "delete", "amend"):
		# Judge writes by the stored assignment, so a rep cannot take a colleague's dealer by
		# sending their own name as sales_rep.
		rep = frappe.db.get_value("Dealer", doc.name, "sales_rep")
	return can_see_dealer(roles, user, rep)


def dealer_link_query_conditions(doctype: str, user: str | None = None) -> str:
	"""Condition for documents that carry a ``dealer`` Link: a rep sees those of their dealers."""
	user = user or frappe.session.user
	if not is_row_restricted(frappe.get_roles(user)):
		return ""
	dealers = f"select `name` from `tabDealer` where `sales_rep` = {frappe.db.escape(user, percent=False)}"
	return f"`tab{doctype}`.`dealer` in ({dealers})"


def visit_log_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return dealer_link_query_conditions("Dealer Visit Log", user)


def visit_log_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	"""A rep reaches the visits of their own dealers; logging for others is refused in validate
	with a message that says why."""
	user = user or frappe.session.user
	roles = frappe.get_roles(user)
	if not is_row_restricted(roles) or doc.is_new():
		return None
	dealer = doc.get("dealer")
	if ptype in ("write", "delete", "submit", "cancel", "amend"):
		dealer = frappe.db.get_value("Dealer Visit Log", doc.name, "dealer")
	return can_see_dealer(roles, user, frappe.db.get_value("Dealer", dealer, "sales_rep"))


def credit_rating_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return dealer_link_query_conditions("Dealer Credit Rating", user)


def credit_override_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return dealer_link_query_conditions("Dealer Credit Override", user)


def rebate_settlement_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return dealer_link_query_conditions("Rebate Settlement", user)


def dealer_record_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	"""Records written for a dealer (ratings, overrides, rebate settlements): a rep reads those of
	their own dealers (to explain them); finance and credit see all."""
	user = user or frappe.session.user
	roles = frappe.get_roles(user)
	if not is_row_restricted(roles) or doc.is_new():
		return None
	return can_see_dealer(roles, user, frappe.db.get_value("Dealer", doc.get("dealer"), "sales_rep"))


def diversion_incident_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""A rep sees the incidents of their own dealers and the field reports they filed themselves
	(goods found are usually another dealer's)."""
	user = user or frappe.session.user
	if not is_row_restricted(frappe.get_roles(user)):
		return ""
	return "({} or `tabDiversion Incident`.`owner` = {})".format(
		dealer_link_query_conditions("Diversion Incident", user), frappe.db.escape(user, percent=False)
	)


def diversion_incident_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	user = user or frappe.session.user
	roles = frappe.get_roles(user)
	if not is_row_restricted(roles) or doc.is_new():
		return None
	owner = doc.get("owner")
	if ptype in ("write", "delete", "submit", "cancel", "amend"):
		owner = frappe.db.get_value("Diversion Incident", doc.name, "owner")
		if owner == user:
			return None
	if owner == user:
		return None
	return can_see_dealer(roles, user, frappe.db.get_value("Dealer", doc.get("dealer"), "sales_rep"))
