"""SQL reaches the database with its values bound, never rendered into the text by pypika.

``query.get_sql()`` inlines values with only ``'`` doubled: a backslash in a customer or item name
escapes the quote (SECURITY.md, "SQL"). Queries run with ``.run()`` or ``dealer_relations.db.run_query``,
or as constant SQL text with named bound parameters (the portal's ``PORTAL_*_SQL``).
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

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


# -- what SQL text a statement may be ----------------------------------------------------------------

# Product code: the app and its tools, not the tests (which may send what they please to a test site).
PRODUCT_SOURCES = [
	path for path in SOURCES if "tests" not in path.parts and not path.name.startswith("test_")
]
# Text that is none of the forms below and is still not a value: pypika's rendering with every value
# bound (db.run_query, with a prefix and suffix that are code) and the benchmarks re-sending, as they
# were sent, the statements they recorded the code under measure sending.
OTHER_SQL_TEXT = {
	("dealer_relations/db.py", "prefix + sql + suffix"),
	# run_union: pypika's rendering of several queries with every value bound (as run_query)
	("dealer_relations/db.py", "union_sql(queries, suffix, params)"),
	("dealer_relations/benchmarks/portal.py", "slowest"),
	("dealer_relations/benchmarks/portal.py", "sql"),
	("dealer_relations/benchmarks/reports.py", "slowest"),
	("dealer_relations/benchmarks/credit.py", "sql"),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def module_of(path: Path) -> str:
	return ".".join(path.relative_to(ROOT).with_suffix("").parts)


@functools.cache
def module_constants() -> dict[str, dict[str, ast.AST]]:
	"""{module: {NAME: its value}} of every module-level ``NAME = ...`` (upper case, assigned once)
	of the app, with the names a module imports from another module of the app."""
	found: dict[str, dict[str, ast.AST]] = {}
	imports: dict[str, dict[str, tuple[str, str]]] = {}
	for path in SOURCES:
		tree = ast.parse(path.read_text(encoding="utf-8"))
		module, names, assigned = module_of(path), {}, {}
		for node in tree.body:
			if (
				isinstance(node, ast.Assign)
				and len(node.targets) == 1
				and isinstance(node.targets[0], ast.Name)
			):
				target = node.targets[0].id
				if target.isupper():
					assigned[target] = assigned.get(target, 0) + 1
					names[target] = node.value
			elif (
				isinstance(node, ast.ImportFrom)
				and node.module
				and node.module.startswith("dealer_relations")
			):
				for alias in node.names:
					imports.setdefault(module, {})[alias.asname or alias.name] = (node.module, alias.name)
		found[module] = {name: value for name, value in names.items() if assigned[name] == 1}
	for module, names in imports.items():
		for local, (source, name) in names.items():
			if local.isupper() and name in found.get(source, {}) and local not in found[module]:
				found[module][local] = ast.Name(id=f"{source}:{name}")
	return found


def constant_text(node: ast.AST, module: str) -> str | None:
	"""The text of ``node`` when it is constant SQL text: a string literal, or an f-string or a sum
	of module-level constants that are themselves constant text (nothing computed at run time);
	None otherwise."""
	if isinstance(node, ast.Constant):
		return node.value if isinstance(node.value, str) else None
	if isinstance(node, ast.Name):
		source, _colon, name = node.id.rpartition(":")
		source, name = (source, name) if source else (module, node.id)
		value = module_constants().get(source, {}).get(name)
		return None if value is None else constant_text(value, source)
	if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
		left, right = constant_text(node.left, module), constant_text(node.right, module)
		return None if left is None or right is None else left + right
	if isinstance(node, ast.JoinedStr):
		parts = []
		for part in node.values:
			if isinstance(part, ast.FormattedValue):
				if part.conversion != -1 or part.format_spec or not isinstance(part.value, ast.Name):
					return None
				if not part.value.id.isupper():
					return None
				text = constant_text(part.value, module)
			else:
				text = constant_text(part, module)
			if text is None:
				return None
			parts.append(text)
		return "".join(parts)
	return None


def identifiers_only(node: ast.AST) -> bool:
	"""An f-string formatting only IDENTIFIERS (table and column names from code)."""
	return isinstance(node, ast.JoinedStr) and all(
		ast.unparse(part.value) in IDENTIFIERS for part in node.values if isinstance(part, ast.FormattedValue)
	)


def sql_calls(tree: ast.AST):
	for node in ast.walk(tree):
		if (
			isinstance(node, ast.Call)
			and isinstance(node.func, ast.Attribute)
			and node.func.attr in SQL_METHODS
			and node.args
		):
			yield node


def sql_text_kinds(path: Path) -> list[tuple[int, str, str]]:
	"""(line, kind, expression) of each statement's text: 'constant' (a literal or module-level
	constant text), 'identifiers' (an f-string of table and column names), 'other' (OTHER_SQL_TEXT)
	or 'refused'."""
	module, where = module_of(path), str(path.relative_to(ROOT))
	found = []
	for call in sql_calls(ast.parse(path.read_text(encoding="utf-8"))):
		text, expression = call.args[0], ast.unparse(call.args[0])
		if constant_text(text, module) is not None:
			kind = "constant"
		elif identifiers_only(text):
			kind = "identifiers"
		elif (where, expression) in OTHER_SQL_TEXT:
			kind = "other"
		else:
			kind = "refused"
		found.append((call.lineno, kind, expression))
	return found


@pytest.mark.parametrize("path", PRODUCT_SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_sql_text_is_constant_or_identifiers(path):
	"""Every ``frappe.db.sql`` (``sql_ddl``, ``multisql``) of product code takes as its text a string
	literal, a module-level constant of constant text (literals, and f-strings or sums of such
	constants), an f-string of table and column names only, or one of OTHER_SQL_TEXT; values are
	bound."""
	refused = [(line, expression) for line, kind, expression in sql_text_kinds(path) if kind == "refused"]
	assert not refused, f"{path.relative_to(ROOT)} sends SQL text built at run time: {refused}"


def test_the_check_tells_constant_sql_from_built_sql():
	module = "dealer_relations.sample"
	tree = ast.parse(
		'WHERE = "where customer = %(customer)s"\n'
		'PAGE_SQL = f"select name from `tabIssue` {WHERE}"\n'
		'LIST_SQL = PAGE_SQL + " order by name"\n'
		"where = 'x'\n"
	)
	module_constants()[module] = {
		node.targets[0].id: node.value for node in tree.body if node.targets[0].id.isupper()
	}
	try:
		assert constant_text(ast.parse("LIST_SQL", mode="eval").body, module) == (
			"select name from `tabIssue` where customer = %(customer)s order by name"
		)
		for built in ('f"select {where}"', "PAGE_SQL + where", "PAGE_SQL.format(1)", 'f"{PAGE_SQL!r}"'):
			assert constant_text(ast.parse(built, mode="eval").body, module) is None, built
	finally:
		del module_constants()[module]


def constant_sql_texts() -> list[tuple[str, int, str, str, ast.AST | None]]:
	"""(file, line, expression, text, parameters) of every statement of product code sent with
	constant text."""
	found = []
	for path in PRODUCT_SOURCES:
		module = module_of(path)
		for call in sql_calls(ast.parse(path.read_text(encoding="utf-8"))):
			text = constant_text(call.args[0], module)
			if text is not None:
				parameters = call.args[1] if len(call.args) > 1 else None
				found.append(
					(str(path.relative_to(ROOT)), call.lineno, ast.unparse(call.args[0]), text, parameters)
				)
	return found


def stray_formatting(text: str) -> list[str]:
	"""What in SQL text is a formatting placeholder other than ``%(name)s``: ``%s``, ``%d``, a lone
	``%`` (``%%`` is a literal percent sign), ``{name}`` left by a forgotten ``f``."""
	rest = PLACEHOLDER.sub("", text).replace("%%", "")
	return re.findall(r"%.?.?|\{[^}]*\}", rest)


def test_constant_sql_has_named_placeholders_only():
	"""The portal's statements and every other constant SQL text carry values only as named bound
	parameters, ``%(name)s``, each one given by the call when it passes a dict literal."""
	texts = constant_sql_texts()
	assert any("PORTAL_HOME_SQL" in expression for _file, _line, expression, _text, _params in texts)
	for file, line, expression, text, parameters in texts:
		if not PLACEHOLDER.search(text):
			continue  # a statement without named parameters (a literal with %s: the checks above)
		assert not stray_formatting(text), f"{file}:{line} {expression}: {stray_formatting(text)}"
		if isinstance(parameters, ast.Dict) and all(isinstance(key, ast.Constant) for key in parameters.keys):
			given = {key.value for key in parameters.keys}
			assert set(PLACEHOLDER.findall(text)) == given, f"{file}:{line} {expression} binds {given}"


def test_the_check_finds_stray_placeholders():
	assert stray_formatting("where a = %(a)s and b like 'x%%'") == []
	assert stray_formatting("where a = %s") == ["%s"]
	assert stray_formatting("where a = {a}") == ["{a}"]
	assert stray_formatting("where a = '%(a)s%'") == ["%'"]


def test_the_credit_checks_exposure_is_constant_sql():
	"""The exposure every judged submit reads (credit.get_exposure): constant text, its four parts
	each a locking read that skips held rows in the SKIP LOCKED variant."""
	constants = module_constants()["dealer_relations.credit"]
	for name in ("EXPOSURE_SQL", "EXPOSURE_SQL_SKIP_LOCKED"):
		text = constant_text(constants[name], "dealer_relations.credit")
		assert text is not None, name
		assert set(PLACEHOLDER.findall(text)) == {"currency", "customer", "company", "exclude"}, name
		assert text.count(" UNION ALL ") == 3, name
	locked = constant_text(constants["EXPOSURE_SQL_SKIP_LOCKED"], "dealer_relations.credit")
	assert locked.count("LOCK IN SHARE MODE SKIP LOCKED)") == 4
