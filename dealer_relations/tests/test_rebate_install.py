"""The approval workflow exists after install with no manual step and goes away on uninstall."""

import frappe

from dealer_relations.setup.install import after_install
from dealer_relations.setup.workflow import REBATE_SETTLEMENT_WORKFLOW, remove_workflows
from dealer_relations.tests.utils import FrappeTestCase


class TestRebateInstall(FrappeTestCase):
	def test_workflow_installed_active_and_removed_on_uninstall(self):
		workflow = frappe.get_doc("Workflow", REBATE_SETTLEMENT_WORKFLOW)
		self.assertEqual((workflow.document_type, workflow.is_active), ("Rebate Settlement", 1))
		transitions = {(t.state, t.action, t.next_state, t.allowed) for t in workflow.transitions}
		self.assertIn(("Pending Approval", "Approve", "Approved", "Accounts Manager"), transitions)
		self.assertIn(("Draft", "Submit for Approval", "Pending Approval", "Rebate Accountant"), transitions)
		self.assertTrue(frappe.db.exists("Number Card", "Total Rebate Liability"))
		self.assertTrue(frappe.db.exists("Print Format", "Dealer Rebate Statement"))
		remove_workflows()  # what before_uninstall does for workflows
		try:
			self.assertFalse(frappe.db.exists("Workflow", REBATE_SETTLEMENT_WORKFLOW))
		finally:
			after_install()
		self.assertTrue(frappe.db.exists("Workflow", REBATE_SETTLEMENT_WORKFLOW))
		after_install()  # idempotent
		self.assertEqual(frappe.db.count("Workflow", {"document_type": "Rebate Settlement"}), 1)
