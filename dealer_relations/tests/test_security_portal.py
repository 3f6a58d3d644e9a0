"""The dealer portal over real HTTP, as two dealer users and Guest: each sees its own dealer only,
by every route (the portal's pages and methods, frappe.client, ERPNext's own portal lists)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import add_days, add_months, fmt_money, getdate, today

from dealer_relations.engine.statement import month_of
from dealer_relations.portal import dealers_of_portal_user, invite_portal_user
from dealer_relations.tests.credit_utils import (
	make_credit_dealer,
	make_payment,
	make_sales_invoice,
	make_sales_order,
	remove_committed,
)
from dealer_relations.tests.utils import FrappeAPITestCase, make_customer

DEALER_USER_A, DEALER_USER_B = "dr-portal-a@example.com", "dr-portal-b@example.com"
CONFIRMATION = "Dealer Statement Confirmation"
RESPOND = "dealer_relations.statement.respond_to_statement"


class PortalAPITestCase(FrappeAPITestCase):
	"""Two dealers (A, B), each with a portal user calling with an API key; A has an invoice and a
	part payment last month and an open order, B an invoice last month and an open order. Requests
	run in another thread with their own connection, so fixtures are committed and removed again."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.last_month = month_of(getdate(add_months(today(), -1)))
		day = add_days(cls.last_month.start, 2)
		cls.a = make_credit_dealer(customer=make_customer("DR Portal Dealer A"))
		cls.b = make_credit_dealer(customer=make_customer("DR Portal Dealer B"))
		invoice_a = make_sales_invoice(cls.a.customer, 1000, posting_date=day)
		payment_a = make_payment(invoice_a, 400, posting_date=day)
		invoice_b = make_sales_invoice(cls.b.customer, 2000, posting_date=day)
		cls.order_a = make_sales_order(cls.a.customer, 300)
		cls.order_b = make_sales_order(cls.b.customer, 500)
		cls.documents = [
			("Sales Order", cls.order_b.name),
			("Sales Order", cls.order_a.name),
			("Payment Entry", payment_a.name),
			("Sales Invoice", invoice_b.name),
			("Sales Invoice", invoice_a.name),
		]
		cls.auth = {}
		for user, dealer in ((DEALER_USER_A, cls.a), (DEALER_USER_B, cls.b)):
			invite_portal_user(dealer.name, user)
			account = frappe.get_doc("User", user)
			account.api_key, account.api_secret = (
				frappe.generate_hash(length=15),
				frappe.generate_hash(length=15),
			)
			cls.auth[user] = {"Authorization": f"token {account.api_key}:{account.api_secret}"}
			account.save(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		remove_committed(cls.documents)
		frappe.db.delete(CONFIRMATION, {"dealer": ("in", (cls.a.name, cls.b.name))})
		for dealer in (cls.a, cls.b):
			frappe.delete_doc("Dealer", dealer.name, force=True, ignore_permissions=True)
			frappe.delete_doc("Customer", dealer.customer, force=True, ignore_permissions=True)
		for user in (DEALER_USER_A, DEALER_USER_B):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		frappe.db.delete(CONFIRMATION, {"dealer": ("in", (self.a.name, self.b.name))})
		frappe.db.commit()
		super().tearDown()

	def page(self, path: str, user: str | None):
		"""GET a website page as ``user`` (None: Guest, from a client without cookies)."""
		if user is None:
			from frappe.utils import get_test_client

			return make_request(target=get_test_client().get, args=(path,))
		return make_request(target=self.TEST_CLIENT.get, args=(path,), kwargs={"headers": self.auth[user]})

	def call(self, method: str, data: dict, user: str | None, files: dict | None = None):
		"""POST a whitelisted method as form data (files as multipart) as ``user`` (None: Guest)."""
		from frappe.utils import get_test_client

		client = self.TEST_CLIENT if user else get_test_client()
		headers = self.auth[user] if user else {}
		return make_request(
			target=client.post,
			args=(f"/api/method/{method}",),
			kwargs={"data": {**data, **(files or {})}, "headers": headers},
		)

	def confirmations(self) -> list[dict]:
		frappe.db.rollback()  # see what the requests committed
		return frappe.get_all(
			CONFIRMATION, filters={"dealer": ("in", (self.a.name, self.b.name))}, fields=["*"]
		)


class TestDealerPortalPages(PortalAPITestCase):
	def test_dealers_of_portal_user(self):
		self.assertEqual([d.name for d in dealers_of_portal_user(DEALER_USER_A)], [self.a.name])
		self.assertEqual([d.name for d in dealers_of_portal_user(DEALER_USER_B)], [self.b.name])
		self.assertEqual(dealers_of_portal_user("Guest"), [])
		self.assertEqual(dealers_of_portal_user("Administrator"), [])

	def test_home_shows_own_dealer_only(self):
		response = self.page("/dealer", DEALER_USER_A)
		self.assertEqual(response.status_code, 200)
		html = response.get_data(as_text=True)
		self.assertIn(f'data-dealer="{self.a.name}"', html)
		self.assertIn(self.order_a.name, html)
		# the credit check's figures: the tier's limit, the open invoice and the unbilled order
		currency = frappe.get_cached_value("Company", self.a.company, "default_currency")
		self.assertIn(fmt_money(10000 - 600 - 300, currency=currency), html)
		self.assertNotIn(self.b.name, html)
		self.assertNotIn(self.order_b.name, html)

	def test_guest_and_desk_users_refused(self):
		for path in ("/dealer", "/dealer/statement"):
			self.assertEqual(self.page(path, None).status_code, 403, path)

	def test_statement_of_own_dealer(self):
		response = self.page(f"/dealer/statement?month={self.last_month.key}", DEALER_USER_A)
		self.assertEqual(response.status_code, 200)
		html = response.get_data(as_text=True)
		self.assertIn(f'data-dealer="{self.a.name}"', html)
		currency = frappe.get_cached_value("Company", self.a.company, "default_currency")
		self.assertIn(fmt_money(600, currency=currency), html)
		self.assertNotIn(self.b.name, html)

	def test_other_dealers_statement_refused(self):
		response = self.page(
			f"/dealer/statement?month={self.last_month.key}&dealer={self.b.name}", DEALER_USER_A
		)
		self.assertEqual(response.status_code, 403)
		self.assertNotIn(self.b.customer, response.get_data(as_text=True))

	def test_future_month_is_a_clear_error(self):
		future = month_of(getdate(add_months(today(), 2))).key
		response = self.page(f"/dealer/statement?month={future}", DEALER_USER_A)
		self.assertNotEqual(response.status_code, 200)
		self.assertIn(future, response.get_data(as_text=True))


class TestStatementConfirmationAPI(PortalAPITestCase):
	def test_confirm_own_month_once(self):
		response = self.call(RESPOND, {"month": self.last_month.key, "status": "Confirmed"}, DEALER_USER_A)
		self.assertEqual(response.status_code, 200, response.data)
		[confirmation] = self.confirmations()
		self.assertEqual((confirmation.dealer, confirmation.status), (self.a.name, "Confirmed"))
		self.assertEqual(Decimal(str(confirmation.closing_balance)), Decimal(600))
		self.assertEqual(confirmation.confirmed_by, DEALER_USER_A)
		again = self.call(
			RESPOND, {"month": self.last_month.key, "status": "Disputed", "reason": "x"}, DEALER_USER_A
		)
		self.assertEqual(again.status_code, 417)
		self.assertEqual(len(self.confirmations()), 1)

	def test_other_dealers_month_refused(self):
		response = self.call(
			RESPOND,
			{"month": self.last_month.key, "status": "Confirmed", "dealer": self.b.name},
			DEALER_USER_A,
		)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(self.confirmations(), [])

	def test_guest_refused(self):
		response = self.call(RESPOND, {"month": self.last_month.key, "status": "Confirmed"}, None)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(self.confirmations(), [])

	def test_bad_input_saves_nothing(self):
		future = month_of(getdate(add_months(today(), 2))).key
		current = month_of(getdate(today())).key
		for data in (
			{"month": self.last_month.key, "status": "Disputed"},  # no reason
			{"month": self.last_month.key, "status": "Disputed", "reason": "   "},
			{"month": future, "status": "Confirmed"},
			{"month": current, "status": "Confirmed"},  # not over yet
			{"month": "2024-13", "status": "Confirmed"},
			{"month": self.last_month.key, "status": "Answered"},  # finance's status
		):
			response = self.call(RESPOND, data, DEALER_USER_A)
			self.assertEqual(response.status_code, 417, data)
			self.assertTrue(response.json.get("_server_messages"), data)
		self.assertEqual(self.confirmations(), [])

	def test_dispute_with_evidence_kept_private(self):
		response = self.call(
			RESPOND,
			{"month": self.last_month.key, "status": "Disputed", "reason": "payment of 400 missing"},
			DEALER_USER_A,
			files={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n evidence"), "receipt.png")},
		)
		self.assertEqual(response.status_code, 200, response.data)
		[confirmation] = self.confirmations()
		self.assertEqual(confirmation.reason, "payment of 400 missing")
		self.assertTrue(confirmation.attachment.startswith("/private/files/"))
		# the other dealer's user cannot fetch it
		self.assertEqual(self.page(confirmation.attachment, DEALER_USER_B).status_code, 403)
		frappe.db.delete("File", {"attached_to_name": confirmation.name})
		frappe.db.commit()

	def test_wrong_evidence_type_refused(self):
		response = self.call(
			RESPOND,
			{"month": self.last_month.key, "status": "Disputed", "reason": "wrong"},
			DEALER_USER_A,
			files={"file": (io.BytesIO(b"MZ"), "run.exe")},
		)
		self.assertEqual(response.status_code, 417)
		self.assertEqual(self.confirmations(), [])


class TestPortalUserDeskAPIs(PortalAPITestCase):
	"""A dealer user reads nothing of the app's doctypes through the desk APIs."""

	def test_app_doctypes_not_listed(self):
		frappe.set_user("Administrator")
		other = frappe.get_doc(
			{
				"doctype": CONFIRMATION,
				"dealer": self.b.name,
				"customer": self.b.customer,
				"company": self.b.company,
				"month": self.last_month.key,
				"status": "Confirmed",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		for doctype in (
			"Dealer",
			CONFIRMATION,
			"Rebate Settlement",
			"Diversion Incident",
			"Dealer Credit Rating",
		):
			response = make_request(
				target=self.TEST_CLIENT.get,
				args=(self.method("frappe.client.get_list"),),
				kwargs={
					"query_string": {"doctype": doctype, "fields": '["name"]'},
					"headers": self.auth[DEALER_USER_A],
				},
			)
			self.assertIn(response.status_code, (403,), doctype)
			# the website list endpoint any page may call (open to Guest)
			listed = make_request(
				target=self.TEST_CLIENT.get,
				args=(self.method("frappe.www.list.get"),),
				kwargs={"query_string": {"doctype": doctype}, "headers": self.auth[DEALER_USER_A]},
			)
			self.assertNotIn(self.b.name, listed.get_data(as_text=True), doctype)
			self.assertNotIn(other.name, listed.get_data(as_text=True), doctype)
		for path in (self.resource("Dealer", self.b.name), self.resource(CONFIRMATION, other.name)):
			response = self.get(path, headers=self.auth[DEALER_USER_A])
			self.assertEqual(response.status_code, 403, path)
		for doctype, name in (("Dealer", self.b.name), (CONFIRMATION, other.name)):
			printed = self.page(f"/printview?doctype={doctype}&name={name}", DEALER_USER_A)
			self.assertNotIn(self.b.customer, printed.get_data(as_text=True), doctype)
			pdf = make_request(
				target=self.TEST_CLIENT.get,
				args=("/api/method/frappe.utils.print_format.download_pdf",),
				kwargs={
					"query_string": {"doctype": doctype, "name": name},
					"headers": self.auth[DEALER_USER_A],
				},
			)
			self.assertEqual(pdf.status_code, 403, doctype)

	def test_erpnext_portal_lists_own_orders_only(self):
		"""Regression test of ERPNext's own rules: /orders and frappe.www.list.get."""
		response = make_request(
			target=self.TEST_CLIENT.get,
			args=(self.method("frappe.www.list.get"),),
			kwargs={"query_string": {"doctype": "Sales Order"}, "headers": self.auth[DEALER_USER_B]},
		)
		self.assertEqual(response.status_code, 200, response.data)
		body = json.dumps(response.json)
		self.assertIn(self.order_b.name, body)
		self.assertNotIn(self.order_a.name, body)
		self.assertEqual(self.page(f"/orders/{self.order_a.name}", DEALER_USER_B).status_code, 403)
		self.assertEqual(self.page(f"/orders/{self.order_b.name}", DEALER_USER_B).status_code, 200)
		printed = self.page(f"/printview?doctype=Sales Order&name={self.order_a.name}", DEALER_USER_B)
		self.assertNotIn(self.a.customer, printed.get_data(as_text=True))
