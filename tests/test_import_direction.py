"""The package's import direction (issue 17), read from the source without Frappe.

Rules in ``engine`` import nothing of the app; helpers (``db``, ``utils``, ``setup`` data) import
the engine; services (one module per capability) import the engine and helpers; what Frappe and
ERPNext call into (``overrides``, ``permissions``, doctypes and reports, install) imports services;
patches carry what they need and import no service; ``demo`` and ``benchmarks`` may import any
product module. Nothing in the product imports ``demo``, ``benchmarks`` or tests. Imports inside
functions count as much as those at the top of a module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dealer_relations"

# module prefix -> layer; the longest matching prefix wins
LAYER_OF = {
	"dealer_relations.engine": "engine",
	"dealer_relations.db": "helper",
	"dealer_relations.utils": "helper",
	"dealer_relations.runs": "helper",
	"dealer_relations.postings": "helper",
	"dealer_relations.summaries": "helper",
	"dealer_relations.setup": "helper",
	"dealer_relations.setup.install": "install",
	"dealer_relations.credit": "service",
	"dealer_relations.credit_check": "service",
	"dealer_relations.dealer": "service",
	"dealer_relations.rebates": "service",
	"dealer_relations.rebate_account": "service",
	"dealer_relations.accruals": "service",
	"dealer_relations.free_goods": "service",
	"dealer_relations.rebate_targets": "service",
	"dealer_relations.diversion": "service",
	"dealer_relations.visits": "service",
	"dealer_relations.dashboards": "service",
	"dealer_relations.portal": "service",
	"dealer_relations.statement": "service",
	"dealer_relations.dealer_requests": "service",
	"dealer_relations.simulation": "service",
	"dealer_relations.overrides": "entry",
	"dealer_relations.permissions": "entry",
	"dealer_relations.dealer_relations": "entry",
	"dealer_relations.hooks": "entry",
	"dealer_relations.www": "entry",
	"dealer_relations.patches": "patch",
	"dealer_relations.demo": "demo",
	"dealer_relations.benchmarks": "demo",
	"dealer_relations.tests": "tests",
}
PRODUCT = {"engine", "helper", "service", "install", "entry", "patch"}
# layer -> the layers it may import
MAY_IMPORT = {
	"engine": {"engine"},
	"helper": {"engine", "helper"},
	"service": {"engine", "helper", "service"},
	"install": {"engine", "helper", "service", "install"},
	"entry": {"engine", "helper", "service", "install", "entry"},
	"patch": {"engine", "helper", "install", "patch"},
	"demo": PRODUCT | {"demo"},
}


def layer_of(module: str) -> str | None:
	if module == "dealer_relations":
		return "helper"  # the package itself: its __version__
	matches = [prefix for prefix in LAYER_OF if module == prefix or module.startswith(prefix + ".")]
	return LAYER_OF[max(matches, key=len)] if matches else None


def module_name(path: Path, root: Path = ROOT) -> str:
	parts = list(path.relative_to(root).with_suffix("").parts)
	if parts[-1] == "__init__":
		parts.pop()
	return ".".join(parts)


def app_imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
	"""(line, module) of every import of the app in the file, at any depth; ``from x import y``
	counts as an import of ``x.y`` when ``y`` is a module of the app, else of ``x``."""
	package = module_name(path, root).split(".")
	if path.name != "__init__.py":
		package.pop()
	found = []
	for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
		if isinstance(node, ast.Import):
			found += [(node.lineno, alias.name) for alias in node.names]
		elif isinstance(node, ast.ImportFrom):
			base = node.module or ""
			if node.level:
				base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
			for alias in node.names:
				submodule = f"{base}.{alias.name}"
				location = root.joinpath(*submodule.split("."))
				is_module = location.with_suffix(".py").exists() or location.is_dir()
				found.append((node.lineno, submodule if is_module else base))
	return [(line, name) for line, name in found if name.split(".")[0] == "dealer_relations"]


def is_test_module(path: Path) -> bool:
	return path.name.startswith("test_") or "tests" in path.relative_to(APP).parts


SOURCES = sorted(path for path in APP.rglob("*.py") if not is_test_module(path))


def test_every_module_has_a_layer():
	assert [module_name(p) for p in SOURCES if layer_of(module_name(p)) is None] == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path):
	layer = layer_of(module_name(path))
	wrong = [
		f"line {line}: {layer} imports {target} ({layer_of(target)})"
		for line, target in app_imports(path)
		if layer_of(target) not in MAY_IMPORT[layer]
	]
	assert not wrong, f"{path.relative_to(ROOT)}: " + "; ".join(wrong)


def hook_paths(value) -> list[str]:
	if isinstance(value, str):
		return [value]
	if isinstance(value, list | tuple):
		return [path for item in value for path in hook_paths(item)]
	return [path for item in value.values() for path in hook_paths(item)]


def test_every_erpnext_doc_event_goes_through_overrides():
	"""overrides/ is the one map of where the app touches ERPNext: hooks.py wires no doc_event
	straight to a service, and each ERPNext doctype's handlers are in the module named after it."""
	tree = ast.parse((APP / "hooks.py").read_text(encoding="utf-8"))
	doc_events = next(
		ast.literal_eval(node.value)
		for node in tree.body
		if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "doc_events"
	)
	paths = [(doctype, path) for doctype, events in doc_events.items() for path in hook_paths(events)]
	assert paths
	# one module per ERPNext doctype, named after it: overrides/sales_invoice.py for Sales Invoice
	assert [
		(doctype, path)
		for doctype, path in paths
		if path.rsplit(".", 1)[0] != "dealer_relations.overrides." + doctype.lower().replace(" ", "_")
	] == []


def test_the_checker_sees_function_level_and_relative_imports(tmp_path):
	"""The rule holds only if a late import inside a function is seen like one at the top."""
	package = tmp_path / "dealer_relations" / "engine"
	package.mkdir(parents=True)
	(tmp_path / "dealer_relations" / "credit.py").write_text("")
	(tmp_path / "dealer_relations" / "demo").mkdir()
	(tmp_path / "dealer_relations" / "demo" / "masters.py").write_text("")
	source = package / "sample.py"
	source.write_text(
		"def late():\n\tfrom dealer_relations.demo import masters\n\tfrom .. import credit\n",
		encoding="utf-8",
	)
	assert app_imports(source, tmp_path) == [
		(2, "dealer_relations.demo.masters"),
		(3, "dealer_relations.credit"),
	]


def test_the_product_may_not_import_demo_benchmarks_or_tests():
	for layer in PRODUCT:
		assert not MAY_IMPORT[layer] & {"demo", "tests"}, layer
	assert layer_of("dealer_relations.benchmarks.queries") == "demo"
