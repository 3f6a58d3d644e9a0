"""Database helpers the services share: multi-row writers, name reservation, running
query-builder queries the app needs to extend with a clause pypika cannot express, and reading
what other transactions committed.

Values always travel as bound parameters: pypika's plain text rendering inlines them with only ``'``
doubled, so a backslash in a customer or item name escapes the quote (see SECURITY.md). Table and
column names in these helpers come from code, never from a user.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import frappe
from frappe.model.naming import parse_naming_series
from frappe.query_builder.terms import NamedParameterWrapper
from frappe.utils import now_datetime


def run_query(query, suffix: str = "", db=None, prefix: str = "", **kwargs):
	"""``query.run()`` with a fixed SQL ``suffix`` (``ORDER BY NULL``, ``FOR UPDATE``) appended and
	a fixed ``prefix`` (MariaDB's ``SET STATEMENT ... FOR``) put before, on ``db`` (default: the
	request's connection).

	The prefix and suffix are code, never data: they must not carry a value from a user."""
	params = NamedParameterWrapper()
	sql = query.get_sql(param_wrapper=params)
	return (db or frappe.db).sql(prefix + sql + suffix, params.get_parameters(), **kwargs)


def run_union(queries: list, suffix: str = "", db=None, **kwargs):
	"""``UNION ALL`` of query-builder queries with the same columns, each in parentheses with a fixed
	SQL ``suffix`` (a locking clause, which pypika cannot put on each part; code, never data), in one
	statement on ``db`` (default: the request's connection); every value bound."""
	params = NamedParameterWrapper()
	return (db or frappe.db).sql(union_sql(queries, suffix, params), params.get_parameters(), **kwargs)


def union_sql(queries: list, suffix: str, params: NamedParameterWrapper) -> str:
	return " UNION ALL ".join(f"({query.get_sql(param_wrapper=params)}{suffix})" for query in queries)


# -- multi-row writers -----------------------------------------------------------------------------
# frappe.db.bulk_insert renders every value through pypika, which costs more than the database's own
# work at thousands of rows: these bind the values instead.


def insert_values(doctype: str, columns: list[str], rows: list[tuple], chunk_size: int = 1000) -> None:
	"""Write ``rows`` (tuples in ``columns`` order) with one multi-row INSERT per ``chunk_size``
	rows, every value a bound parameter."""
	if not rows:
		return
	target = ", ".join(f"`{column}`" for column in columns)
	placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
	for start in range(0, len(rows), chunk_size):
		chunk = rows[start : start + chunk_size]
		frappe.db.sql(
			f"insert into `tab{doctype}` ({target}) values {', '.join([placeholders] * len(chunk))}",  # nosemgrep
			[value for row in chunk for value in row],
		)


def insert_records(doctype: str, rows: list[dict], chunk_size: int = 1000) -> None:
	"""New records from dicts (the first row's keys name the columns), with the standard fields a
	document insert sets: created and modified now by the session user, docstatus 0."""
	if not rows:
		return
	now, user = now_datetime(), frappe.session.user
	standard = {"creation": now, "modified": now, "owner": user, "modified_by": user, "docstatus": 0}
	fields = list(standard) + [key for key in rows[0] if key not in standard]
	insert_values(
		doctype,
		fields,
		[tuple({**standard, **row}.get(field) for field in fields) for row in rows],
		chunk_size,
	)


def insert_rows(
	doctype: str,
	columns: list[str],
	rows: list[tuple],
	update: bool = False,
	constants: dict | None = None,
	batch: int = 5000,
) -> None:
	"""Write ``rows`` (tuples in ``columns`` order) with one statement per ``batch`` rows: the rows
	travel as one JSON parameter that MariaDB's JSON_TABLE unpacks, so Python neither renders nor
	escapes SQL value by value (frappe.db.bulk_insert renders every value through pypika, which
	costs more than the database's own work at tens of thousands of rows). ``constants``: columns
	with the same value in every row, sent once; ``update``: existing rows (same name) take the new
	values. Columns are our own fieldnames."""
	if not rows:
		return
	constants = constants or {}
	types = json_column_types(doctype, columns)
	spec = ", ".join(f"`{column}` {types[column]} path '$[{index}]'" for index, column in enumerate(columns))
	target = ", ".join(f"`{column}`" for column in [*columns, *constants])
	select = ", ".join(
		[f"j.`{column}`" for column in columns] + [f"%(constant{index})s" for index in range(len(constants))]
	)
	on_duplicate = ""
	if update:
		on_duplicate = " on duplicate key update " + ", ".join(
			f"`{column}` = values(`{column}`)" for column in columns[1:]
		)
	values = {f"constant{index}": value for index, value in enumerate(constants.values())}
	for start in range(0, len(rows), batch):
		values["rows"] = json.dumps(rows[start : start + batch], default=str, ensure_ascii=False)
		frappe.db.sql(
			f"insert into `tab{doctype}` ({target}) select {select} "  # nosemgrep: our own fieldnames
			f"from json_table(%(rows)s, '$[*]' columns({spec})) j{on_duplicate}",
			values,
		)


_column_types: dict[tuple[str, str], dict[str, str]] = {}


def json_column_types(doctype: str, columns: list[str]) -> dict[str, str]:
	"""{column: the JSON_TABLE type that reads it} of the doctype's table, read once per site and
	process (again when a column is new to it, as after a migrate in a long-running worker)."""
	key = (frappe.local.site, doctype)
	if key not in _column_types or not set(columns) <= set(_column_types[key]):
		types = {}
		for column, column_type in frappe.db.sql(
			"select column_name, column_type from information_schema.columns "
			"where table_schema = database() and table_name = %s",
			f"tab{doctype}",
		):
			kind = column_type.lower()
			if "int" in kind.split("(")[0]:
				kind = "bigint"
			elif "text" in kind or "blob" in kind:
				kind = "longtext"
			types[column] = kind
		_column_types[key] = types
	return _column_types[key]


def reserve_names(series: str, count: int) -> list[str]:
	"""``count`` names from the naming ``series`` (as a DocType's autoname has it, e.g.
	``RBS-.YYYY.-.#####``) that document inserts use, taken in one update of its counter."""
	if not count:
		return []
	keys = {}

	def capture(key, digits):
		keys["key"], keys["digits"] = key, digits
		return "{}"

	pattern = parse_naming_series(series, number_generator=capture)
	key, digits = keys["key"], keys["digits"]
	counter = frappe.qb.DocType("Series")
	current = frappe.qb.from_(counter).where(counter.name == key).for_update().select(counter.current).run()
	if current and current[0][0] is not None:
		start = int(current[0][0]) + 1
		frappe.qb.update(counter).set(counter.current, counter.current + count).where(
			counter.name == key
		).run()
	else:
		start = 1
		frappe.qb.into(counter).insert(key, count).run()
	return [pattern.format(str(number).zfill(digits)) for number in range(start, start + count)]


def read_committed_beside(sql, values: dict | None = None) -> Callable[[], list[tuple]]:
	"""Start ``sql`` (constant text with ``values`` bound, or query-builder queries read as one
	``UNION ALL`` like ``run_union``) on a second connection to the site's database, in a thread of
	its own, and return a function that waits for its rows (raising what the read raised) — so the
	request's connection works meanwhile.

	The second connection's snapshot starts at its read, so it sees every transaction committed by
	then, whatever the request's own (older) snapshot; its consistent read takes no lock and never
	waits for one. It sees nothing of the request's uncommitted changes, and it is closed (its
	read-only transaction rolled back) when the read is done. The SQL is rendered and the connection
	settings read here, in the request's thread: the thread touches nothing of Frappe."""
	import pymysql

	if not isinstance(sql, str):
		params = NamedParameterWrapper()
		sql, values = union_sql(sql, "", params), params.get_parameters()
	settings = frappe.db.get_connection_settings()
	result: dict[str, object] = {}

	def read() -> None:
		try:
			connection = pymysql.connect(**settings)
			try:
				with connection.cursor() as cursor:
					cursor.execute(sql, values)
					result["rows"] = list(cursor.fetchall())
			finally:
				connection.close()
		except Exception as error:  # handed to the request's thread by wait()
			result["error"] = error

	thread = threading.Thread(target=read, name="dealer-relations-committed-read", daemon=True)
	thread.start()

	def wait() -> list[tuple]:
		thread.join()
		if "error" in result:
			raise result["error"]
		return result["rows"]

	return wait
