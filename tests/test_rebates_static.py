"""Static checks of what rebates ship besides doctypes and reports: the print format, the number
card, the approval workflow (all user-facing, all translated)."""

from __future__ import annotations

import ast
import json
import re

from tests.app_source import APP, MODULE_DIR, load_translations, print_formats

JINJA_STRING = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)*)"\s*\)""")


def test_statement_print_format_is_standard_jinja_for_settlements():
	fmt = print_formats()["Dealer Rebate Statement"]
	assert (fmt["doc_type"], fmt["module"], fmt["standard"], fmt["print_format_type"]) == (
		"Rebate Settlement",
		"Dealer Relations",
		"Yes",
		"Jinja",
	)
	fields = {"get_monthly_volume()", "slab_breakdown", "net_rebate", "diversion_deduction", "growth_bonus"}
	assert all(f"doc.{field}" in fmt["html"] for field in fields)


def test_print_format_strings_have_zh():
	zh = load_translations("zh")
	strings = set()
	for fmt in print_formats().values():
		strings |= set(JINJA_STRING.findall(fmt["html"]))
	assert "Year-end Rebate Statement" in strings
	assert not sorted(s for s in strings if not zh.get(s)), "print format strings lack zh"


def test_number_card_is_standard_and_its_method_is_whitelisted():
	path = MODULE_DIR / "number_card" / "total_rebate_liability" / "total_rebate_liability.json"
	card = json.loads(path.read_text(encoding="utf-8"))
	assert (card["name"], card["is_standard"], card["module"], card["type"]) == (
		"Total Rebate Liability",
		1,
		"Dealer Relations",
		"Custom",
	)
	module, _, function = card["method"].rpartition(".")
	tree = ast.parse((APP.parent / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
	node = next(n for n in tree.body if getattr(n, "name", None) == function)
	assert any(ast.unparse(d).startswith("frappe.whitelist") for d in node.decorator_list)
	assert load_translations("zh").get(card["label"])


def test_workflow_definition_is_consistent_and_translated():
	from dealer_relations.setup.workflow import get_workflows

	zh = load_translations("zh")
	for workflow in get_workflows():
		if workflow["document_type"] != "Rebate Settlement":
			continue  # each capability checks its own workflow
		states = {row["state"]: row["doc_status"] for row in workflow["states"]}
		for row in workflow["transitions"]:
			assert row["state"] in states and row["next_state"] in states
			assert int(states[row["next_state"]]) >= int(states[row["state"]]), "docstatus never goes back"
			assert row["allowed"] in {"Rebate Accountant", "Accounts Manager"}
			assert zh.get(row["action"]), row["action"]
		for state in states:
			assert zh.get(state), state
		assert zh.get(workflow["workflow_name"])
		approve = next(r for r in workflow["transitions"] if r["action"] == "Approve")
		assert states[approve["next_state"]] == "1", "approval submits"


def test_rebate_account_report_waits_for_the_dealer_title_before_its_first_run():
	"""Dealer links show the dealer's name: a Dealer filter set from the route reads as empty until
	its title is fetched, and the report's first run comes right after its onload. The onload must
	wait for the title, or the report opened from the Dealer form shows no rows until refreshed."""
	dealer = json.loads((MODULE_DIR / "doctype" / "dealer" / "dealer.json").read_text(encoding="utf-8"))
	assert dealer["show_title_field_in_link"] == 1
	script = (MODULE_DIR / "report" / "dealer_rebate_account" / "dealer_rebate_account.js").read_text(
		encoding="utf-8"
	)
	onload = script[script.index("onload(report)") :]
	assert re.search(r"return dealer\.set_link_title\(dealer\.value\)", onload)


def test_accrual_method_is_shown_in_the_users_language():
	"""The accrual copies its policy's method: a Select with the policy's options (the desk shows a
	Select's value translated, a Data value as stored: "Conservative" on a zh form), each with zh."""
	from tests.app_source import doctypes

	metas = doctypes()
	field = {f["fieldname"]: f for f in metas["Rebate Accrual"]["fields"]}["accrual_method"]
	policy = {f["fieldname"]: f for f in metas["Rebate Policy"]["fields"]}["accrual_method"]
	assert (field["fieldtype"], field.get("options")) == ("Select", policy["options"])
	zh = load_translations("zh")
	assert all(zh.get(option) for option in field["options"].split("\n"))
