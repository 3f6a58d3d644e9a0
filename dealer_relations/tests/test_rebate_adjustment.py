"""Rebate Account Adjustment: a controlled manual correction of a dealer's rebate account (返利池).
An Accounts Manager submits it with a reason; it posts Dr rebate expense / Cr rebate liability (or
the opposite) through a Journal Entry naming it and an Adjusted ledger entry; cancelling writes the
opposite; available never goes below zero; reps and rebate accountants cannot create one. Every
call as an API client makes it (frappe.client.*)."""

import frappe
import frappe.client

from dealer_relations.rebate_account import LEDGER, load_lots
from dealer_relations.tests.rebate_factories import PUMP
from dealer_relations.tests.test_rebate_account import ACCOUNTANT, APPROVER, REP, RebateAccountTestCase
from dealer_relations.tests.test_rebate_deduction import money, order_doc

ADJUSTMENT = "Rebate Account Adjustment"


class TestRebateAdjustment(RebateAccountTestCase):
	def adjustment(self, dealer, settlement, amount, reason="Rebate miscounted on invoice 42", **values):
		return {
			"doctype": ADJUSTMENT,
			"dealer": dealer.name,
			"company": dealer.company,
			"rebate_settlement": settlement.name,
			"amount": amount,
			"reason": reason,
			**values,
		}

	def submitted(self, doc):
		"""As the Accounts Manager, through frappe.client as the desk and REST clients call it."""
		with self.set_user(APPROVER):
			saved = frappe.client.insert(doc)
			return frappe.client.submit(frappe.get_doc(ADJUSTMENT, saved["name"]).as_dict())

	def refused(self, user, call, *args, refusal=frappe.ValidationError):
		frappe.db.savepoint("adjustment")
		try:
			with self.set_user(user), self.assertRaises(refusal) as raised:
				call(*args)
		finally:
			frappe.db.rollback(save_point="adjustment")
		return str(raised.exception)

	def test_addition_and_reduction_post_and_cancel_writes_the_opposite(self):
		dealer, _policy, settlement = self.earn()  # 1,000
		added = self.submitted(self.adjustment(dealer, settlement, 250))
		entry = frappe.get_doc("Journal Entry", added["journal_entry"])
		self.assertEqual((entry.dr_posted_for_doctype, entry.dr_posted_for), (ADJUSTMENT, added["name"]))
		lines = {row.account: row for row in entry.accounts}
		self.assertEqual((lines[self.expense].debit, lines[self.liability].credit), (250, 250))
		rows = frappe.get_all(
			LEDGER,
			filters={"voucher_no": added["name"]},
			fields=["entry_type", "amount", "rebate_settlement", "journal_entry", "expiry_date"],
		)
		self.assertEqual(
			[(r.entry_type, r.amount, r.rebate_settlement, r.journal_entry) for r in rows],
			[("Adjusted", 250, settlement.name, entry.name)],
		)
		self.assertEqual(load_lots(dealer.name, dealer.company)[settlement.name].balance, 1_250)

		taken = self.submitted(self.adjustment(dealer, settlement, -1_250))
		lines = {row.account: row for row in frappe.get_doc("Journal Entry", taken["journal_entry"]).accounts}
		self.assertEqual((lines[self.liability].debit, lines[self.expense].credit), (1_250, 1_250))
		self.assertEqual(
			load_lots(dealer.name, dealer.company)[settlement.name].available(frappe.utils.getdate()), 0
		)
		# the liability in the GL is the ledger's balance
		postings = [settlement.journal_entry, added["journal_entry"], taken["journal_entry"]]
		self.assertEqual(self.gl_balance(self.liability, postings), 0)

		with self.set_user(APPROVER):
			frappe.client.cancel(ADJUSTMENT, taken["name"])
		self.assertEqual(frappe.db.get_value("Journal Entry", taken["journal_entry"], "docstatus"), 2)
		reversal = frappe.get_all(
			LEDGER, filters={"voucher_no": taken["name"], "is_reversal": 1}, fields=["entry_type", "amount"]
		)
		self.assertEqual([(r.entry_type, r.amount) for r in reversal], [("Reversed", 1_250)])
		self.assertEqual(load_lots(dealer.name, dealer.company)[settlement.name].balance, 1_250)
		self.assertEqual(self.gl_balance(self.liability, postings), 1_250)

	def test_never_below_zero_available_names_the_figure(self):
		dealer, _policy, settlement = self.earn()
		order = frappe.get_doc(order_doc(dealer.customer, [(PUMP, 3, 3_000)], deduction=900))
		order.insert()
		order.submit()  # 900 of the 1,000 reserved: 100 available
		refusal = self.refused(APPROVER, frappe.client.insert, self.adjustment(dealer, settlement, -101))
		self.assertIn("at most " + money(100), refusal)
		self.assertFalse(frappe.db.exists(ADJUSTMENT, {"dealer": dealer.name}))
		self.submitted(self.adjustment(dealer, settlement, -100))
		self.assertEqual(load_lots(dealer.name, dealer.company)[settlement.name].balance, 900)

	def test_addition_cannot_be_cancelled_once_spent(self):
		dealer, _policy, settlement = self.earn()
		added = self.submitted(self.adjustment(dealer, settlement, 200))
		order = frappe.get_doc(order_doc(dealer.customer, [(PUMP, 4, 3_000)], deduction=1_200))
		order.insert()
		order.submit()  # reserves all 1,200
		refusal = self.refused(APPROVER, frappe.client.cancel, ADJUSTMENT, added["name"])
		self.assertIn(money(200), refusal)
		self.assertEqual(frappe.db.get_value(ADJUSTMENT, added["name"], "docstatus"), 1)

	def test_reps_and_rebate_accountants_cannot_create_or_submit(self):
		dealer, _policy, settlement = self.earn()
		for user in (REP, ACCOUNTANT):
			self.refused(
				user,
				frappe.client.insert,
				self.adjustment(dealer, settlement, 500),
				refusal=frappe.PermissionError,
			)
		with self.set_user(APPROVER):
			draft = frappe.client.insert(self.adjustment(dealer, settlement, 500))
		self.refused(
			REP,
			frappe.client.submit,
			frappe.get_doc(ADJUSTMENT, draft["name"]).as_dict(),
			refusal=frappe.PermissionError,
		)
		self.assertFalse(frappe.db.exists(LEDGER, {"voucher_no": draft["name"]}))

	def test_bad_input_is_refused(self):
		dealer, _policy, settlement = self.earn()
		other, _other_policy, other_lot = self.earn()
		cases = (
			(self.adjustment(dealer, settlement, 100, reason="   "), "why"),
			(self.adjustment(dealer, settlement, 0), "other than 0"),
			# another dealer's lot
			(self.adjustment(dealer, other_lot, 100), other_lot.name),
		)
		for doc, message in cases:
			refusal = self.refused(APPROVER, frappe.client.insert, doc)
			self.assertIn(message, refusal)
		# the Journal Entry link is the app's: one sent by the client is dropped
		with self.set_user(APPROVER):
			draft = frappe.client.insert(
				self.adjustment(dealer, settlement, 100, journal_entry=settlement.journal_entry)
			)
		self.assertFalse(draft.get("journal_entry"))
		self.assertEqual(frappe.db.count(LEDGER, {"dealer": other.name}), 1)
