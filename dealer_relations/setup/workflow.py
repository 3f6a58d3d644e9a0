"""Approval workflows the app ships, declared as data: created on install and migrate, removed on
uninstall. A Rebate Accountant prepares a settlement, an Accounts Manager approves it, and
approval submits it (which posts it). A diversion incident is reported (by a rep or by the
detection hook), reviewed, and confirmed (which submits it and applies its penalty) or dismissed
by a Dealer Manager."""

from __future__ import annotations

from dealer_relations.engine.dealer import DEALER_MANAGER, DEALER_SALES_REP, REBATE_ACCOUNTANT

ACCOUNTS_MANAGER = "Accounts Manager"
REBATE_SETTLEMENT_WORKFLOW = "Rebate Settlement Approval"

DRAFT, PENDING, APPROVED, REJECTED, CANCELLED = (
	"Draft",
	"Pending Approval",
	"Approved",
	"Rejected",
	"Cancelled",
)
SUBMIT_FOR_APPROVAL, APPROVE, REJECT, CANCEL = "Submit for Approval", "Approve", "Reject", "Cancel"

STATE_STYLES = {DRAFT: "", PENDING: "Warning", APPROVED: "Success", REJECTED: "Danger", CANCELLED: "Inverse"}

DIVERSION_INCIDENT_WORKFLOW = "Diversion Incident Review"
REPORTED, UNDER_REVIEW, CONFIRMED, DISMISSED = "Reported", "Under Review", "Confirmed", "Dismissed"
SUBMIT_FOR_REVIEW, CONFIRM, DISMISS, REOPEN = "Submit for Review", "Confirm", "Dismiss", "Reopen"
STATE_STYLES.update({REPORTED: "", UNDER_REVIEW: "Warning", CONFIRMED: "Danger", DISMISSED: "Inverse"})


def get_workflows() -> list[dict]:
	return [
		{
			"doctype": "Workflow",
			"workflow_name": REBATE_SETTLEMENT_WORKFLOW,
			"document_type": "Rebate Settlement",
			"is_active": 1,
			"override_status": 0,
			"send_email_alert": 0,
			"workflow_state_field": "workflow_state",
			"states": [
				{"state": DRAFT, "doc_status": "0", "allow_edit": REBATE_ACCOUNTANT},
				{"state": PENDING, "doc_status": "0", "allow_edit": ACCOUNTS_MANAGER},
				{"state": REJECTED, "doc_status": "0", "allow_edit": REBATE_ACCOUNTANT},
				{"state": APPROVED, "doc_status": "1", "allow_edit": ACCOUNTS_MANAGER},
				{"state": CANCELLED, "doc_status": "2", "allow_edit": ACCOUNTS_MANAGER},
			],
			"transitions": [
				{
					"state": DRAFT,
					"action": SUBMIT_FOR_APPROVAL,
					"next_state": PENDING,
					"allowed": REBATE_ACCOUNTANT,
				},
				{
					"state": REJECTED,
					"action": SUBMIT_FOR_APPROVAL,
					"next_state": PENDING,
					"allowed": REBATE_ACCOUNTANT,
				},
				{"state": PENDING, "action": APPROVE, "next_state": APPROVED, "allowed": ACCOUNTS_MANAGER},
				{"state": PENDING, "action": REJECT, "next_state": REJECTED, "allowed": ACCOUNTS_MANAGER},
				{"state": APPROVED, "action": CANCEL, "next_state": CANCELLED, "allowed": ACCOUNTS_MANAGER},
			],
		},
		{
			"doctype": "Workflow",
			"workflow_name": DIVERSION_INCIDENT_WORKFLOW,
			"document_type": "Diversion Incident",
			"is_active": 1,
			"override_status": 0,
			"send_email_alert": 0,
			"workflow_state_field": "workflow_state",
			"states": [
				{"state": REPORTED, "doc_status": "0", "allow_edit": DEALER_SALES_REP},
				{"state": UNDER_REVIEW, "doc_status": "0", "allow_edit": DEALER_MANAGER},
				{"state": DISMISSED, "doc_status": "0", "allow_edit": DEALER_MANAGER},
				{"state": CONFIRMED, "doc_status": "1", "allow_edit": DEALER_MANAGER},
				{"state": CANCELLED, "doc_status": "2", "allow_edit": DEALER_MANAGER},
			],
			"transitions": [
				{
					"state": REPORTED,
					"action": SUBMIT_FOR_REVIEW,
					"next_state": UNDER_REVIEW,
					"allowed": DEALER_SALES_REP,
				},
				{
					"state": REPORTED,
					"action": SUBMIT_FOR_REVIEW,
					"next_state": UNDER_REVIEW,
					"allowed": DEALER_MANAGER,
				},
				{
					"state": UNDER_REVIEW,
					"action": CONFIRM,
					"next_state": CONFIRMED,
					"allowed": DEALER_MANAGER,
				},
				{
					"state": UNDER_REVIEW,
					"action": DISMISS,
					"next_state": DISMISSED,
					"allowed": DEALER_MANAGER,
				},
				{"state": DISMISSED, "action": REOPEN, "next_state": UNDER_REVIEW, "allowed": DEALER_MANAGER},
				{"state": CONFIRMED, "action": CANCEL, "next_state": CANCELLED, "allowed": DEALER_MANAGER},
			],
		},
	]


def make_workflows() -> None:
	"""Create (or bring back in line) the shipped workflows and the states and actions they use."""
	import frappe  # here, so tier 1 reads the definitions without Frappe

	for definition in get_workflows():
		for row in definition["states"]:
			if not frappe.db.exists("Workflow State", row["state"]):
				frappe.get_doc(
					{
						"doctype": "Workflow State",
						"workflow_state_name": row["state"],
						"style": STATE_STYLES.get(row["state"], ""),
					}
				).insert(ignore_permissions=True)
		for row in definition["transitions"]:
			if not frappe.db.exists("Workflow Action Master", row["action"]):
				frappe.get_doc(
					{"doctype": "Workflow Action Master", "workflow_action_name": row["action"]}
				).insert(ignore_permissions=True)
		if frappe.db.exists("Workflow", definition["workflow_name"]):
			workflow = frappe.get_doc("Workflow", definition["workflow_name"])
			workflow.update({k: v for k, v in definition.items() if k not in ("states", "transitions")})
			workflow.set("states", definition["states"])
			workflow.set("transitions", definition["transitions"])
			workflow.save(ignore_permissions=True)
		else:
			frappe.get_doc(definition).insert(ignore_permissions=True)


def remove_workflows() -> None:
	import frappe

	for definition in get_workflows():
		frappe.delete_doc(
			"Workflow", definition["workflow_name"], ignore_permissions=True, force=True, ignore_missing=True
		)
		frappe.db.delete("Workflow Action", {"reference_doctype": definition["document_type"]})
