"""Row-level access: a Dealer Sales Rep works only with the dealers assigned to them.

Wired through ``permission_query_conditions`` (lists, reports, link searches, REST lists, and the
child tables of each restricted doctype) and ``has_permission`` (single documents, REST reads and
writes), always judged on the stored record, never on values the client sends. The rule itself is
in the engine. Field rights are permlevels in the doctypes (Frappe puts back a field the user may
not write); ``note_changes_above_permlevel`` tells the user so.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model import no_value_fields, numeric_fieldtypes, table_fields
from frappe.utils import cint, cstr, flt, get_datetime, getdate

from dealer_relations.engine.dealer import can_see_dealer, is_row_restricted


def stored_values(doc, fields: list[str]) -> frappe._dict | None:
	"""The record as stored (None when it is not): rights are judged on it, not on the sent doc."""
	return frappe.db.get_value(doc.doctype, doc.name, fields, as_dict=True)


def rep_of(dealer: str | None) -> str | None:
	return frappe.db.get_value("Dealer", dealer, "sales_rep") if dealer else None


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
	# The stored assignment, so a rep cannot take a colleague's dealer by sending their own name.
	stored = stored_values(doc, ["sales_rep"])
	return bool(stored) and can_see_dealer(roles, user, stored.sales_rep)


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
	stored = stored_values(doc, ["dealer"])
	return bool(stored) and can_see_dealer(roles, user, rep_of(stored.dealer))


def credit_rating_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return dealer_link_query_conditions("Dealer Credit Rating", user)


def credit_override_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return dealer_link_query_conditions("Dealer Credit Override", user)


def rebate_settlement_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return dealer_link_query_conditions("Rebate Settlement", user)


def statement_confirmation_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return dealer_link_query_conditions("Dealer Statement Confirmation", user)


def rebate_ledger_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return dealer_link_query_conditions("Dealer Rebate Ledger Entry", user)


def dealer_record_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	"""Records written for a dealer (ratings, overrides, rebate settlements and rebate ledger
	entries): a rep reads those of
	their own dealers (to explain them); finance and credit see all."""
	user = user or frappe.session.user
	roles = frappe.get_roles(user)
	if not is_row_restricted(roles) or doc.is_new():
		return None
	stored = stored_values(doc, ["dealer"])
	return bool(stored) and can_see_dealer(roles, user, rep_of(stored.dealer))


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
	"""A rep reaches the incidents they filed and those of their dealers, by the stored owner and
	dealer (sending one's own dealer does not open a colleague's incident). What a rep may change
	in an incident they reach is the controller's (validate_edit_rights)."""
	user = user or frappe.session.user
	roles = frappe.get_roles(user)
	if not is_row_restricted(roles) or doc.is_new():
		return None
	stored = stored_values(doc, ["owner", "dealer"])
	if not stored:
		return False
	if stored.owner == user:
		return None
	return can_see_dealer(roles, user, rep_of(stored.dealer))


# -- child tables ------------------------------------------------------------------------------------

# Frappe 15 checks a child doctype's list against its parent doctype's role rights only, not
# against the parent rows: without these conditions a rep lists every dealer's key people. A single
# child row (frappe.client.get) is checked against its parent document already.
CHILD_TABLE_PARENTS = {
	"Dealer Key Person": "Dealer",
	"Dealer Territory": "Dealer",
	"Dealer Visit Competitor": "Dealer Visit Log",
	"Dealer Visit Attendee": "Dealer Visit Log",
	"Dealer Visit Action": "Dealer Visit Log",
	"Dealer Credit Rating Factor": "Dealer Credit Rating",
	"Diversion Incident Item": "Diversion Incident",
	"Rebate Settlement Slab": "Rebate Settlement",
}

PARENT_QUERY_CONDITIONS = {
	"Dealer": dealer_query_conditions,
	"Dealer Visit Log": visit_log_query_conditions,
	"Dealer Credit Rating": credit_rating_query_conditions,
	"Diversion Incident": diversion_incident_query_conditions,
	"Rebate Settlement": rebate_settlement_query_conditions,
}


def child_table_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""Rows of a child table whose parent row the user may list."""
	parent = CHILD_TABLE_PARENTS[doctype]
	condition = PARENT_QUERY_CONDITIONS[parent](user)
	if not condition:
		return ""
	return (
		f"(`tab{doctype}`.`parenttype` = {frappe.db.escape(parent, percent=False)} and `tab{doctype}`.`parent` in "
		f"(select `tab{parent}`.`name` from `tab{parent}` where {condition}))"
	)


@frappe.whitelist()
def get_count(doctype: str, filters=None, debug=False, cache=False, parent: str | None = None) -> int:
	"""Replaces frappe.client.get_count, which in Frappe 15 counts any doctype with any filters
	without a permission check (an oracle for a rep: "how many dealers of this rep have a limit
	over X"). This app's doctypes are counted through the permission-checked list; others as
	Frappe does."""
	from frappe.client import get_count as frappe_get_count
	from frappe.utils import get_safe_filters

	if frappe.db.get_value("DocType", doctype, "module") != "Dealer Relations":
		return frappe_get_count(doctype, filters=filters, debug=debug, cache=cache)
	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=["count(*) as total"],
		parent_doctype=parent,
		order_by=None,
		limit_page_length=0,
	)
	return cint(rows[0].total) if rows else 0


# -- field rights ------------------------------------------------------------------------------------


def comparable(df, value):
	"""A field's value as sent or as stored, in one form (a client sends 1e9 or "1000000000")."""
	if df.fieldtype in table_fields:
		meta = frappe.get_meta(df.options)
		fields = [f for f in meta.fields if f.fieldtype not in no_value_fields and not f.read_only]
		return [tuple(comparable(f, row.get(f.fieldname)) for f in fields) for row in value or []]
	if df.fieldtype in ("Int", "Long Int", "Check"):
		return cint(value)
	if df.fieldtype in numeric_fieldtypes:
		return flt(value)
	if not value:
		return None
	if df.fieldtype == "Date":
		return getdate(value)
	if df.fieldtype == "Datetime":
		return get_datetime(value)
	return cstr(value)


def changed_fields(doc, before, fields: list) -> list:
	"""Those of ``fields`` (docfields) whose value in ``doc`` differs from ``before``."""
	return [
		df
		for df in fields
		if comparable(df, doc.get(df.fieldname)) != comparable(df, before.get(df.fieldname))
	]


def field_labels(doc, fields: list) -> str:
	return ", ".join(frappe.bold(_(df.label)) for df in fields)


def note_changes_above_permlevel(doc) -> None:
	"""Frappe puts back, without a word, a field the user may not write at its permlevel
	(Document.validate_higher_perm_levels runs before any controller hook); say which, so a user
	or API client learns that the change was not made. A message, not an error: a form opened
	before the app updated such a field (the monthly rating, a visit) still saves the rest.
	Call it just before Frappe puts the fields back."""
	if (
		doc.is_new()
		or doc.flags.ignore_permissions
		or frappe.flags.in_install
		or frappe.session.user == "Administrator"
	):
		return
	writable = doc.get_permlevel_access("write")
	fields = [
		df
		for df in doc.meta.get_high_permlevel_fields()
		if df.permlevel not in writable
		and (df.fieldtype in table_fields or df.fieldtype not in no_value_fields)
	]
	if not fields:
		return
	changed = changed_fields(doc, doc.get_latest(), fields)
	if changed:
		frappe.msgprint(
			_("Not changed, you may not edit them: {0}").format(field_labels(doc, changed)),
			title=_("Not Permitted"),
			indicator="orange",
		)


def check_workflow_allows_edit(doc, exempt_roles: frozenset[str]) -> None:
	"""Enforce the workflow's "Only Allow Edit For" on the server (Frappe checks only the
	transitions): in a state whose editing role the user lacks, a save may move the state and
	nothing else. Judged against the stored document."""
	from frappe.model.workflow import get_workflow_name

	if doc.is_new() or doc.flags.ignore_permissions or not (workflow_name := get_workflow_name(doc.doctype)):
		return
	roles = set(frappe.get_roles())
	if roles & exempt_roles:
		return
	workflow = frappe.get_cached_doc("Workflow", workflow_name)
	before = doc.get_doc_before_save() or doc.get_latest()
	state = before.get(workflow.workflow_state_field)
	allowed = next((row.allow_edit for row in workflow.states if row.state == state), None)
	if not allowed or allowed in roles:
		return
	fields = [
		df
		for df in doc.meta.fields
		if (df.fieldtype in table_fields or df.fieldtype not in no_value_fields)
		and not df.read_only
		and df.fieldname != workflow.workflow_state_field
	]
	changed = changed_fields(doc, before, fields)
	if changed:
		frappe.throw(
			_("In state {0} only {1} may edit {2} {3}; not changed: {4}").format(
				frappe.bold(_(state)), _(allowed), _(doc.doctype), doc.name, field_labels(doc, changed)
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
