"""The dealer portal's requests (投诉 / 咨询, ERPNext Issues) over real HTTP, as two dealer users and
Guest: each raises, reads and answers its own dealer's requests only, by every route (the page,
the app's methods, frappe.client, REST, ERPNext's own /issues pages, web form and Issue methods,
Frappe's website comments); bad input saves nothing."""

from __future__ import annotations

import json

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import get_test_client

from dealer_relations.benchmarks.queries import count_queries
from dealer_relations.dealer_requests import dealer_requests, request_conversation, stored_request
from dealer_relations.engine.dealer_requests import COMPLAINT, INQUIRY, SUBJECT_MAX, TEXT_MAX
from dealer_relations.portal import dealers_of_portal_user
from dealer_relations.tests.test_security_portal import (
	DEALER_USER_A,
	DEALER_USER_B,
	PortalAPITestCase,
)

RAISE = "dealer_relations.dealer_requests.raise_request"
REPLY = "dealer_relations.dealer_requests.reply_to_request"
STAFF_REPLY = "Thank you, a new pallet ships on Monday"


class RequestsTestCase(PortalAPITestCase):
	"""A's request raised by staff fixtures (committed, removed after each test)."""

	def tearDown(self):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		issues = frappe.get_all(
			"Issue", {"customer": ("in", (self.a.customer, self.b.customer))}, pluck="name"
		)
		issues += frappe.get_all("Issue", {"raised_by": ("in", (DEALER_USER_A, DEALER_USER_B))}, pluck="name")
		if issues:
			for doctype in ("Communication", "Comment"):
				frappe.db.delete(doctype, {"reference_doctype": "Issue", "reference_name": ("in", issues)})
			frappe.db.delete("Issue", {"name": ("in", issues)})
		frappe.db.commit()
		super().tearDown()

	def issues(self, **filters) -> list[frappe._dict]:
		frappe.db.rollback()  # see what the requests committed
		return frappe.get_all(
			"Issue",
			filters={"customer": ("in", (self.a.customer, self.b.customer)), **filters},
			fields=["name", "customer", "raised_by", "issue_type", "status", "subject", "company"],
		)

	def messages(self, issue: str) -> list[frappe._dict]:
		frappe.db.rollback()
		return frappe.get_all(
			"Communication",
			filters={"reference_doctype": "Issue", "reference_name": issue},
			fields=["name", "sender", "sent_or_received", "content"],
			order_by="creation",
		)

	def raise_as_a(
		self, subject="破损托盘 damaged pallet", description="Two cartons crushed\non arrival"
	) -> str:
		response = self.call(
			RAISE,
			{"subject": subject, "description": description, "request_type": COMPLAINT},
			DEALER_USER_A,
		)
		self.assertEqual(response.status_code, 200, response.data)
		return response.json["message"]["issue"]

	def staff_mail(self, issue: str, recipients: str, content: str) -> str:
		"""An email the support team sent from the Issue (as the desk's email dialog records it)."""
		frappe.set_user("Administrator")
		communication = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Sent",
				"subject": "Re: request",
				"sender": "support@example.com",
				"recipients": recipients,
				"content": f"<p>{content}</p>",
				"reference_doctype": "Issue",
				"reference_name": issue,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		return communication.name


class TestRequestsPage(RequestsTestCase):
	def test_raise_follow_and_answer_own_request(self):
		issue = self.raise_as_a()
		[stored] = self.issues()
		self.assertEqual(
			(stored.name, stored.customer, stored.raised_by, stored.issue_type, stored.status),
			(issue, self.a.customer, DEALER_USER_A, COMPLAINT, "Open"),
		)
		self.assertEqual(stored.company, self.a.company)
		# ERPNext keeps the description as the first message, received from the dealer
		[first] = self.messages(issue)
		self.assertEqual((first.sender, first.sent_or_received), (DEALER_USER_A, "Received"))
		self.assertIn("Two cartons crushed<br>on arrival", first.content)

		listed = self.page("/dealer/requests", DEALER_USER_A)
		self.assertEqual(listed.status_code, 200)
		self.assertIn(f'data-request="{issue}"', listed.get_data(as_text=True))
		self.assertNotIn(issue, self.page("/dealer/requests", DEALER_USER_B).get_data(as_text=True))

		# staff answer by email to the dealer, note something internal, and mail a third party
		self.staff_mail(issue, DEALER_USER_A, STAFF_REPLY)
		self.staff_mail(issue, "warehouse@example.com", "internal: check the forklift driver")
		frappe.get_doc("Issue", issue).add_comment("Comment", "internal: the driver admitted it")
		frappe.db.set_value("Issue", issue, "status", "Replied")
		frappe.db.commit()
		html = self.page(f"/dealer/requests?request={issue}", DEALER_USER_A).get_data(as_text=True)
		self.assertIn("Two cartons crushed", html)
		self.assertIn(STAFF_REPLY, html)
		self.assertIn(f"{self.a.company} ·", html)  # staff replies are signed by the company
		self.assertNotIn("support@example.com", html)
		self.assertNotIn("internal:", html)
		self.assertIn('id="request-reply"', html)

		response = self.call(REPLY, {"issue": issue, "message": "Received, thanks"}, DEALER_USER_A)
		self.assertEqual(response.status_code, 200, response.data)
		last = self.messages(issue)[-1]
		self.assertEqual((last.sender, last.sent_or_received), (DEALER_USER_A, "Received"))
		# ERPNext reopens an Issue on a received message
		self.assertEqual(frappe.db.get_value("Issue", issue, "status"), "Open")
		self.assertIn(
			"Received, thanks",
			self.page(f"/dealer/requests?request={issue}", DEALER_USER_A).get_data(as_text=True),
		)

	def test_closed_request_takes_no_reply(self):
		issue = self.raise_as_a()
		frappe.db.set_value("Issue", issue, "status", "Closed")
		frappe.db.commit()
		before = len(self.messages(issue))
		response = self.call(REPLY, {"issue": issue, "message": "Still broken"}, DEALER_USER_A)
		self.assertEqual(response.status_code, 417)
		self.assertIn("closed", response.get_data(as_text=True))
		self.assertEqual(len(self.messages(issue)), before)
		self.assertEqual(frappe.db.get_value("Issue", issue, "status"), "Closed")
		html = self.page(f"/dealer/requests?request={issue}", DEALER_USER_A).get_data(as_text=True)
		self.assertNotIn('id="request-reply"', html)
		self.assertIn("request-closed", html)

	def test_bad_input_saves_nothing(self):
		for data, status in (
			({"subject": "", "description": "d", "request_type": COMPLAINT}, 417),
			({"subject": "   ", "description": "d", "request_type": COMPLAINT}, 417),
			({"subject": "s" * (SUBJECT_MAX + 1), "description": "d", "request_type": INQUIRY}, 417),
			({"subject": "s", "description": "d" * (TEXT_MAX + 1), "request_type": INQUIRY}, 417),
			({"subject": "s", "description": " ", "request_type": INQUIRY}, 417),
			({"subject": "s", "description": "d", "request_type": "Bug"}, 417),
			({"subject": "s", "description": "d", "request_type": INQUIRY, "dealer": self.b.name}, 403),
		):
			response = self.call(RAISE, data, DEALER_USER_A)
			self.assertEqual(response.status_code, status, {k: str(v)[:12] for k, v in data.items()})
			if status == 417:
				self.assertTrue(response.json.get("_server_messages"))
		self.assertEqual(self.call(RAISE, {"subject": "s", "description": "d"}, None).status_code, 403)
		self.assertEqual(self.issues(), [])
		issue = self.raise_as_a()
		before = len(self.messages(issue))
		for message in ("", "  \n ", "m" * (TEXT_MAX + 1)):
			response = self.call(REPLY, {"issue": issue, "message": message}, DEALER_USER_A)
			self.assertEqual(response.status_code, 417, len(message))
		self.assertEqual(len(self.messages(issue)), before)

	def test_disabled_portal_user_refused(self):
		frappe.db.set_value("User", DEALER_USER_A, "enabled", 0)
		frappe.db.commit()
		try:
			self.assertEqual(dealers_of_portal_user(DEALER_USER_A), [])
			response = self.call(
				RAISE, {"subject": "s", "description": "d", "request_type": COMPLAINT}, DEALER_USER_A
			)
			self.assertIn(response.status_code, (401, 403))
			self.assertIn(self.page("/dealer/requests", DEALER_USER_A).status_code, (401, 403))
			# the session of a user disabled meanwhile: the server still refuses
			from dealer_relations.dealer_requests import raise_request

			frappe.set_user(DEALER_USER_A)
			self.assertRaises(frappe.PermissionError, raise_request, "s", "d", COMPLAINT)
			frappe.set_user("Administrator")
		finally:
			frappe.db.rollback()
			frappe.set_user("Administrator")
			frappe.db.set_value("User", DEALER_USER_A, "enabled", 1)
			frappe.db.commit()
		self.assertEqual(self.issues(), [])

	def test_pages_in_constant_queries(self):
		"""The requests page and one request are one query each whatever the history: the user's
		dealers (the security rule) read in the same statement."""
		frappe.set_user(DEALER_USER_A)
		self.raise_as_a()
		with count_queries() as few_list:
			dealer_requests()
		first = dealer_requests()[1][0].name
		with count_queries() as few_detail:
			request_conversation(stored_request(first)[1])
		for n in range(3):
			self.raise_as_a(subject=f"more {n}")
			self.staff_mail(first, DEALER_USER_A, f"answer {n}")
			self.call(REPLY, {"issue": first, "message": f"again {n}"}, DEALER_USER_A)
		frappe.db.rollback()
		frappe.set_user(DEALER_USER_A)
		with count_queries() as more_list:
			dealers, requests = dealer_requests()
		self.assertEqual([dealer.name for dealer in dealers], [self.a.name])
		self.assertEqual(len(requests), 4)
		self.assertEqual(requests[-1].name, first)  # newest first
		with count_queries() as more_detail:
			conversation = request_conversation(stored_request(first)[1])
		self.assertEqual(len(conversation), 7)
		self.assertEqual(len(more_list), len(few_list))
		self.assertEqual(len(more_detail), len(few_detail))
		self.assertEqual(len(more_list), 1)
		self.assertEqual(len(more_detail), 1)
		# another dealer's request, a name that is no request, or none: refused alike
		frappe.set_user(DEALER_USER_B)
		for name in (first, "ISS-NO-SUCH", None, ["x"]):
			self.assertRaises(frappe.PermissionError, stored_request, name)
		frappe.set_user("Administrator")


class TestRequestsOfAnotherDealer(RequestsTestCase):
	"""Dealer B (and Guest) against dealer A's request, by every route."""

	def setUp(self):
		super().setUp()
		self.issue = self.raise_as_a()
		self.staff_mail(self.issue, DEALER_USER_A, STAFF_REPLY)
		self.before = len(self.messages(self.issue))

	def get(self, path: str, user: str | None, **query):
		client = self.TEST_CLIENT if user else get_test_client()
		return make_request(
			target=client.get,
			args=(path,),
			kwargs={"query_string": query, "headers": self.auth[user] if user else {}},
		)

	def assert_untouched(self):
		self.assertEqual(len(self.messages(self.issue)), self.before)
		self.assertEqual(frappe.db.get_value("Issue", self.issue, "status"), "Open")
		self.assertFalse(
			frappe.db.exists("Comment", {"reference_name": self.issue, "comment_type": "Comment"})
		)

	def test_page_and_methods_refused(self):
		for user in (DEALER_USER_B, None):
			response = self.page(f"/dealer/requests?request={self.issue}", user)
			self.assertEqual(response.status_code, 403, user)
			self.assertNotIn(STAFF_REPLY, response.get_data(as_text=True))
			reply = self.call(REPLY, {"issue": self.issue, "message": "not yours"}, user)
			self.assertEqual(reply.status_code, 403, user)
		self.assertEqual(self.page("/dealer/requests?request=ISS-NONE-1", DEALER_USER_B).status_code, 403)
		for name in ("ISS-NONE-1", ""):
			self.assertEqual(
				self.call(REPLY, {"issue": name, "message": "x"}, DEALER_USER_B).status_code, 403
			)
		self.assert_untouched()

	def test_desk_apis_refused(self):
		auth = self.auth[DEALER_USER_B]
		for method, query in (
			("frappe.client.get", {"doctype": "Issue", "name": self.issue}),
			("frappe.client.get_value", {"doctype": "Issue", "filters": self.issue, "fieldname": "subject"}),
			("frappe.client.get_list", {"doctype": "Issue", "fields": '["name", "subject"]'}),
		):
			response = self.get(self.method(method), DEALER_USER_B, **query)
			self.assertEqual(response.status_code, 403, method)
		self.assertEqual(self.get(self.resource("Issue", self.issue), DEALER_USER_B).status_code, 403)
		self.assertEqual(self.get(self.resource("Issue"), DEALER_USER_B).status_code, 403)
		# the conversation: Communications of the Issue
		listed = self.get(
			self.method("frappe.client.get_list"),
			DEALER_USER_B,
			doctype="Communication",
			fields='["name", "content"]',
			filters=json.dumps({"reference_name": self.issue}),
		)
		self.assertNotIn(STAFF_REPLY, listed.get_data(as_text=True))
		for message in self.messages(self.issue):
			response = self.get(self.resource("Communication", message.name), DEALER_USER_B)
			self.assertEqual(response.status_code, 403)
		update = make_request(
			target=self.TEST_CLIENT.put,
			args=(self.resource("Issue", self.issue),),
			kwargs={"json": {"status": "Closed"}, "headers": auth},
		)
		self.assertEqual(update.status_code, 403)
		self.assert_untouched()

	def test_erpnext_portal_routes_refused(self):
		for query in ({}, {"customer": self.a.customer}, {"raised_by": DEALER_USER_A}, {"txt": "pallet"}):
			listed = self.get(self.method("frappe.www.list.get"), DEALER_USER_B, doctype="Issue", **query)
			self.assertNotIn(self.issue, listed.get_data(as_text=True), query)
			data = self.get(
				self.method("frappe.www.list.get_list_data"), DEALER_USER_B, doctype="Issue", **query
			)
			self.assertNotIn(self.issue, data.get_data(as_text=True), query)
		own = self.get(self.method("frappe.www.list.get"), DEALER_USER_A, doctype="Issue")
		self.assertIn(self.issue, own.get_data(as_text=True))  # ERPNext's list, for its own dealer
		for path in (f"/issues/{self.issue}", f"/issues/{self.issue}/edit"):
			response = self.page(path, DEALER_USER_B)
			self.assertIn(response.status_code, (403, 404), path)
			self.assertNotIn(STAFF_REPLY, response.get_data(as_text=True))
		printed = self.page(f"/printview?doctype=Issue&name={self.issue}", DEALER_USER_B)
		self.assertNotIn("damaged pallet", printed.get_data(as_text=True))
		pdf = self.get(
			"/api/method/frappe.utils.print_format.download_pdf",
			DEALER_USER_B,
			doctype="Issue",
			name=self.issue,
		)
		self.assertEqual(pdf.status_code, 403)
		form_data = self.get(
			self.method("frappe.website.doctype.web_form.web_form.get_form_data"),
			DEALER_USER_B,
			doctype="Issue",
			docname=self.issue,
			web_form_name="issues",
		)
		self.assertEqual(form_data.status_code, 403)
		self.assert_untouched()

	def test_erpnext_issue_methods_and_comments_refused(self):
		"""ERPNext's Issue methods and Frappe's website comments check no permission of their own:
		the app's stand-ins do (hooks.py override_whitelisted_methods)."""
		erpnext = "erpnext.support.doctype.issue.issue"
		for method, data in (
			(f"{erpnext}.set_status", {"name": self.issue, "status": "Closed"}),
			(f"{erpnext}.set_multiple_status", {"names": json.dumps([self.issue]), "status": "Closed"}),
			(
				"erpnext.support.doctype.service_level_agreement.service_level_agreement."
				"reset_service_level_agreement",
				{"doctype": "Issue", "docname": self.issue, "reason": "x", "user": DEALER_USER_B},
			),
			(
				"frappe.templates.includes.comments.comments.add_comment",
				{
					"comment": "B was here",
					"comment_email": DEALER_USER_B,
					"comment_by": "B",
					"reference_doctype": "Issue",
					"reference_name": self.issue,
					"route": "",
				},
			),
		):
			response = self.call(method, data, DEALER_USER_B)
			self.assertEqual(response.status_code, 403, method)
		first = self.messages(self.issue)[0].name
		response = self.call(
			f"{erpnext}.make_issue_from_communication", {"communication": first}, DEALER_USER_B
		)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(frappe.db.count("Issue", {"raised_by": DEALER_USER_B}), 0)
		self.assert_untouched()
		# staff keep ERPNext's methods (a client of its own: the sid would stay in its cookies)
		staff = make_request(
			target=get_test_client().post,
			args=(self.method(f"{erpnext}.set_status"),),
			kwargs={"data": {"name": self.issue, "status": "Replied", "sid": self.sid}},
		)
		self.assertEqual(staff.status_code, 200, staff.data)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Issue", self.issue, "status"), "Replied")

	def test_own_dealer_may_still_comment(self):
		"""Frappe's web form comments on ERPNext's /issues page keep working for the request's own
		dealer and for desk users who read the Issue (Frappe then mails the owner)."""
		from dealer_relations.dealer_requests import check_comment_allowed

		for user in (DEALER_USER_A, "Administrator"):
			frappe.set_user(user)
			check_comment_allowed("Issue", self.issue)
		frappe.set_user(DEALER_USER_B)
		self.assertRaises(frappe.PermissionError, check_comment_allowed, "Issue", self.issue)
		self.assertRaises(frappe.PermissionError, check_comment_allowed, "No Such Doctype", "x")
		frappe.set_user("Administrator")

	def test_web_form_cannot_raise_in_another_name_or_reopen(self):
		"""ERPNext's /issues web form saves its read-only Customer and Status as sent."""
		accept = "frappe.website.doctype.web_form.web_form.accept"
		data = {"subject": "in A's name", "description": "x", "customer": self.a.customer, "status": "Open"}
		response = self.call(accept, {"web_form": "issues", "data": json.dumps(data)}, DEALER_USER_B)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(frappe.db.count("Issue", {"subject": "in A's name"}), 0)
		# its own request, raised on the form, keeps the customer and status the stored one has
		own = self.call(
			accept,
			{"web_form": "issues", "data": json.dumps({"subject": "B's own", "description": "x"})},
			DEALER_USER_B,
		)
		self.assertEqual(own.status_code, 200, own.data)
		name = own.json["message"]["name"]
		frappe.db.set_value("Issue", name, {"customer": self.b.customer, "status": "Closed"})
		frappe.db.commit()
		edit = {"name": name, "subject": "B's own", "customer": self.a.customer, "status": "Open"}
		response = self.call(accept, {"web_form": "issues", "data": json.dumps(edit)}, DEALER_USER_B)
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value("Issue", name, ["customer", "status"]), (self.b.customer, "Closed")
		)
		self.assert_untouched()
