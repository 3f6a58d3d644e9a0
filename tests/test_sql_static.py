"""SQL reaches the database with its values bound, never rendered into the text by pypika.

``query.get_sql()`` inlines values with only ``'`` doubled: a backslash in a customer or item name
escapes the quote (SECURITY.md, "SQL"). Queries run with ``.run()`` or ``dealer_relations.db.run_query``.
"""

from __future__ import annotations

import ast

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
