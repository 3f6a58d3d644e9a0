"""Counting the SQL statements a block runs: the benchmarks print it beside each figure, and the
tests hold hot paths to a query budget with it."""

from __future__ import annotations

from contextlib import contextmanager

import frappe


@contextmanager
def count_queries():
	"""Count the SQL statements run inside the block: ``with count_queries() as queries: ...``,
	then ``len(queries)``."""
	queries: list[str] = []
	original = frappe.db.__class__.sql

	def counting_sql(db, query, *args, **kwargs):
		queries.append(str(query))
		return original(db, query, *args, **kwargs)

	frappe.db.__class__.sql = counting_sql
	try:
		yield queries
	finally:
		frappe.db.__class__.sql = original
