"""SQL reaches the database with its values bound, never rendered into the text by pypika.

``query.get_sql()`` inlines values with only ``'`` doubled: a backslash in a customer or item name
escapes the quote (SECURITY.md, "SQL"). Queries run with ``.run()`` or ``dealer_relations.db.run_query``.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.app_source import APP, ROOT

SOURCES = sorted(APP.rglob("*.py")) + sorted((ROOT / "tools").rglob("*.py"))


def rendered_sql_calls(tree: ast.AST) -> list[int]:
	"""Lines calling ``.get_sql()`` without a parameter wrapper (values inlined)."""
	lines = []
	for node in ast.walk(tree):
		if (
			isinstance(node, ast.Call)
			and isinstance(node.func, ast.Attribute)
			and node.func.attr == "get_sql"
			and not any(keyword.arg == "param_wrapper" for keyword in node.keywords)
		):
			lines.append(node.lineno)
	return lines


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_query_rendered_with_inline_values(path):
	found = rendered_sql_calls(ast.parse(path.read_text(encoding="utf-8")))
	assert not found, (
		f"{path.relative_to(ROOT)} renders SQL with get_sql() on lines {found}: use .run() or run_query"
	)


def test_the_check_finds_get_sql_reaching_frappe_db_sql():
	bad = ast.parse('frappe.db.sql(query.get_sql() + " FOR UPDATE")')
	good = ast.parse("sql = query.get_sql(param_wrapper=params)")
	assert rendered_sql_calls(bad) == [1]
	assert rendered_sql_calls(good) == []


# -- SQL text: only identifiers are formatted into it ------------------------------------------------

SQL_METHODS = {"sql", "sql_ddl", "multisql"}
# What code may format into SQL text: table and column names and the placeholder lists built from
# them. A value (a name, an amount, a date) travels as a bound parameter.
IDENTIFIERS = {
	"doctype",
	"column",
	"columns",
	"c",
	"name",
	"fieldname",
	"ledger",
	"df.options",
	"OLD_CHILD",
	"target",
	"select",
	"spec",
	"on_duplicate",
	"', '.join([placeholders] * len(chunk))",
	"', '.join((f'`{c}`' for c in columns))",
}


def formatted_sql(tree: ast.AST) -> list[tuple[int, str]]:
	"""(line, expression) of what is formatted into the text of an SQL statement and is not one
	of IDENTIFIERS; ``str.format`` and ``%`` on SQL text are refused whatever they format."""
	found = []
	for node in ast.walk(tree):
		if not (
			isinstance(node, ast.Call)
			and isinstance(node.func, ast.Attribute)
			and node.func.attr in SQL_METHODS
			and node.args
		):
			continue
		text = node.args[0]
		for part in ast.walk(text):
			if isinstance(part, ast.FormattedValue):
				expression = ast.unparse(part.value)
				if expression not in IDENTIFIERS:
					found.append((node.lineno, expression))
			elif (
				isinstance(part, ast.Call)
				and isinstance(part.func, ast.Attribute)
				and part.func.attr == "format"
			):
				found.append((node.lineno, ast.unparse(part)))
			elif isinstance(part, ast.BinOp) and isinstance(part.op, ast.Mod):
				found.append((node.lineno, ast.unparse(part)))
	return found


def test_the_check_finds_values_formatted_into_sql():
	bad = ast.parse(
		"frappe.db.sql(f\"select name from `tab{doctype}` where customer = '{customer}'\")\n"
		"frappe.db.sql(\"select name from tabItem where item_code = '{0}'\".format(code))\n"
		"frappe.db.sql(\"select name from tabItem where item_code = '%s'\" % code)\n"
	)
	good = ast.parse('frappe.db.sql(f"select name from `tab{doctype}` where customer = %s", customer)')
	assert [line for line, _expression in formatted_sql(bad)] == [1, 2, 3]
	assert formatted_sql(good) == []


# -- escaped literals and LIKE patterns --------------------------------------------------------------

# Frappe wants SQL text only from permission query conditions; they run without parameters, so a
# "%" in the user's address must not be doubled.
ESCAPE_ALLOWED_IN = {APP / "permissions.py"}


def escape_calls(tree: ast.AST) -> list[tuple[int, bool]]:
	"""(line, keeps % as it is) of each ``frappe.db.escape`` call."""
	return [
		(
			node.lineno,
			any(
				keyword.arg == "percent"
				and isinstance(keyword.value, ast.Constant)
				and keyword.value.value is False
				for keyword in node.keywords
			),
		)
		for node in ast.walk(tree)
		if isinstance(node, ast.Call)
		and isinstance(node.func, ast.Attribute)
		and node.func.attr == "escape"
		and ast.unparse(node.func.value) == "frappe.db"
	]


def is_code_pattern(node: ast.AST) -> bool:
	"""A literal, or an f-string of module constants (``f"{PREFIX}-%"``): a pattern the code wrote."""
	if isinstance(node, ast.Constant):
		return True
	return isinstance(node, ast.JoinedStr) and all(
		isinstance(part.value, ast.Name) and part.value.id.isupper()
		for part in node.values
		if isinstance(part, ast.FormattedValue)
	)


def like_patterns_from_variables(tree: ast.AST) -> list[int]:
	"""Lines building a LIKE from something that is not a pattern the code wrote: a user's ``%``
	or ``_`` would be a wildcard (compare with ``=``, or escape them)."""
	lines = []
	for node in ast.walk(tree):
		if (
			isinstance(node, ast.Call)
			and isinstance(node.func, ast.Attribute)
			and node.func.attr in ("like", "not_like", "ilike")
			and node.args
			and not is_code_pattern(node.args[0])
		):
			lines.append(node.lineno)
		elif (
			isinstance(node, ast.Tuple | ast.List)
			and len(node.elts) == 2
			and isinstance(node.elts[0], ast.Constant)
			and str(node.elts[0].value).lower() in ("like", "not like")
			and not is_code_pattern(node.elts[1])
		):
			lines.append(node.lineno)
	return lines


def test_the_check_finds_like_patterns_from_values():
	bad = ast.parse('t.name.like(f"{prefix}%")\nfrappe.get_all("Item", filters={"name": ("like", txt)})')
	good = ast.parse(
		't.name.like("BULK-%")\nfrappe.get_all("Item", filters={"name": ("like", f"{PREFIX}-%")})'
	)
	assert like_patterns_from_variables(bad) == [1, 2]
	assert like_patterns_from_variables(good) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_values_reach_sql_bound(path):
	tree = ast.parse(path.read_text(encoding="utf-8"))
	where = path.relative_to(ROOT)
	formatted = formatted_sql(tree)
	assert not formatted, f"{where} formats values into SQL text: {formatted}; bind them (%s)"
	likes = like_patterns_from_variables(tree)
	assert not likes, f"{where} builds a LIKE from a value on lines {likes}"
	escapes = escape_calls(tree)
	if path in ESCAPE_ALLOWED_IN:
		assert all(keeps for _line, keeps in escapes), f"{where}: escape(..., percent=False)"
	else:
		assert not escapes, f"{where} escapes a value on lines {escapes}: bind it instead"


# -- constant SQL text ---------------------------------------------------------------------------


def module_sql_constants(tree: ast.Module) -> dict[str, str]:
	"""{NAME_SQL: its text} of a module's upper-case constants named ``..._SQL`` (``..._SQL_...``), evaluated from
	the module's other upper-case constants and literals alone (no import, no call but str.join):
	what a constant SQL text really holds."""
	namespace: dict[str, object] = {}
	for node in tree.body:
		if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
			continue
		target = node.targets[0]
		if not (isinstance(target, ast.Name) and target.id.isupper()):
			continue
		try:
			namespace[target.id] = eval(  # noqa: S307 - module constants of the app's own source
				compile(ast.Expression(node.value), "<constant>", "eval"),
				{"__builtins__": {}, **namespace},
			)
		except Exception:
			continue
	return {
		name: value
		for name, value in namespace.items()
		if re.search(r"(^|_)SQL(_|$)", name) and isinstance(value, str)
	}


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def stray_formatting(sql: str) -> list[str]:
	"""What in constant SQL text is not a ``%(name)s`` bound parameter: ``%s``, a lone ``%`` (pymysql
	would read it as a placeholder), or ``{...}`` left from a format that never ran."""
	rest = PLACEHOLDER.sub("", sql)
	return re.findall(r"%.?|\{[^}]*\}", rest)


def test_the_check_finds_stray_formatting_in_constant_sql():
	tree = ast.parse(
		'PART = "SELECT name FROM tabItem WHERE item_code = %(code)s"\n'
		'GOOD_SQL = PART + " UNION ALL ".join(f"({p})" for p in (PART, PART))\n'
		"BAD_SQL = \"SELECT name FROM tabItem WHERE name = '%s' AND x = {value}\"\n"
		"LIKE_SQL = \"SELECT name FROM tabItem WHERE name LIKE 'A%'\"\n"
	)
	constants = module_sql_constants(tree)
	assert stray_formatting(constants["GOOD_SQL"]) == []
	assert stray_formatting(constants["BAD_SQL"]) == ["%s", "{value}"]
	assert stray_formatting(constants["LIKE_SQL"]) == ["%'"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_constant_sql_binds_every_value(path):
	"""Constant SQL text (``..._SQL`` / ``..._SQL_...`` module constants, run with ``frappe.db.sql(TEXT, values)``)
	carries values only as ``%(name)s`` parameters."""
	constants = module_sql_constants(ast.parse(path.read_text(encoding="utf-8")))
	for name, sql in constants.items():
		assert not stray_formatting(sql), f"{path.relative_to(ROOT)}: {name} has {stray_formatting(sql)}"


def test_the_exposure_is_constant_sql():
	constants = module_sql_constants(ast.parse((APP / "credit.py").read_text(encoding="utf-8")))
	for name in ("EXPOSURE_SQL", "EXPOSURE_SQL_SKIP_LOCKED"):
		assert set(PLACEHOLDER.findall(constants[name])) == {"currency", "customer", "company", "exclude"}
	assert constants["EXPOSURE_SQL_SKIP_LOCKED"].count("LOCK IN SHARE MODE SKIP LOCKED") == 4
