"""Reads the app's own source without Frappe: doctypes, hooks, and the user-facing strings.

Used by the static tier-1 tests, and runnable to list strings that still lack a zh translation:
    python -m tests.app_source --missing zh
"""

from __future__ import annotations

import ast
import csv
import json
import re
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dealer_relations"
MODULE_DIR = APP / "dealer_relations"
TRANSLATIONS = APP / "translations"

LAYOUT_FIELDTYPES = {"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Fold", "Heading"}
# Select options that are not words to translate (blank option).
NOT_TEXT = {""}


def scrub(name: str) -> str:
	return name.lower().replace(" ", "_").replace("-", "_")


@cache
def doctypes() -> dict[str, dict]:
	found = {}
	for path in sorted(MODULE_DIR.glob("doctype/*/*.json")):
		data = json.loads(path.read_text(encoding="utf-8"))
		if data.get("doctype") == "DocType":
			found[data["name"]] = {**data, "_path": path}
	return found


@cache
def reports() -> dict[str, dict]:
	found = {}
	for path in sorted(MODULE_DIR.glob("report/*/*.json")):
		data = json.loads(path.read_text(encoding="utf-8"))
		if data.get("doctype") == "Report":
			found[data["name"]] = {**data, "_path": path}
	return found


@cache
def workspaces() -> dict[str, dict]:
	found = {}
	for path in sorted(MODULE_DIR.glob("workspace/*/*.json")):
		data = json.loads(path.read_text(encoding="utf-8"))
		found[data["name"]] = {**data, "_path": path}
	return found


@cache
def print_formats() -> dict[str, dict]:
	found = {}
	for path in sorted(MODULE_DIR.glob("print_format/*/*.json")):
		data = json.loads(path.read_text(encoding="utf-8"))
		found[data["name"]] = {**data, "_path": path}
	return found


def python_files() -> list[Path]:
	return sorted(p for p in APP.rglob("*.py") if "__pycache__" not in p.parts)


def js_files() -> list[Path]:
	return sorted(p for p in APP.rglob("*.js") if "node_modules" not in p.parts and "dist" not in p.parts)


def html_files() -> list[Path]:
	"""The portal's pages and templates (Jinja)."""
	return sorted(APP.rglob("*.html"))


def python_strings(path: Path) -> set[str]:
	"""Literal first arguments of ``_("...")`` calls."""
	tree = ast.parse(path.read_text(encoding="utf-8"))
	strings = set()
	for node in ast.walk(tree):
		if (
			isinstance(node, ast.Call)
			and isinstance(node.func, ast.Name)
			and node.func.id == "_"
			and node.args
			and isinstance(node.args[0], ast.Constant)
			and isinstance(node.args[0].value, str)
		):
			strings.add(node.args[0].value)
	return strings


JS_STRING = re.compile(r"""__\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`((?:[^`\\$]|\\.)*)`)""")


def js_strings(path: Path) -> set[str]:
	strings = set()
	for match in JS_STRING.finditer(path.read_text(encoding="utf-8")):
		raw = next(group for group in match.groups() if group is not None)
		strings.add(raw.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8"))
	return strings


JINJA_STRING = re.compile(r"""(?<![\w.])_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def jinja_strings(path: Path) -> set[str]:
	"""Literal first arguments of ``_("...")`` in a Jinja template."""
	return {
		next(group for group in match.groups() if group is not None)
		for match in JINJA_STRING.finditer(path.read_text(encoding="utf-8"))
	}


def doctype_strings(meta: dict) -> set[str]:
	strings = {meta["name"]}
	for field in meta.get("fields", []):
		if field.get("label"):
			strings.add(field["label"])
		if field.get("description"):
			strings.add(field["description"])
		if field.get("fieldtype") == "Select" and field.get("options"):
			strings.update(option for option in field["options"].split("\n") if option not in NOT_TEXT)
	return strings


def workspace_strings(workspace: dict) -> set[str]:
	strings = {workspace["label"], workspace.get("title") or workspace["label"]}
	strings.update(link["label"] for link in workspace.get("links", []))
	for shortcut in workspace.get("shortcuts", []):
		strings.add(shortcut["label"])
		if shortcut.get("format"):
			strings.add(shortcut["format"])
	# The desk shows number cards and charts under their workspace labels, translated.
	strings.update(
		card.get("label") or card["number_card_name"] for card in workspace.get("number_cards", [])
	)
	strings.update(chart.get("label") or chart["chart_name"] for chart in workspace.get("charts", []))
	for block in json.loads(workspace.get("content") or "[]"):
		if block["type"] == "header":
			# The desk translates a header block by its whole HTML text.
			strings.add(block["data"]["text"])
	return strings


@cache
def user_facing_strings() -> dict[str, str]:
	"""Every translatable string the app shows, mapped to where it was found."""
	found: dict[str, str] = {}

	def add(strings, where):
		for string in strings:
			if string and string.strip():
				found.setdefault(string, where)

	for path in python_files():
		add(python_strings(path), str(path.relative_to(ROOT)))
	for path in js_files():
		add(js_strings(path), str(path.relative_to(ROOT)))
	for path in html_files():
		add(jinja_strings(path), str(path.relative_to(ROOT)))
	for meta in doctypes().values():
		add(doctype_strings(meta), str(meta["_path"].relative_to(ROOT)))
	for report in reports().values():
		add({report["name"]}, str(report["_path"].relative_to(ROOT)))
	for workspace in workspaces().values():
		add(workspace_strings(workspace), str(workspace["_path"].relative_to(ROOT)))
	for path in sorted(MODULE_DIR.glob("number_card/*/*.json")):
		add({json.loads(path.read_text())["label"]}, str(path.relative_to(ROOT)))
	for path in sorted(MODULE_DIR.glob("dashboard_chart/*/*.json")):
		add({json.loads(path.read_text())["chart_name"]}, str(path.relative_to(ROOT)))
	from dealer_relations.engine.dealer import APP_ROLES, STATUSES
	from dealer_relations.setup.custom_fields import get_custom_fields

	for fields in get_custom_fields().values():
		add(doctype_strings({"name": "", "fields": fields}), "dealer_relations/setup/custom_fields.py")

	from dealer_relations.engine.visits import PLAN_DUE_SOON, PLAN_LATER, PLAN_OVERDUE

	add((PLAN_OVERDUE, PLAN_DUE_SOON, PLAN_LATER), "dealer_relations/engine/visits.py")
	add(APP_ROLES, "dealer_relations/engine/dealer.py")
	add(STATUSES, "dealer_relations/engine/dealer.py")
	return found


def load_translations(language: str) -> dict[str, str]:
	path = TRANSLATIONS / f"{language}.csv"
	with path.open(encoding="utf-8", newline="") as handle:
		return {row[0]: row[1] for row in csv.reader(handle) if len(row) >= 2 and row[0]}


def missing_translations(language: str) -> list[str]:
	translations = load_translations(language) if (TRANSLATIONS / f"{language}.csv").exists() else {}
	return sorted(s for s in user_facing_strings() if not translations.get(s, "").strip())


if __name__ == "__main__":
	if len(sys.argv) == 3 and sys.argv[1] == "--missing":
		for string in missing_translations(sys.argv[2]):
			print(json.dumps(string, ensure_ascii=False))
	else:
		print(__doc__)
