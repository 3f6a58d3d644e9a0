"""The dealer portal over real HTTP, as two dealer users and Guest: each sees its own dealer only,
by every route (the portal's pages and methods, frappe.client, ERPNext's own portal lists)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import add_days, add_months, fmt_money, get_test_client, getdate, today

from dealer_relations.engine.statement import month_of
from dealer_relations.portal import dealers_of_portal_user, invite_portal_user
from dealer_relations.tests.credit_utils import (
	make_payment,
	make_sales_invoice,
	make_sales_order,
	remove_committed,
)
from dealer_relations.tests.utils import FrappeAPITestCase, make_customer, make_dealer

DEALER_USER_A, DEALER_USER_B = "dr-portal-a@example.com", "dr-portal-b@example.com"
CONFIRMATION = "Dealer Statement Confirmation"
RESPOND = "dealer_relations.statement.respond_to_statement"
PASSWORD = "Portal@Test-2026"


def make_active_dealer(customer: str):
	dealer = make_dealer(make_customer(customer), tier="B", territories=["All Territories"])
	frappe.db.set_value("Dealer", dealer.name, "status", "Active")
	return frappe.get_doc("Dealer", dealer.name)


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
		# the installed tier B: a tier made here would be committed and stay behind
		cls.a = make_active_dealer("DR Portal Dealer A")
		cls.b = make_active_dealer("DR Portal Dealer B")
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
			return make_request(target=get_test_client().get, args=(path,))
		return make_request(target=self.TEST_CLIENT.get, args=(path,), kwargs={"headers": self.auth[user]})

	def call(self, method: str, data: dict, user: str | None, files: dict | None = None):
		"""POST a whitelisted method as form data (files as multipart) as ``user`` (None: Guest)."""
		client = self.TEST_CLIENT if user else get_test_client()
		headers = self.auth[user] if user else {}
		return make_request(
			target=client.post,
			args=(f"/api/method/{method}",),
			kwargs={"data": {**data, **(files or {})}, "headers": headers},
		)

	def session_client(self, user: str):
		"""A client of its own logged in as ``user`` with a password, as a browser would be."""
		from frappe.utils.password import update_password

		update_password(user, PASSWORD)
		frappe.db.commit()
		client = get_test_client()
		login = make_request(
			target=client.post, args=("/api/method/login",), kwargs={"data": {"usr": user, "pwd": PASSWORD}}
		)
		self.assertEqual(login.status_code, 200, login.data)
		return client

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
		limit = frappe.db.get_value("Dealer Tier", "B", "default_credit_limit")
		self.assertIn(fmt_money(limit - 600 - 300, currency=currency), html)
		self.assertNotIn(self.b.name, html)
		self.assertNotIn(self.order_b.name, html)

	def test_pages_speak_the_users_language(self):
		frappe.db.set_value("User", DEALER_USER_A, "language", "zh")
		frappe.db.commit()
		frappe.cache.hdel("lang", DEALER_USER_A)
		try:
			# a browser's session: the language is the session user's (an API key's request is
			# answered in the site's)
			client = self.session_client(DEALER_USER_A)
			for path, title in (("/dealer", "经销商首页"), ("/dealer/statement", "月度对账单")):
				response = make_request(target=client.get, args=(path,))
				self.assertEqual(response.status_code, 200, path)
				self.assertIn(title, response.get_data(as_text=True), path)
		finally:
			frappe.db.set_value("User", DEALER_USER_A, "language", None)
			frappe.db.commit()
			frappe.cache.hdel("lang", DEALER_USER_A)

	def test_rebates_page_of_own_dealer(self):
		response = self.page("/dealer/rebates", DEALER_USER_A)
		self.assertEqual(response.status_code, 200)
		html = response.get_data(as_text=True)
		self.assertIn(f'data-dealer="{self.a.name}"', html)
		self.assertNotIn(self.b.name, html)

	def test_guest_and_desk_users_refused(self):
		for path in ("/dealer", "/dealer/statement", "/dealer/rebates", "/dealer/incidents"):
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

	def test_oversized_evidence_refused(self):
		from dealer_relations.portal import EVIDENCE_MAX_BYTES

		response = self.call(
			RESPOND,
			{"month": self.last_month.key, "status": "Disputed", "reason": "see scan"},
			DEALER_USER_A,
			files={"file": (io.BytesIO(b"\x89PNG" + b"0" * EVIDENCE_MAX_BYTES), "scan.png")},
		)
		self.assertEqual(response.status_code, 417)
		self.assertIn("5 MB", response.get_data(as_text=True))
		self.assertEqual(self.confirmations(), [])

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

	def test_erpnext_issues_of_another_dealer_refused(self):
		"""Regression test of ERPNext's own rules for requests (投诉 / 咨询) raised as Issues."""
		frappe.set_user("Administrator")
		issue = frappe.get_doc(
			{
				"doctype": "Issue",
				"subject": "DR portal: damaged pallet",
				"raised_by": DEALER_USER_A,
				"customer": self.a.customer,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		try:
			listed = make_request(
				target=self.TEST_CLIENT.get,
				args=(self.method("frappe.www.list.get"),),
				kwargs={
					"query_string": {"doctype": "Issue", "raised_by": DEALER_USER_A},
					"headers": self.auth[DEALER_USER_B],
				},
			)
			self.assertNotIn(issue.name, listed.get_data(as_text=True))
			self.assertEqual(self.page(f"/issues/{issue.name}", DEALER_USER_B).status_code, 403)
			self.assertEqual(self.page(f"/issues/{issue.name}", DEALER_USER_A).status_code, 200)
		finally:
			frappe.delete_doc("Issue", issue.name, force=True, ignore_permissions=True)
			frappe.db.commit()

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


REPLY = "dealer_relations.portal.reply_to_incident"
DOWNLOAD = "dealer_relations.portal.download_evidence"


def stored_incident(dealer, stage: str, **values) -> str:
	"""A Diversion Incident as the review left it (written directly: the page only reads it)."""
	incident = frappe.get_doc(
		{
			"doctype": "Diversion Incident",
			"source": "Field Report",
			"company": dealer.company,
			"incident_date": today(),
			"dealer": dealer.name,
			"dealer_name": dealer.dealer_name,
			"found_location": "Rival Trading's shop, found by their manager",
			"description": "internal: tip-off from Rival Trading",
			"reported_by": "Administrator",
			"workflow_state": stage,
			"docstatus": 1 if stage == "Confirmed" else 0,
			"items": [{"item_code": "DR-CREDIT-ITEM", "item_name": "DR-CREDIT-ITEM", "qty": 2, "rate": 55}],
			**values,
		}
	)
	incident.name = f"DIV-PORTAL-{frappe.generate_hash(length=8)}"
	incident.db_insert()
	for row in incident.items:
		row.parent, row.parenttype, row.parentfield = incident.name, "Diversion Incident", "items"
		row.db_insert()
	return incident.name


class TestIncidentsPortal(PortalAPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.open_a = stored_incident(cls.a, "Under Review")
		cls.closed_a = stored_incident(cls.a, "Confirmed", penalty="Fine 10%", penalty_amount=11)
		cls.open_b = stored_incident(cls.b, "Under Review")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		names = (cls.open_a, cls.closed_a, cls.open_b)
		frappe.db.delete(
			"Comment", {"reference_doctype": "Diversion Incident", "reference_name": ("in", names)}
		)
		for name in frappe.get_all("File", {"attached_to_name": ("in", names)}, pluck="name"):
			frappe.delete_doc("File", name, force=True, ignore_permissions=True)
		frappe.db.delete("Diversion Incident Item", {"parent": ("in", names)})
		frappe.db.delete("Diversion Incident", {"name": ("in", names)})
		frappe.db.commit()
		super().tearDownClass()

	def test_page_shows_own_incidents_without_internal_fields(self):
		response = self.page("/dealer/incidents", DEALER_USER_A)
		self.assertEqual(response.status_code, 200)
		html = response.get_data(as_text=True)
		self.assertIn(self.open_a, html)
		self.assertIn(self.closed_a, html)
		self.assertNotIn(self.open_b, html)
		self.assertNotIn("Rival Trading", html)
		currency = frappe.get_cached_value("Company", self.a.company, "default_currency")
		for internal in (55, 110):  # the line's rate and amount (the stock value)
			self.assertNotIn(fmt_money(internal, currency=currency), html)
		self.assertIn(fmt_money(11, currency=currency), html)  # the fine
		self.assertEqual(self.page("/dealer/incidents", None).status_code, 403)

	def test_reply_lands_on_own_incident_with_evidence(self):
		response = self.call(
			REPLY,
			{"incident": self.open_a, "statement": "Sold to a customer inside our region"},
			DEALER_USER_A,
			files={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n photo"), "invoice.png")},
		)
		self.assertEqual(response.status_code, 200, response.data)
		frappe.db.rollback()
		comments = frappe.get_all(
			"Comment", {"reference_name": self.open_a, "comment_type": "Comment"}, ["content", "owner"]
		)
		self.assertEqual([c.owner for c in comments], [DEALER_USER_A])
		self.assertIn("Sold to a customer inside our region", comments[0].content)
		[file] = frappe.get_all("File", {"attached_to_name": self.open_a}, ["name", "is_private", "file_url"])
		self.assertTrue(file.is_private)
		own = make_request(
			target=self.TEST_CLIENT.get,
			args=(self.method(DOWNLOAD),),
			kwargs={"query_string": {"file": file.name}, "headers": self.auth[DEALER_USER_A]},
		)
		self.assertEqual(own.status_code, 200)
		self.assertEqual(own.data, b"\x89PNG\r\n\x1a\n photo")
		for user in (DEALER_USER_B, None):
			other = make_request(
				target=self.TEST_CLIENT.get if user else get_test_client().get,
				args=(self.method(DOWNLOAD),),
				kwargs={"query_string": {"file": file.name}, "headers": self.auth[user] if user else {}},
			)
			self.assertEqual(other.status_code, 403, user)
			self.assertEqual(self.page(file.file_url, user).status_code, 403, user)

	def test_staff_evidence_not_served_to_the_dealer(self):
		frappe.set_user("Administrator")
		staff_file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "tipoff.png",
				"content": b"\x89PNG\r\n\x1a\n staff",
				"is_private": 1,
				"attached_to_doctype": "Diversion Incident",
				"attached_to_name": self.open_a,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		response = make_request(
			target=self.TEST_CLIENT.get,
			args=(self.method(DOWNLOAD),),
			kwargs={"query_string": {"file": staff_file.name}, "headers": self.auth[DEALER_USER_A]},
		)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(self.page(staff_file.file_url, DEALER_USER_A).status_code, 403)

	def test_page_lists_own_reply_and_evidence_not_the_staffs(self):
		"""The page reads the dealer's replies and evidence in one query: what the dealer's users
		put on its incident shows, the staff's comment and file on the same incident do not, and
		the other dealer sees neither."""
		self.addCleanup(self.remove_replies_and_files, self.open_a)
		response = self.call(
			REPLY,
			{"incident": self.open_a, "statement": "Our own customer: see the delivery note"},
			DEALER_USER_A,
			files={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n note"), "delivery-note.png")},
		)
		self.assertEqual(response.status_code, 200, response.data)
		frappe.set_user("Administrator")
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Comment",
				"reference_doctype": "Diversion Incident",
				"reference_name": self.open_a,
				"content": "Staff note: ask the territory manager",
			}
		).insert(ignore_permissions=True)
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "staff-tipoff.png",
				"content": b"\x89PNG\r\n\x1a\n staff",
				"is_private": 1,
				"attached_to_doctype": "Diversion Incident",
				"attached_to_name": self.open_a,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		html = self.page("/dealer/incidents", DEALER_USER_A).get_data(as_text=True)
		self.assertIn("Our own customer: see the delivery note", html)
		self.assertIn("delivery-note.png", html)
		self.assertNotIn("Staff note", html)
		self.assertNotIn("staff-tipoff.png", html)
		other = self.page("/dealer/incidents", DEALER_USER_B).get_data(as_text=True)
		self.assertNotIn("Our own customer", other)
		self.assertNotIn("delivery-note.png", other)

	@staticmethod
	def remove_replies_and_files(incident: str) -> None:
		frappe.set_user("Administrator")
		frappe.db.delete("Comment", {"reference_doctype": "Diversion Incident", "reference_name": incident})
		for name in frappe.get_all("File", {"attached_to_name": incident}, pluck="name"):
			frappe.delete_doc("File", name, force=True, ignore_permissions=True)
		frappe.db.commit()

	def test_reply_refused_for_other_dealer_closed_incident_or_no_statement(self):
		incidents = (self.open_a, self.open_b, self.closed_a)
		comments = {"reference_name": ("in", incidents), "comment_type": "Comment"}
		before = frappe.db.count("Comment", comments)
		for data, status in (
			({"incident": self.open_b, "statement": "not ours"}, 403),
			({"incident": self.closed_a, "statement": "too late"}, 417),
			({"incident": self.open_a, "statement": "  "}, 417),
			({"incident": "DIV-NONE", "statement": "x"}, 403),
		):
			response = self.call(REPLY, data, DEALER_USER_A)
			self.assertEqual(response.status_code, status, data)
		self.assertEqual(self.call(REPLY, {"incident": self.open_a, "statement": "x"}, None).status_code, 403)
		frappe.db.rollback()
		self.assertEqual(frappe.db.count("Comment", comments), before)


class TestPortalPrintFormats(PortalAPITestCase):
	"""A dealer user prints its own orders in the default format only: a staff format is refused."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.staff_format = frappe.get_doc(
			{
				"doctype": "Print Format",
				"name": "DR Portal Staff Order",
				"doc_type": "Sales Order",
				"module": "Dealer Relations",
				"custom_format": 1,
				"print_format_type": "Jinja",
				"standard": "No",
				"html": "STAFF-ONLY {{ doc.customer }}",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.delete_doc("Print Format", cls.staff_format.name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_staff_format_refused_default_allowed(self):
		client = self.session_client(DEALER_USER_B)
		own = f"/printview?doctype=Sales%20Order&name={self.order_b.name}"
		response = make_request(target=client.get, args=(own,))
		self.assertEqual(response.status_code, 200)
		response = make_request(target=client.get, args=(own + "&format=DR%20Portal%20Staff%20Order",))
		self.assertEqual(response.status_code, 403)
		self.assertNotIn("STAFF-ONLY", response.get_data(as_text=True))
		pdf = make_request(
			target=client.get,
			args=("/api/method/frappe.utils.print_format.download_pdf",),
			kwargs={
				"query_string": {
					"doctype": "Sales Order",
					"name": self.order_b.name,
					"format": "DR Portal Staff Order",
				}
			},
		)
		self.assertEqual(pdf.status_code, 403)
		# staff keep every format
		admin = make_request(  # a client of its own: the sid would stay in the shared one's cookies
			target=get_test_client().get,
			args=(own + f"&format=DR%20Portal%20Staff%20Order&sid={self.sid}",),
		)
		self.assertIn("STAFF-ONLY", admin.get_data(as_text=True))


PDF = "dealer_relations.statement.download_statement_pdf"
DESK_PDF = "dealer_relations.statement.download_confirmation_pdf"
PLAN_REP = "dr-portal-plan-rep@example.com"
PLAIN_USER = "dr-portal-plain@example.com"


def pdf_text(data: bytes) -> str:
	"""The words of a PDF, single-spaced (pypdf, which Frappe itself uses to assemble PDFs)."""
	from pypdf import PdfReader

	return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


class TestPortalStatementPDF(PortalAPITestCase):
	"""The statement's PDF: the dealer's own, in zh or en; finance's copy from the desk."""

	def get(self, method: str, query: dict, user: str | None):
		client = self.TEST_CLIENT if user else get_test_client()
		return make_request(
			target=client.get,
			args=(self.method(method),),
			kwargs={"query_string": query, "headers": self.auth[user] if user else {}},
		)

	def test_own_statement_in_both_languages(self):
		import shutil

		if not shutil.which("wkhtmltopdf"):
			self.skipTest("wkhtmltopdf is not installed (apt install wkhtmltopdf): no PDF can be printed")
		for lang in ("en", "zh"):
			response = self.get(PDF, {"month": self.last_month.key, "lang": lang}, DEALER_USER_A)
			self.assertEqual(response.status_code, 200, response.data[:500])
			self.assertEqual(response.mimetype, "application/pdf")
			self.assertTrue(response.data.startswith(b"%PDF"), lang)
			self.assertIn(f"{self.last_month.key}-{lang}.pdf", response.headers["Content-Disposition"])
		# the English one's text: the heading and the closing balance (1,000 invoiced, 400 paid)
		text = pdf_text(self.get(PDF, {"month": self.last_month.key, "lang": "en"}, DEALER_USER_A).data)
		self.assertIn(f"Statement {self.last_month.key}", text)
		self.assertIn("Closing Balance", text)
		currency = frappe.get_cached_value("Company", self.a.company, "default_currency")
		self.assertIn(" ".join(fmt_money(600, currency=currency).split()), text)
		self.assertNotIn(self.b.customer, text)

	def test_language_defaults_to_the_users(self):
		import shutil

		if not shutil.which("wkhtmltopdf"):
			self.skipTest("wkhtmltopdf is not installed (apt install wkhtmltopdf): no PDF can be printed")
		frappe.db.set_value("User", DEALER_USER_A, "language", "zh")
		frappe.db.commit()
		frappe.clear_cache(user=DEALER_USER_A)
		try:
			response = self.get(PDF, {"month": self.last_month.key}, DEALER_USER_A)
			self.assertEqual(response.status_code, 200)
			self.assertIn("-zh.pdf", response.headers["Content-Disposition"])
		finally:
			frappe.db.set_value("User", DEALER_USER_A, "language", None)
			frappe.db.commit()
			frappe.clear_cache(user=DEALER_USER_A)

	def test_other_dealers_statement_and_guest_refused(self):
		for query, user in (
			({"month": self.last_month.key, "dealer": self.b.name}, DEALER_USER_A),
			({"month": self.last_month.key, "dealer": self.a.name}, DEALER_USER_B),
			({"month": self.last_month.key}, None),
			({"month": self.last_month.key, "dealer": self.a.name}, None),
		):
			response = self.get(PDF, query, user)
			self.assertEqual(response.status_code, 403, (query, user))
			self.assertFalse(response.data.startswith(b"%PDF"))

	def test_bad_month_or_language_is_a_clear_error(self):
		future = month_of(getdate(add_months(today(), 2))).key
		for query, shown in (
			({"month": future}, future),
			({"month": "2024-13"}, "2024-13"),
			({"month": self.last_month.key, "lang": "de"}, "de"),
		):
			response = self.get(PDF, query, DEALER_USER_A)
			self.assertEqual(response.status_code, 417, query)
			self.assertIn(shown, response.get_data(as_text=True))

	def test_finance_prints_a_confirmation_dealers_may_not(self):
		import shutil

		frappe.set_user("Administrator")
		confirmation = frappe.get_doc(
			{
				"doctype": CONFIRMATION,
				"dealer": self.b.name,
				"customer": self.b.customer,
				"company": self.b.company,
				"month": self.last_month.key,
				"status": "Disputed",
				"reason": "the 2,000 invoice is not ours",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		for user in (DEALER_USER_A, DEALER_USER_B, None):
			response = self.get(DESK_PDF, {"name": confirmation.name, "lang": "zh"}, user)
			self.assertEqual(response.status_code, 403, user)
			self.assertFalse(response.data.startswith(b"%PDF"))
		if not shutil.which("wkhtmltopdf"):
			self.skipTest("wkhtmltopdf is not installed (apt install wkhtmltopdf): no PDF can be printed")
		staff = make_request(  # a client of its own: the sid would stay in the shared one's cookies
			target=get_test_client().get,
			args=(self.method(DESK_PDF),),
			kwargs={"query_string": {"name": confirmation.name, "lang": "en", "sid": self.sid}},
		)
		self.assertEqual(staff.status_code, 200, staff.data[:500])
		text = pdf_text(staff.data)
		currency = frappe.get_cached_value("Company", self.b.company, "default_currency")
		self.assertIn(" ".join(fmt_money(2000, currency=currency).split()), text)  # B's closing balance
		self.assertIn("the 2,000 invoice is not ours", text)


class TestPortalHomeRebatesAndLanding(PortalAPITestCase):
	"""Visits planned on the home page, the rebate account on the rebates page, the landing page
	after login: each dealer's own, nothing internal."""

	@classmethod
	def setUpClass(cls):
		from frappe.utils import add_to_date, now_datetime

		from dealer_relations.rebate_account import LEDGER
		from dealer_relations.tests.test_portal import write_ledger
		from dealer_relations.tests.utils import backdate_dealer, make_user, make_visit

		super().setUpClass()
		make_user(PLAN_REP, ["Dealer Sales Rep"])
		make_user(PLAIN_USER, ["Customer"])  # a website user (role Customer) of no dealer
		cls.visits = []
		for dealer, purpose in ((cls.a, "A: new pump range training"), (cls.b, "B: stock count")):
			backdate_dealer(dealer.name, 60)
			cls.visits.append(
				make_visit(
					dealer.name,
					add_to_date(now_datetime(), days=-3),
					sales_rep=PLAN_REP,
					purpose=f"{dealer.name} internal: check their finances",
					outcome=f"{dealer.name} internal: weak sell-out",
					store_notes=f"{dealer.name} internal: shelves half empty",
					next_visit_date=add_days(today(), 7),
					next_visit_purpose=purpose,
				).name
			)
		cls.lots = write_ledger(
			cls.a.name,
			cls.a.company,
			[
				(
					"DR-PORTAL-LOT-A",
					add_days(today(), 40),
					"Earned",
					1234,
					"Rebate Settlement",
					"DR-PORTAL-LOT-A",
				),
				("DR-PORTAL-LOT-A", add_days(today(), 40), "Reserved", -34, "Sales Order", cls.order_a.name),
			],
		) + write_ledger(
			cls.b.name,
			cls.b.company,
			[
				(
					"DR-PORTAL-LOT-B",
					add_days(today(), 40),
					"Earned",
					5678,
					"Rebate Settlement",
					"DR-PORTAL-LOT-B",
				)
			],
		)
		frappe.db.commit()
		cls.ledger = LEDGER

	@classmethod
	def tearDownClass(cls):
		frappe.db.delete(cls.ledger, {"dealer": ("in", (cls.a.name, cls.b.name))})
		frappe.db.delete("Dealer Visit Log", {"name": ("in", cls.visits)})
		frappe.delete_doc("User", PLAIN_USER, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_home_shows_own_visits_planned_and_no_notes(self):
		purposes = {self.a.name: "A: new pump range training", self.b.name: "B: stock count"}
		for user, own, other in ((DEALER_USER_A, self.a, self.b), (DEALER_USER_B, self.b, self.a)):
			response = self.page("/dealer", user)
			self.assertEqual(response.status_code, 200)
			html = response.get_data(as_text=True)
			# (assertTrue: a page in a failure message drowns the report)
			self.assertTrue(purposes[own.name] in html, user)
			self.assertTrue(frappe.utils.global_date_format(add_days(today(), 7)) in html, user)
			self.assertFalse(purposes[other.name] in html, user)
			for dealer in (own, other):  # the visit's purpose, outcome and store notes
				self.assertFalse(f"{dealer.name} internal" in html, user)

	def test_rebates_page_shows_own_account_only(self):
		currency = frappe.get_cached_value("Company", self.a.company, "default_currency")
		html = self.page("/dealer/rebates", DEALER_USER_A).get_data(as_text=True)
		self.assertIn(fmt_money(1234, currency=currency), html)  # balance
		self.assertIn(fmt_money(1200, currency=currency), html)  # available: 34 held by the order
		self.assertIn(f"/orders/{self.order_a.name}", html)  # its own order, which it may open
		self.assertNotIn(fmt_money(5678, currency=currency), html)
		for lot in self.lots:  # settlements are named by policy only
			self.assertNotIn(lot, html)
		other = self.page("/dealer/rebates", DEALER_USER_B).get_data(as_text=True)
		self.assertIn(fmt_money(5678, currency=currency), other)
		self.assertNotIn(fmt_money(1234, currency=currency), other)
		self.assertNotIn(self.order_a.name, other)

	def test_dealer_user_lands_on_dealer_others_keep_the_default(self):
		from frappe.utils.password import update_password

		for user, home in ((DEALER_USER_A, "/dealer"), (DEALER_USER_B, "/dealer"), (PLAIN_USER, "/me")):
			update_password(user, PASSWORD)
			frappe.db.commit()
			frappe.cache.hdel("home_page", user)
			client = get_test_client()
			login = make_request(
				target=client.post,
				args=("/api/method/login",),
				kwargs={"data": {"usr": user, "pwd": PASSWORD}},
			)
			self.assertEqual(login.status_code, 200, login.data)
			self.assertEqual(login.json["home_page"], home, user)
