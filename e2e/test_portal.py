"""The dealer portal (经销商门户, issue 19) on a phone, as the demo dealers' zh portal users: the
figures equal the desk's, a statement is confirmed, an incident answered with a file, and the other
dealer's user is refused the first one's statement, incident and evidence."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import date, timedelta

import pytest
from conftest import PASSWORD, URL, Desk, for_the_module

# the demo's portal users (dealer_relations.demo.documents.make_demo_portal)
DEALER_USER = "wu.hao@demo.dealer-relations.test"
OTHER_DEALER_USER = "zheng.lei@demo.dealer-relations.test"
PHONE = {"width": 390, "height": 844}
CONFIRMATION = "Dealer Statement Confirmation"


def open_portal(browser, user: str) -> Desk:
	"""A phone browser logged in at /login as a dealer's portal user, on /dealer."""
	context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
	portal = Desk(context.new_page(), user, "-phone")
	portal.page.goto(f"{URL}/login")
	portal.page.fill("#login_email", user)
	portal.page.fill("#login_password", PASSWORD)
	portal.page.click(".btn-login")
	portal.page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)
	portal.page.wait_for_load_state("networkidle")
	assert portal.page.url.split("?")[0].rstrip("/") == f"{URL}/dealer", (
		f"a dealer lands on the portal's home, not the desk nor /me: {portal.page.url}"
	)
	portal.page.wait_for_selector(".dealer-standing", timeout=30_000)
	portal.shot("after-login")
	return portal


def visit(portal: Desk, path: str):
	response = portal.page.goto(f"{URL}{path}")
	portal.page.wait_for_load_state("networkidle")
	return response


@pytest.fixture(scope="module")
def dealer_user(browser):
	yield from for_the_module(open_portal(browser, DEALER_USER))


@pytest.fixture(scope="module")
def other_dealer_user(browser):
	yield from for_the_module(open_portal(browser, OTHER_DEALER_USER))


def money(text: str) -> float:
	"""A figure as the portal prints it (¥ 1,234.50, - ¥ 0.00) as a number."""
	return float(re.sub(r"[^\d.\-]", "", text.replace("- ", "-")) or 0)


def figure(portal: Desk, selector: str) -> float:
	return money(portal.page.inner_text(selector))


def report(desk: Desk, name: str, filters: dict) -> dict:
	return desk.call("frappe.desk.query_report.run", report_name=name, filters=filters)


def home_dealer(portal: Desk) -> str:
	return portal.page.get_attribute(".dealer-standing", "data-dealer")


def test_home_shows_the_credit_exposure_the_desk_reports(dealer_user, manager):
	portal = dealer_user
	visit(portal, "/dealer")
	assert "经销商首页" in portal.page.title(), "the portal speaks the user's language (zh)"
	dealer = home_dealer(portal)
	portal.shot("home")
	rows = [
		row
		for row in report(manager, "Dealer Credit Exposure", {})["result"]
		if isinstance(row, dict) and row.get("dealer") == dealer
	]
	assert len(rows) == 1, f"the manager's exposure report has one row for {dealer}"
	row = rows[0]
	assert figure(portal, ".exposure-outstanding") == pytest.approx(row["outstanding"], abs=0.01)
	assert figure(portal, ".exposure-unbilled") == pytest.approx(row["unbilled_orders"], abs=0.01)
	assert abs(figure(portal, ".exposure-advances")) == pytest.approx(abs(row["advances"]), abs=0.01)
	assert figure(portal, ".exposure-total") == pytest.approx(row["exposure"], abs=0.01)
	if row.get("credit_limit"):
		assert figure(portal, ".credit-limit") == pytest.approx(row["credit_limit"], abs=0.01)
		assert figure(portal, ".credit-available") == pytest.approx(row["available_credit"], abs=0.01)
	portal.assert_clean()


def test_rebates_show_the_figures_of_the_dealer_rebate_statement(dealer_user, manager):
	portal = dealer_user
	visit(portal, "/dealer")
	dealer = home_dealer(portal)
	visit(portal, "/dealer/rebates")
	portal.shot("rebates")
	cards = portal.page.locator(".rebate-policy")
	assert cards.count() >= 1, "the demo's year-end policy is running and covers the dealer"
	today = manager.page.evaluate("frappe.datetime.get_today()")
	for index in range(cards.count()):
		card = cards.nth(index)
		policy = card.get_attribute("data-policy")
		summary = report(
			manager, "Dealer Rebate Statement", {"rebate_policy": policy, "dealer": dealer, "as_of": today}
		)["report_summary"]
		# Eligible Volume, Slab Reached, Gross Rebate, Growth Bonus, Diversion Deduction, Net Rebate
		volume, slab, net = summary[0]["value"], summary[1]["value"], summary[5]["value"]
		assert money(card.locator(".rebate-volume").inner_text()) == pytest.approx(volume, abs=0.01)
		assert money(card.locator(".rebate-net").inner_text()) == pytest.approx(net, abs=0.01)
		assert card.locator(".rebate-slab").inner_text().strip() == (str(slab) if slab else "-")
	portal.assert_clean()


def receivable(accountant: Desk, company: str, customer: str, on: date) -> float:
	"""ERPNext's Accounts Receivable for the customer on a day: the sum of its outstanding."""
	result = report(
		accountant,
		"Accounts Receivable",
		{
			"company": company,
			"report_date": on.isoformat(),
			"party_type": "Customer",
			"party": [customer],
			"ageing_based_on": "Due Date",
			"calculate_ageing_with": "Report Date",
			"range": "30, 60, 90, 120",
		},
	)["result"]
	return sum(row["outstanding"] for row in result if isinstance(row, dict) and row.get("voucher_no"))


def unanswered_month(accountant: Desk, dealer: str) -> date:
	"""The latest finished month the dealer has not answered (the demo answered last month)."""
	answered = {
		row["month"]
		for row in accountant.call(
			"frappe.client.get_list",
			doctype=CONFIRMATION,
			filters={"dealer": dealer},
			fields=["month"],
			limit_page_length=0,
		)
	}
	month = date.fromisoformat(accountant.page.evaluate("frappe.datetime.get_today()")).replace(day=1)
	for _back in range(11):
		month = (month - timedelta(days=1)).replace(day=1)
		if f"{month:%Y-%m}" not in answered:
			return month
	pytest.fail(f"every month of the demo year of {dealer} is answered already")


def test_statement_equals_accounts_receivable_and_is_confirmed(dealer_user, accountant, site):
	portal = dealer_user
	visit(portal, "/dealer")
	dealer = home_dealer(portal)
	customer, company = (site.get_value("Dealer", dealer, field) for field in ("customer", "company"))
	month = unanswered_month(accountant, dealer)
	month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
	visit(portal, f"/dealer/statement?month={month:%Y-%m}")
	assert portal.page.get_attribute(".dealer-statement", "data-month") == f"{month:%Y-%m}"
	portal.shot("statement")
	closing = receivable(accountant, company, customer, month_end)
	opening = receivable(accountant, company, customer, month - timedelta(days=1))
	assert figure(portal, ".closing-balance") == pytest.approx(closing, abs=0.01)
	assert figure(portal, ".opening-balance") == pytest.approx(opening, abs=0.01)
	made = None
	try:
		portal.page.click("#statement-answer button[data-status='Confirmed']")
		portal.page.wait_for_selector(".statement-confirmation[data-status='Confirmed']", timeout=30_000)
		portal.page.wait_for_load_state("networkidle")
		portal.shot("statement-confirmed")
		made = site.execute(
			"frappe.db.get_value", CONFIRMATION, {"dealer": dealer, "month": f"{month:%Y-%m}"}, "name"
		)
		assert made, "the confirmation is recorded"
		assert site.get_value(CONFIRMATION, made, "closing_balance") == pytest.approx(closing, abs=0.01)
		assert site.get_value(CONFIRMATION, made, "confirmed_by") == DEALER_USER
	finally:
		if made:  # the demo keeps its months to confirm for the next run
			site.execute("frappe.delete_doc", CONFIRMATION, made)
	portal.assert_clean()


def tiny_png() -> bytes:
	"""A valid 1×1 PNG, as a phone's camera would send a (much larger) photo."""

	def chunk(kind: bytes, data: bytes) -> bytes:
		return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

	header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
	pixels = zlib.compress(b"\x00\xcc\x33\x33")
	return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def open_incident(portal: Desk, site) -> str:
	"""An incident of the user's dealer that awaits its reply: the demo's, else a field report
	made here of a demo serial sold by that dealer."""
	visit(portal, "/dealer/incidents")
	forms = portal.page.locator("form.incident-reply")
	if forms.count():
		return forms.first.get_attribute("data-incident")
	dealer = portal.page.get_attribute(".dealer-incidents section", "data-dealer")
	earlier = [
		row["name"] for row in site.execute("frappe.get_all", "Diversion Incident", {"dealer": dealer})
	]
	serial = site.execute(
		"frappe.db.get_value",
		"Diversion Incident Item",
		{"parent": ("in", earlier), "serial_no": ("is", "set")},
		"serial_no",
	)
	company = site.get_value("Dealer", dealer, "company")
	incident = site.execute(
		"frappe.client.insert",
		{
			"doctype": "Diversion Incident",
			"source": "Field Report",
			"company": company,
			"incident_date": date.today().isoformat(),
			"found_territory": "江北区",
			"found_location": "E2E 重庆江北建材市场",
			"items": [{"item_code": "DR-PUMP-750S", "serial_no": serial}],
		},
	)
	assert incident["dealer"] == dealer, "the demo serial traces to the dealer"
	visit(portal, "/dealer/incidents")
	return incident["name"]


def refused(portal: Desk, url: str, response_status: int) -> None:
	"""The expected refusal of ``url``: a 403, then taken off the page's recorded problems (only
	the records of that one URL's 403: the request and the console's note of it)."""
	assert response_status == 403, f"{url} answered {response_status}, not 403"
	expected = [
		problem
		for problem in portal.problems
		if ("HTTP 403" in problem and url in problem)
		or (problem.startswith("console error") and "403" in problem and url in problem)
	]
	assert expected, f"the 403 of {url} was recorded"
	portal.problems = [problem for problem in portal.problems if problem not in expected]


def test_incident_reply_with_evidence_and_the_other_dealer_is_refused(dealer_user, other_dealer_user, site):
	portal = dealer_user
	incident = open_incident(portal, site)
	card = portal.page.locator(f".dealer-incident[data-incident='{incident}']")
	statement = f"E2E 说明：该批货物售给本区域客户，附发货单照片 {date.today():%Y%m%d}"
	card.locator("textarea[name='statement']").fill(statement)
	card.locator("input[name='file']").set_input_files(
		{"name": "e2e-evidence.png", "mimeType": "image/png", "buffer": tiny_png()}
	)
	portal.shot("incident-reply")
	with portal.page.expect_navigation():
		card.locator("button", has_text="发送回复").click()
	portal.page.wait_for_load_state("networkidle")
	card = portal.page.locator(f".dealer-incident[data-incident='{incident}']")
	assert statement in card.inner_text()
	link = card.locator("a[href*='download_evidence']", has_text="e2e-evidence").last
	evidence = link.get_attribute("href")
	portal.shot("incident-replied")
	download = portal.page.request.get(f"{URL}{evidence}")
	assert download.status == 200 and download.body() == tiny_png(), "the dealer gets its own evidence back"
	portal.assert_clean()

	# the other dealer's user: the first dealer's statement, incident and evidence are refused
	other = other_dealer_user
	dealer = site.get_value("Diversion Incident", incident, "dealer")
	refused(other, f"{URL}/dealer/statement", visit(other, f"/dealer/statement?dealer={dealer}").status)
	assert not other.page.locator(".closing-balance").count(), "nothing of the statement is shown"
	other.shot("other-dealer-statement-refused")
	visit(other, "/dealer/incidents")
	reply_url = f"{URL}/api/method/dealer_relations.portal.reply_to_incident"
	status = other.page.evaluate(
		"""async ([url, incident]) => {
			const data = new FormData();
			data.append("incident", incident);
			data.append("statement", "不是我的事件");
			const r = await fetch(url, {method: "POST", body: data,
				headers: {"X-Frappe-CSRF-Token": frappe.csrf_token}});
			return r.status;
		}""",
		[reply_url, incident],
	)
	refused(other, reply_url, status)
	refused(other, evidence, visit(other, evidence).status)
	other.shot("other-dealer-evidence-refused")
	replies = site.execute(
		"frappe.db.count", "Comment", {"reference_name": incident, "content": ("like", "%不是我的事件%")}
	)
	assert not replies, "the refused reply left nothing on the incident"
	other.assert_clean()


def test_home_shows_the_visits_the_rep_planned(dealer_user, manager):
	"""Visits Planned on /dealer: the rep's next visit dates from today on, soonest first."""
	portal = dealer_user
	visit(portal, "/dealer")
	dealer = home_dealer(portal)
	heading = portal.page.locator("h4", has_text="拜访计划")
	assert heading.count() == 1, portal.page.locator("h4").all_inner_texts()
	today = manager.page.evaluate("frappe.datetime.get_today()")
	dates = sorted(
		{
			row["next_visit_date"]
			for row in manager.call(
				"frappe.client.get_list",
				doctype="Dealer Visit Log",
				filters={"dealer": dealer, "next_visit_date": [">=", today]},
				fields=["next_visit_date"],
				limit_page_length=0,
			)
		}
	)
	shown = portal.page.locator(".planned-visits .planned-visit")
	assert shown.count() == min(len(dates), 5), (shown.count(), dates)
	if dates:
		year, month, day = (int(part) for part in dates[0].split("-"))
		assert shown.first.inner_text().strip().startswith(f"{year}年{month}月{day}日"), (
			dates[0],
			shown.first.inner_text(),
		)
	else:
		assert "暂无拜访计划" in portal.page.inner_text("body"), "no plan: the zh notice says so"
	portal.shot("home-visits-planned")
	portal.assert_clean()


def test_rebates_show_the_rebate_account_balance_the_desk_reports(dealer_user, manager):
	portal = dealer_user
	visit(portal, "/dealer")
	dealer = home_dealer(portal)
	account = manager.call("dealer_relations.rebate_account.get_dealer_balance", dealer=dealer)
	movements = manager.call("dealer_relations.rebate_account.get_dealer_movements", dealer=dealer)
	visit(portal, "/dealer/rebates")
	if not movements["movements"]:
		assert not portal.page.locator(".rebate-account").count(), "no account section without movements"
		pytest.fail(f"the demo dealer {dealer} of {DEALER_USER} has no rebate account movements")
	portal.page.locator(".rebate-account").scroll_into_view_if_needed()
	portal.shot("rebates-account")
	assert figure(portal, ".rebate-account-balance") == pytest.approx(account["balance"], abs=0.01)
	assert figure(portal, ".rebate-account-available") == pytest.approx(account["available"], abs=0.01)
	assert figure(portal, ".rebate-account-expiring") == pytest.approx(account["expiring_90_days"], abs=0.01)
	rows = portal.page.locator(".rebate-account-movements .rebate-movement")
	assert rows.count() >= 1
	newest = movements["movements"][0]
	assert money(rows.first.locator("span.float-right").inner_text()) == pytest.approx(
		newest["amount"], abs=0.01
	)
	assert newest["entry_type_label"] in rows.first.inner_text()
	portal.assert_clean()


def test_statement_pdf_in_chinese_and_english(dealer_user):
	portal = dealer_user
	visit(portal, "/dealer/statement")
	links = portal.page.locator(".statement-pdf a[data-lang]")
	assert sorted(links.evaluate_all("els => els.map(e => e.dataset.lang)")) == ["en", "zh"]
	assert "下载" in links.first.inner_text(), links.first.inner_text()
	sizes = {}
	for lang in ("zh", "en"):
		href = portal.page.get_attribute(f".statement-pdf a[data-lang='{lang}']", "href")
		response = portal.page.request.get(f"{URL}{href}")
		assert response.status == 200, (lang, response.status, response.text()[:300])
		assert response.headers["content-type"].startswith("application/pdf"), response.headers
		body = response.body()
		assert body.startswith(b"%PDF"), body[:20]
		sizes[lang] = len(body)
	assert sizes["zh"] > 1000 and sizes["en"] > 1000, sizes
	portal.shot("statement-pdf-links")
	portal.assert_clean()


def test_dealer_raises_a_request_and_the_other_dealer_is_refused(
	dealer_user, other_dealer_user, manager, site
):
	"""/dealer/requests: the dealer raises an inquiry, finds it in the list, opens it with its
	conversation, reads the staff's reply and answers; the other dealer's user is refused it."""
	portal = dealer_user
	visit(portal, "/dealer/requests")
	stamp = date.today().strftime("%Y%m%d")
	subject = f"E2E 咨询：返利到账时间 {stamp}"
	description = "请问本季度返利什么时候可以用于下单？\n谢谢"
	form = portal.page.locator("form#request-new")
	form.locator("select[name='request_type']").select_option("Inquiry")
	form.locator("input[name='subject']").fill(subject)
	form.locator("textarea[name='description']").fill(description)
	portal.shot("request-new")
	issue = None
	try:
		with portal.page.expect_navigation():
			form.locator("button").click()
		portal.page.wait_for_load_state("networkidle")
		issue = site.execute("frappe.db.get_value", "Issue", {"subject": subject}, "name")
		assert issue, "the request is an Issue"
		stored = site.execute(
			"frappe.db.get_value", "Issue", issue, ["customer", "issue_type", "raised_by"], None, True
		)
		dealer = home_dealer_of(portal)
		assert stored["customer"] == site.get_value("Dealer", dealer, "customer")
		assert (stored["issue_type"], stored["raised_by"]) == ("Inquiry", DEALER_USER), stored
		item = portal.page.locator(f".dealer-request-list li[data-request='{issue}']")
		assert item.count() == 1 and subject in item.inner_text()
		assert "咨询" in item.inner_text(), item.inner_text()
		portal.shot("request-listed")

		# the company answers (as a desk user's mail to the dealer's user)
		site.execute(
			"frappe.client.insert",
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Sent",
				"subject": f"Re: {subject}",
				"content": "您好，返利结算审批后即可在下单时抵扣。",
				"sender": "chen.jing@demo.dealer-relations.test",
				"recipients": DEALER_USER,
				"reference_doctype": "Issue",
				"reference_name": issue,
			},
		)
		item.locator("a").click()
		portal.page.wait_for_selector(f".dealer-request[data-request='{issue}']", timeout=30_000)
		portal.page.wait_for_load_state("networkidle")
		page = portal.page.locator(".dealer-request")
		assert page.locator(".request-subject").inner_text().strip() == subject
		conversation = page.locator(".request-conversation")
		assert "请问本季度返利什么时候可以用于下单" in conversation.inner_text()
		assert conversation.locator(".request-staff-reply", has_text="返利结算审批后").count() == 1
		reply = f"E2E 收到，谢谢 {stamp}"
		page.locator("textarea[name='message']").fill(reply)
		with portal.page.expect_navigation():
			page.locator("form#request-reply button").click()
		portal.page.wait_for_load_state("networkidle")
		conversation = portal.page.locator(".request-conversation")
		assert conversation.locator(".request-dealer-message", has_text=reply).count() == 1
		portal.shot("request-replied")
		portal.assert_clean()

		other = other_dealer_user
		url = f"/dealer/requests?request={issue}"
		refused(other, f"{URL}/dealer/requests", visit(other, url).status)
		assert subject not in other.page.content(), "nothing of the request is shown"
		other.shot("other-dealer-request-refused")
		visit(other, "/dealer/requests")
		assert not other.page.locator(f"li[data-request='{issue}']").count()
		other.assert_clean()
	finally:
		if issue:
			messages = [
				row["name"]
				for row in site.execute(
					"frappe.get_all",
					"Communication",
					{"reference_doctype": "Issue", "reference_name": issue},
				)
			]
			if messages:
				site.execute("frappe.db.delete", "Communication Link", {"parent": ("in", messages)})
				site.execute("frappe.db.delete", "Communication", {"name": ("in", messages)})
			site.execute("frappe.delete_doc", "Issue", issue)
			assert not site.execute("frappe.db.exists", "Issue", issue)


def home_dealer_of(portal: Desk) -> str:
	return portal.page.evaluate(
		"() => fetch('/dealer').then(r => r.text())"
		".then(t => new DOMParser().parseFromString(t, 'text/html')"
		".querySelector('.dealer-standing').dataset.dealer)"
	)
