"""Running query-builder queries the app needs to extend with a clause pypika cannot express, and
reading what other transactions committed.

Values always travel as bound parameters: ``query.get_sql()`` inlines them with only ``'``
doubled, so a backslash in a customer or item name escapes the quote (see SECURITY.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe
from frappe.query_builder.terms import NamedParameterWrapper


def run_query(query, suffix: str = "", db=None, **kwargs):
	"""``query.run()`` with a fixed SQL ``suffix`` (``ORDER BY NULL``, ``FOR UPDATE``) appended, on
	``db`` (default: the request's connection).

	The suffix is code, never data: it must not carry a value from a user."""
	params = NamedParameterWrapper()
	sql = query.get_sql(param_wrapper=params)
	return (db or frappe.db).sql(sql + suffix, params.get_parameters(), **kwargs)


@contextmanager
def committed_snapshot() -> Iterator[object]:
	"""A second connection to the site's database for reads only. Its snapshot starts at its first
	read, so it sees every transaction committed by then, whatever the request's own (older)
	snapshot; its consistent reads take no lock and never wait for one. It sees nothing of the
	request's uncommitted changes, and it is closed (its read-only transaction rolled back) on exit."""
	from frappe.database import get_db

	conf = frappe.local.conf
	db = get_db(
		socket=conf.db_socket,
		host=conf.db_host,
		port=conf.db_port,
		user=conf.get("db_user") or conf.db_name,
		password=conf.db_password,
		cur_db_name=conf.db_name,
	)
	db.connect()
	try:
		yield db
	finally:
		db.close()
