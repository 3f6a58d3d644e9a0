"""Small Frappe-side services shared by controllers and hooks: loading engine inputs, showing errors."""

from __future__ import annotations

import frappe
from frappe import _

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.territory import TerritoryTree


def throw_violation(violation: RuleViolation) -> None:
	"""Show an engine rule violation as a translated error (and abort the transaction)."""
	args = [_(arg) if violation.translate_args and isinstance(arg, str) else arg for arg in violation.args]
	frappe.throw(_(violation.message).format(*args), title=_(violation.title))


def enforce(check, *args, **kwargs):
	"""Run an engine check and turn its RuleViolation into a translated frappe error."""
	try:
		return check(*args, **kwargs)
	except RuleViolation as violation:
		throw_violation(violation)


def get_territory_tree() -> TerritoryTree:
	"""The whole Territory tree in one query (a tree has hundreds of nodes, not millions)."""
	rows = frappe.get_all("Territory", fields=["name", "parent_territory"], limit_page_length=0)
	return TerritoryTree({row.name: row.parent_territory for row in rows})
