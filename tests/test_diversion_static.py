"""Static checks of the diversion capability: its workflow, settings and hooks as shipped."""

from __future__ import annotations

import ast

from dealer_relations.engine.diversion import DETECTION_MODES, SOURCES
from tests.app_source import APP, doctypes, load_translations


def test_workflow_only_a_dealer_manager_confirms_or_dismisses():
	from dealer_relations.setup.workflow import get_workflows

	[workflow] = [w for w in get_workflows() if w["document_type"] == "Diversion Incident"]
	zh = load_translations("zh")
	states = {row["state"]: row["doc_status"] for row in workflow["states"]}
	assert [row["state"] for row in workflow["states"]][0] == "Reported"
	for row in workflow["transitions"]:
		assert row["state"] in states and row["next_state"] in states
		assert int(states[row["next_state"]]) >= int(states[row["state"]])
		if row["next_state"] in ("Confirmed", "Dismissed"):
			assert row["allowed"] == "Dealer Manager"
		assert zh.get(row["action"]), row["action"]
	for state in states:
		assert zh.get(state), state
	assert zh.get(workflow["workflow_name"])
	confirm = next(r for r in workflow["transitions"] if r["action"] == "Confirm")
	assert states[confirm["next_state"]] == "1", "confirming submits"


def test_incident_fields_are_the_contract():
	meta = doctypes()["Diversion Incident"]
	fields = {f["fieldname"]: f for f in meta["fields"]}
	for name in (
		"dealer",
		"incident_date",
		"source",
		"reference_doctype",
		"reference_name",
		"found_territory",
		"items",
		"diverted_value",
		"offence_number",
		"penalty_amount",
		"rebate_forfeit_percent",
		"suspend_dealer",
		"journal_entry",
	):
		assert name in fields, name
	assert meta["is_submittable"]
	assert set(fields["source"]["options"].split("\n")) == set(SOURCES)
	item = {f["fieldname"] for f in doctypes()["Diversion Incident Item"]["fields"]}
	assert {"item_code", "serial_no", "batch_no", "qty", "rate", "amount"} <= item
	company_row = {f["fieldname"]: f for f in doctypes()["Dealer Company Settings"]["fields"]}
	assert set(company_row["diversion_detection"]["options"].split("\n")) == set(DETECTION_MODES)
	assert "diversion_penalty_account" in company_row


def test_detection_is_wired_on_both_shipping_documents():
	tree = ast.parse((APP / "hooks.py").read_text(encoding="utf-8"))
	doc_events = next(
		ast.literal_eval(node.value)
		for node in tree.body
		if isinstance(node, ast.Assign) and node.targets[0].id == "doc_events"
	)
	shipping = "dealer_relations.overrides.shipping_documents"
	for doctype in ("Delivery Note", "Sales Invoice"):
		before = doc_events[doctype]["before_submit"]
		assert f"{shipping}.before_submit" in (before if isinstance(before, list) else [before])
		assert doc_events[doctype]["on_submit"] == f"{shipping}.on_submit"
		assert doc_events[doctype]["on_cancel"] == f"{shipping}.on_cancel"
	assert doc_events["Address"]["validate"] == "dealer_relations.overrides.address.validate"
	# the overrides delegate to the diversion service
	calls = {
		f"{node.func.value.id}.{node.func.attr}"
		for module in ("shipping_documents", "address")
		for node in ast.walk(ast.parse((APP / "overrides" / f"{module}.py").read_text(encoding="utf-8")))
		if isinstance(node, ast.Call)
		and isinstance(node.func, ast.Attribute)
		and isinstance(node.func.value, ast.Name)
	}
	for handler in (
		"check_shipment",
		"open_incident_on_submit",
		"dismiss_open_incidents",
		"set_address_territory",
	):
		assert f"diversion.{handler}" in calls, handler
