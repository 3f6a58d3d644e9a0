"""Static checks of the app itself: what `bench` would only find at install or run time."""

from __future__ import annotations

import ast
import csv
import importlib.util
import json
import re
import shutil
import subprocess
import sys

try:
	import tomllib
except ModuleNotFoundError:  # Python 3.10
	import tomli as tomllib

import pytest

from tests.app_source import (
	APP,
	LAYOUT_FIELDTYPES,
	MODULE_DIR,
	ROOT,
	TRANSLATIONS,
	doctypes,
	js_files,
	missing_translations,
	python_files,
	reports,
	scrub,
	user_facing_strings,
	workspaces,
)

APP_ROLES = {"Dealer Manager", "Dealer Sales Rep", "Rebate Accountant", "Credit Controller"}
STANDARD_ROLES = {"System Manager", "Accounts Manager", "Accounts User", "Sales Manager", "Sales User"}
# Frappe / ERPNext doctypes the app may link to. A new target must be added here on purpose.
EXTERNAL_DOCTYPES = {
	"Account",
	"Address",
	"Company",
	"Contact",
	"Cost Center",
	"Currency",
	"Customer",
	"Customer Group",
	"Delivery Note",
	"DocType",
	"Fiscal Year",
	"Issue",
	"Item",
	"Item Group",
	"Journal Entry",
	"Payment Entry",
	"Payment Terms Template",
	"Quotation",
	"Sales Invoice",
	"Sales Order",
	"Sales Person",
	"Sales Taxes and Charges Template",
	"Territory",
	"ToDo",
	"User",
	"Warehouse",
	"Brand",
	"Workflow State",
	# Diversion (issue 7): address mapping rows.
	"Country",
	# Free goods (issue 18): the price list that values them.
	"Price List",
}
# Rebates (issue 8): the lead places these on the workspace when the branch merges; remove then.
DOCTYPES = doctypes()


# Doctypes and reports a feature branch adds but may not put on the shared workspace itself: the
# lead links them on the workspace when merging and removes them from this set.
def known_doctypes():
	return set(DOCTYPES) | EXTERNAL_DOCTYPES


def test_app_has_doctypes():
	assert {"Dealer", "Dealer Tier", "Dealer Territory", "Dealer Relations Settings"} <= set(DOCTYPES)


@pytest.mark.parametrize("name", sorted(DOCTYPES))
def test_doctype_is_consistent(name):
	meta = DOCTYPES[name]
	path = meta["_path"]
	assert path.parent.name == scrub(name) and path.stem == scrub(name), "folder and file follow the name"
	assert meta["module"] == "Dealer Relations"
	assert (path.parent / "__init__.py").exists()

	fieldnames = [field["fieldname"] for field in meta["fields"]]
	assert len(fieldnames) == len(set(fieldnames)), "fieldnames are unique"
	assert meta["field_order"] == fieldnames, "field_order lists every field once, in order"
	for fieldname in fieldnames:
		assert re.fullmatch(r"[a-z][a-z0-9_]*", fieldname), fieldname

	by_name = {field["fieldname"]: field for field in meta["fields"]}
	for field in meta["fields"]:
		ftype = field["fieldtype"]
		if ftype in ("Link", "Table", "Table MultiSelect"):
			assert field.get("options") in known_doctypes(), f"{field['fieldname']} -> {field.get('options')}"
		if ftype in ("Table", "Table MultiSelect"):
			assert DOCTYPES[field["options"]].get("istable"), f"{field['options']} must be a child table"
		if ftype == "Select" and field.get("default"):
			assert field["default"] in field["options"].split("\n")
		if field.get("fetch_from"):
			link_field, _, _target = field["fetch_from"].partition(".")
			assert by_name.get(link_field, {}).get("fieldtype") == "Link", field["fetch_from"]
		if ftype not in LAYOUT_FIELDTYPES and ftype != "Tab Break":
			assert field.get("label"), f"{field['fieldname']} has a label"

	autoname = meta.get("autoname") or ""
	if autoname.startswith("field:"):
		assert autoname[len("field:") :] in by_name

	for key in ("title_field", "image_field", "sort_field"):
		if meta.get(key) and meta[key] not in ("modified", "creation", "name"):
			assert meta[key] in by_name, f"{key} {meta[key]}"
	for fieldname in filter(None, (meta.get("search_fields") or "").split(",")):
		assert fieldname.strip() in by_name, f"search field {fieldname}"

	if meta.get("istable"):
		assert not meta.get("permissions"), "child tables take permissions from their parent"
	else:
		assert meta.get("permissions"), "every parent doctype grants someone access"
	for perm in meta.get("permissions", []):
		assert perm["role"] in APP_ROLES | STANDARD_ROLES, f"role {perm['role']} (never All/Guest)"


@pytest.mark.parametrize("name", sorted(DOCTYPES))
def test_controller_matches_doctype(name):
	meta = DOCTYPES[name]
	controller = meta["_path"].with_suffix(".py")
	tree = ast.parse(controller.read_text(encoding="utf-8"))
	classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
	class_name = name.replace(" ", "").replace("-", "")
	assert class_name in classes, f"{controller} defines {class_name}"

	source = controller.read_text(encoding="utf-8")
	block = re.search(r"# begin: auto-generated types(.*?)# end: auto-generated types", source, re.S)
	assert block, "the v15 auto-generated type block is kept"
	typed = set(re.findall(r"^\t\t(\w+): DF\.", block.group(1), re.M))
	data_fields = {
		f["fieldname"] for f in meta["fields"] if f["fieldtype"] not in LAYOUT_FIELDTYPES - {"HTML"}
	}
	data_fields -= {f["fieldname"] for f in meta["fields"] if f["fieldtype"] in ("Tab Break",)}
	if meta.get("istable"):
		typed -= {"parent", "parentfield", "parenttype"}
	assert typed == data_fields, "type block is in step with the JSON"


def test_modules_txt_names_the_module_folder():
	modules = (APP / "modules.txt").read_text().split()
	assert " ".join(modules) == "Dealer Relations"
	assert MODULE_DIR.is_dir()


def test_no_frappe_in_engine():
	for path in (APP / "engine").rglob("*.py"):
		tree = ast.parse(path.read_text(encoding="utf-8"))
		for node in ast.walk(tree):
			names = []
			if isinstance(node, ast.Import):
				names = [alias.name for alias in node.names]
			elif isinstance(node, ast.ImportFrom):
				names = [node.module or ""]
			for module in names:
				assert module.split(".")[0] not in ("frappe", "erpnext"), f"{path} imports {module}"


# -- hooks --------------------------------------------------------------------------------------


def dotted_paths(node) -> list[str]:
	paths = []
	for child in ast.walk(node):
		if isinstance(child, ast.Constant) and isinstance(child.value, str):
			if re.fullmatch(r"dealer_relations(\.\w+)+", child.value):
				paths.append(child.value)
	return paths


def resolve(dotted: str) -> bool:
	"""Whether ``dotted`` names a module-level function/class of the app (or a module)."""
	parts = dotted.split(".")
	for split in range(len(parts), 0, -1):
		module_parts, attrs = parts[:split], parts[split:]
		base = ROOT.joinpath(*module_parts)
		module_file = base.with_suffix(".py") if base.with_suffix(".py").exists() else base / "__init__.py"
		if module_file.exists():
			if not attrs:
				return True
			if len(attrs) != 1:
				return False
			tree = ast.parse(module_file.read_text(encoding="utf-8"))
			return any(
				getattr(node, "name", None) == attrs[0]
				for node in tree.body
				if isinstance(node, ast.FunctionDef | ast.ClassDef)
			) or any(
				isinstance(node, ast.Assign) and any(getattr(t, "id", None) == attrs[0] for t in node.targets)
				for node in tree.body
			)
	return False


def test_every_dotted_path_in_hooks_exists():
	tree = ast.parse((APP / "hooks.py").read_text(encoding="utf-8"))
	paths = dotted_paths(tree)
	assert paths, "hooks.py wires something"
	missing = [path for path in paths if not resolve(path)]
	assert not missing, missing


def test_hooks_basics():
	tree = ast.parse((APP / "hooks.py").read_text(encoding="utf-8"))
	values = {
		node.targets[0].id: node.value
		for node in tree.body
		if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
	}
	# every hook is a literal but the regional overrides, listed for every country by a call
	computed = {name for name, value in values.items() if isinstance(value, ast.Call)}
	assert computed == {"regional_overrides"}, computed
	values = {name: ast.literal_eval(value) for name, value in values.items() if name not in computed}
	assert values["app_name"] == "dealer_relations"
	assert values["required_apps"] == ["frappe/erpnext"]
	for key in ("after_install", "before_uninstall"):
		assert key in values


def test_patches_resolve():
	for line in (APP / "patches.txt").read_text().splitlines():
		line = line.split("#")[0].strip()
		if not line or line.startswith("["):
			continue
		if line.startswith("execute:"):
			continue
		module = ROOT.joinpath(*line.split()[0].split(".")).with_suffix(".py")
		assert module.exists(), line
		tree = ast.parse(module.read_text(encoding="utf-8"))
		assert any(getattr(node, "name", None) == "execute" for node in tree.body), line


def test_doctype_events_in_hooks_name_real_doctypes():
	tree = ast.parse((APP / "hooks.py").read_text(encoding="utf-8"))
	for node in tree.body:
		if isinstance(node, ast.Assign) and node.targets[0].id in (
			"doc_events",
			"permission_query_conditions",
			"has_permission",
		):
			for doctype in ast.literal_eval(node.value):
				assert doctype == "*" or doctype in known_doctypes(), doctype


# -- packaging ------------------------------------------------------------------------------------


def test_pyproject():
	data = tomllib.loads((ROOT / "pyproject.toml").read_text())
	assert data["build-system"]["build-backend"] == "flit_core.buildapi"
	assert "frappe" not in " ".join(data["project"].get("dependencies", []))
	deps = data["tool"]["bench"]["frappe-dependencies"]
	assert deps["frappe"].startswith(">=15") and "<16" in deps["frappe"]
	assert "erpnext" in deps
	assert "version" in data["project"]["dynamic"]
	assert re.search(r'__version__ = "\d+\.\d+\.\d+"', (APP / "__init__.py").read_text())


# -- desk ---------------------------------------------------------------------------------------------


def test_workspace_points_at_real_things():
	workspace = workspaces()["Dealer Relations"]
	assert workspace["module"] == "Dealer Relations"
	targets = known_doctypes() | set(reports())
	for link in workspace["links"]:
		if link["type"] == "Link":
			assert link["link_to"] in targets, link["link_to"]
			assert bool(link["is_query_report"]) == (link["link_type"] == "Report")
	for shortcut in workspace["shortcuts"]:
		assert shortcut["link_to"] in targets, shortcut["link_to"]
	shortcut_names = {s["label"] for s in workspace["shortcuts"]}
	cards = {link["label"] for link in workspace["links"] if link["type"] == "Card Break"}
	for block in json.loads(workspace["content"]):
		if block["type"] == "shortcut":
			assert block["data"]["shortcut_name"] in shortcut_names
		if block["type"] == "card":
			assert block["data"]["card_name"] in cards
	for doctype, meta in DOCTYPES.items():
		if not meta.get("istable"):
			assert doctype in {s["link_to"] for s in workspace["shortcuts"]} | {
				link.get("link_to") for link in workspace["links"]
			}, f"workspace reaches {doctype}"
	for report in set(reports()):
		assert report in {link.get("link_to") for link in workspace["links"]}, f"workspace reaches {report}"


@pytest.mark.parametrize("name", sorted(reports()))
def test_report_is_consistent(name):
	report = reports()[name]
	assert report["ref_doctype"] in known_doctypes()
	assert report["module"] == "Dealer Relations"
	for role in report.get("roles", []):
		assert role["role"] in APP_ROLES | STANDARD_ROLES
	if report["report_type"] == "Script Report":
		module = report["_path"].with_suffix(".py")
		tree = ast.parse(module.read_text(encoding="utf-8"))
		assert any(getattr(node, "name", None) == "execute" for node in tree.body)


# -- translations ---------------------------------------------------------------------------------


def test_zh_translation_file_is_well_formed():
	path = TRANSLATIONS / "zh.csv"
	with path.open(encoding="utf-8", newline="") as handle:
		rows = list(csv.reader(handle))
	sources = [row[0] for row in rows]
	assert len(sources) == len(set(sources)), "no source string twice"
	for row in rows:
		assert len(row) in (2, 3) and row[0] and row[1], row
		# placeholders survive translation
		assert sorted(re.findall(r"\{\d+\}", row[0])) == sorted(re.findall(r"\{\d+\}", row[1])), row


def test_every_user_facing_string_has_a_zh_translation():
	missing = missing_translations("zh")
	assert not missing, f"{len(missing)} strings lack zh: {missing[:20]}"


def test_strings_are_found():
	strings = user_facing_strings()
	assert "Dealer" in strings and "Authorised Territories" in strings
	assert any("Active dealer needs at least one territory" in s for s in strings)


def test_no_fstrings_or_concatenation_inside_translation_calls():
	for path in python_files():
		tree = ast.parse(path.read_text(encoding="utf-8"))
		for node in ast.walk(tree):
			if (
				isinstance(node, ast.Call)
				and isinstance(node.func, ast.Name)
				and node.func.id == "_"
				and node.args
			):
				arg = node.args[0]
				assert not isinstance(arg, ast.JoinedStr | ast.BinOp), f"{path}:{node.lineno}"
	for path in js_files():
		assert not re.search(r"__\(\s*`[^`]*\$\{", path.read_text(encoding="utf-8")), path


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_js_files_parse():
	for path in js_files():
		result = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
		assert result.returncode == 0, f"{path}: {result.stderr}"


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_ruff_clean():
	result = subprocess.run(
		[sys.executable, "-m", "ruff", "check", "dealer_relations", "tests", "tools", "e2e"],
		cwd=ROOT,
		capture_output=True,
		text=True,
	)
	assert result.returncode == 0, result.stdout + result.stderr


def _module_records(folder: str, key: str) -> dict[str, dict]:
	records = {}
	for path in sorted(MODULE_DIR.glob(f"{folder}/*/*.json")):
		record = json.loads(path.read_text())
		assert path.stem == scrub(record[key]), f"{path} holds {record[key]}"
		assert record["module"] == "Dealer Relations" and record.get("is_standard", 1), path
		records[record[key]] = record
	return records


def test_workspace_cards_and_charts_exist_and_are_wired():
	cards = _module_records("number_card", "name")
	charts = _module_records("dashboard_chart", "name")
	sources = _module_records("dashboard_chart_source", "name")
	for card in cards.values():
		assert card["document_type"] in known_doctypes(), card["name"]
		for flt in json.loads(card["filters_json"]) + json.loads(card["dynamic_filters_json"]):
			assert flt[0] == card["document_type"], card["name"]
			assert flt[1] in {f["fieldname"] for f in DOCTYPES[flt[0]]["fields"]}, (card["name"], flt[1])
	for chart in charts.values():
		if chart["chart_type"] == "Custom":
			assert chart["source"] in sources, chart["name"]
			# per-user numbers: a chart without roles would fall back to Frappe's shared cache rules
			assert {row["role"] for row in chart["roles"]} <= APP_ROLES | STANDARD_ROLES
	for source in sources:
		js = (MODULE_DIR / "dashboard_chart_source" / scrub(source) / f"{scrub(source)}.js").read_text()
		method = re.search(r'method:\s*"([\w.]+)"', js).group(1)
		module, _, function = method.rpartition(".")
		tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text())
		defs = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
		assert function in defs, method
		assert any(ast.unparse(d) == "frappe.whitelist()" for d in defs[function].decorator_list), method
	for name, workspace in workspaces().items():
		used_cards = {row["number_card_name"] for row in workspace.get("number_cards", [])}
		used_charts = {row["chart_name"] for row in workspace.get("charts", [])}
		assert used_cards <= set(cards), name
		assert used_charts <= set(charts), name
		for block in json.loads(workspace["content"]):
			if block["type"] == "number_card":
				assert block["data"]["number_card_name"] in used_cards, name
			if block["type"] == "chart":
				assert block["data"]["chart_name"] in used_charts, name


def test_reps_workspace_has_no_settings():
	for name, workspace in workspaces().items():
		roles = {row["role"] for row in workspace.get("roles", [])}
		targets = {link.get("link_to") for link in workspace.get("links", [])}
		targets |= {shortcut["link_to"] for shortcut in workspace.get("shortcuts", [])}
		if "Dealer Sales Rep" in roles:
			assert "Dealer Relations Settings" not in targets, name
			assert "Dealer Tier" not in targets, name


def test_sales_invoice_gl_override_is_the_overrides_delegate(tmp_path, monkeypatch):
	"""The release of a rebate deduction goes into the invoice's GL through ERPNext's regional
	override, listed for every country Frappe knows, pointing at the overrides/ delegate."""
	from dealer_relations.setup import regional

	assert resolve(regional.APP_SALES_INVOICE_GL)
	assert regional.APP_SALES_INVOICE_GL.startswith("dealer_relations.overrides.sales_invoice.")
	countries = tmp_path / "frappe" / "geo" / "country_info.json"
	countries.parent.mkdir(parents=True)
	countries.write_text('{"China": {}, "Germany": {}}', encoding="utf-8")
	(tmp_path / "frappe" / "__init__.py").write_text("", encoding="utf-8")
	monkeypatch.syspath_prepend(str(tmp_path))
	regional.countries.cache_clear()
	try:
		assert regional.every_country() == {
			"China": {regional.SALES_INVOICE_GL: regional.APP_SALES_INVOICE_GL},
			"Germany": {regional.SALES_INVOICE_GL: regional.APP_SALES_INVOICE_GL},
		}
	finally:
		regional.countries.cache_clear()
