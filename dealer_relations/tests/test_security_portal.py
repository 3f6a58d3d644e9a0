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
