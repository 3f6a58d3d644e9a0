"""Running query-builder queries the app needs to extend with a clause pypika cannot express.

Values always travel as bound parameters: ``query.get_sql()`` inlines them with only ``'``
doubled, so a backslash in a customer or item name escapes the quote (see SECURITY.md).
"""

from __future__ import annotations

import frappe
from frappe.query_builder.terms import NamedParameterWrapper


def run_query(query, suffix: str = "", **kwargs):
	"""``query.run()`` with a fixed SQL ``suffix`` (``ORDER BY NULL``, ``FOR UPDATE``) appended.

	The suffix is code, never data: it must not carry a value from a user."""
	params = NamedParameterWrapper()
	sql = query.get_sql(param_wrapper=params)
	return frappe.db.sql(sql + suffix, params.get_parameters(), **kwargs)
