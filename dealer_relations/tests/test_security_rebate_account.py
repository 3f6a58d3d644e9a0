"""Attacks on the rebate account through the API: nobody writes, edits or deletes a ledger entry (not
finance, not a System Manager); a rep reads the entries and the balance of their own dealers only;
a line's item group sent by the client does not bring an item into a policy's scope."""

import frappe

from dealer_relations.rebate_account import LEDGER, get_applicable_deduction, get_dealer_balance
from dealer_relations.tests.rebate_factories import BRANDED, PUMP, PUMPS, REBATE_TEST_IGNORE, company_defaults
from dealer_relations.tests.test_rebate_account import (
	ACCOUNTANT,
	APPROVER,
	OTHER_REP,
	REFUSED,
	REP,
	RebateAccountTestCase,
)
from dealer_relations.tests.test_rebate_deduction import order_doc

test_ignore = REBATE_TEST_IGNORE


class TestSecurityRebateAccount(RebateAccountTestCase):
	"""Nobody writes, edits or deletes a ledger entry through the API: not finance, not a System
	Manager; a rep reads the entries of their own dealers only."""

	def test_no_role_may_insert_edit_or_delete(self):
		dealer, _policy, settlement = self.earn()
		name = frappe.get_all(LEDGER, filters={"dealer": dealer.name}, pluck="name")[0]
		for user in (APPROVER, ACCOUNTANT, "Administrator"):
			with self.set_user(user):
				with self.assertRaises(REFUSED):
					frappe.client.insert(
						{
							"doctype": LEDGER,
							"posting_date": frappe.utils.today(),
							"dealer": dealer.name,
							"company": dealer.company,
							"currency": company_defaults().default_currency,
							"entry_type": "Adjusted",
							"amount": 1_000_000,
							"rebate_settlement": settlement.name,
						}
					)
				with self.assertRaises(REFUSED):
					frappe.client.set_value(LEDGER, name, "amount", 1_000_000)
				with self.assertRaises(REFUSED):
					frappe.client.delete(LEDGER, name)
		self.assertEqual(frappe.db.get_value(LEDGER, name, "amount"), 1_000)
		self.assertEqual(frappe.db.count(LEDGER, {"dealer": dealer.name}), 1)

	def test_rep_reads_own_dealers_entries_only(self):
		dealer, _policy, _settlement = self.earn()
		name = frappe.get_all(LEDGER, filters={"dealer": dealer.name}, pluck="name")[0]
		with self.set_user(REP):
			self.assertEqual(frappe.client.get(LEDGER, name)["amount"], 1_000)
			self.assertEqual(frappe.client.get_count(LEDGER, {"dealer": dealer.name}), 1)
			self.assertEqual(get_dealer_balance(dealer.name)["available"], 1_000)
		with self.set_user(OTHER_REP):
			with self.assertRaises(frappe.PermissionError):
				frappe.client.get(LEDGER, name)
			self.assertEqual(frappe.get_list(LEDGER, filters={"dealer": dealer.name}), [])
			with self.assertRaises(frappe.PermissionError):
				get_dealer_balance(dealer.name)

	def test_other_rep_cannot_read_the_balance_through_the_button(self):
		dealer, _policy, _settlement = self.earn()
		with self.set_user(OTHER_REP):
			with self.assertRaises(REFUSED):
				get_applicable_deduction(order_doc(dealer.customer, [(PUMP, 3, 3_000)]))

	def test_client_item_group_does_not_bring_an_item_into_scope(self):
		dealer, _policy, _settlement = self.earn()
		doc = order_doc(dealer.customer, [(BRANDED, 1, 9_000)], deduction=100)
		doc["items"][0]["item_group"] = PUMPS  # the policy's group, claimed for a branded item outside it
		with self.set_user(REP):
			with self.assertRaises(frappe.ValidationError) as refused:
				frappe.client.insert(doc)
			self.assertIn("scope", str(refused.exception))
			doc["rebate_deduction"] = 0
			self.assertEqual(get_applicable_deduction(doc)["rebate_deduction"], 0)

	def test_number_card_adds_up_what_the_user_may_see(self):
		from dealer_relations.rebate_account import get_rebate_account_balance

		dealer, _policy, _settlement = self.earn()
		frappe.defaults.set_user_default("Company", dealer.company, REP)
		frappe.defaults.set_user_default("Company", dealer.company, OTHER_REP)
		with self.set_user(ACCOUNTANT):
			everyone = get_rebate_account_balance()["value"]
		self.assertGreaterEqual(everyone, 1_000)
		reps_dealers = frappe.get_all("Dealer", filters={"sales_rep": REP}, pluck="name")
		reps_total = sum(
			frappe.get_all(
				LEDGER,
				filters={
					"dealer": ("in", reps_dealers),
					"company": dealer.company,
					"entry_type": ("!=", "Reserved"),
				},
				pluck="amount",
			)
		)
		self.assertGreaterEqual(reps_total, 1_000)
		with self.set_user(REP):
			self.assertEqual(get_rebate_account_balance()["value"], reps_total)
		with self.set_user(OTHER_REP):
			self.assertEqual(get_rebate_account_balance()["value"], 0)
