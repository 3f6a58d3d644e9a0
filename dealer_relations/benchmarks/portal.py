"""Each /dealer page rendered by Frappe's website renderer as a dealer's portal user, beside the
largest query it runs, and its query count at two history lengths.

The dealers are the active dealers with the most and the fewest invoices (the bulk data's); each
gets a portal user here, and requests (Issues with a conversation) in proportion — all inside the
section's savepoint, rolled back. A page is rendered once with its SQL recorded; its slowest
statement is re-run alone as the floor (as the reports section does).

    bench --site SITE execute dealer_relations.benchmarks.run --kwargs "{'only': ['portal']}"
"""

from __future__ import annotations

import importlib

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import add_months, getdate, set_request, today

from dealer_relations.benchmarks import Report, Row, timed_pair
from dealer_relations.benchmarks.hooks import pick_dealers
from dealer_relations.benchmarks.reports import recorded_queries
from dealer_relations.engine.dealer_requests import COMPLAINT, INQUIRY
from dealer_relations.engine.statement import month_of

# (page, its www module, query string) in the portal sidebar's order; the request page opens the
# busiest request
PAGES = (
	("/dealer", "index", {}),
	("/dealer/statement", "statement", {"month": "last"}),
	("/dealer/rebates", "rebates", {}),
	("/dealer/incidents", "incidents", {}),
	("/dealer/requests", "requests", {}),
	("/dealer/requests", "requests", {"request": "busiest"}),
)
# Frappe's own account page: the website's chrome (navbar, footer, sidebar) with no data of the app
CHROME_PAGE = "/me"
# requests and messages per request: the big dealer's history and the small one's
HISTORY = {"big": (30, 6), "small": (1, 1)}
# diversion incidents each dealer is given (the bulk data's, moved to it): the incidents page of a
# dealer without any stops after its first query, which measured nothing of the page
INCIDENTS = {"big": 10, "small": 1}


def run(report: Report, repeat: int = 3, **options) -> None:
	big, small = pick_dealers()
	if not big:
		print("No active dealer with invoices on this site: portal not measured.")
		return
	users = {}
	for label, dealer in (("big", big), ("small", small)):
		users[label] = make_portal_user(dealer, f"bench-portal-{label}@example.com")
		users[label].busiest = make_requests(dealer, users[label].name, *HISTORY[label])
		give_incidents(dealer, INCIDENTS[label])
	month = month_of(getdate(add_months(today(), -1))).key
	try:
		for path, module, query in PAGES:
			measure(report, path, module, query, users, big, small, month, int(repeat))
		measure_responses(report, users["big"], month, int(repeat))
	finally:
		frappe.set_user("Administrator")
		frappe.local.form_dict = frappe._dict()


def make_portal_user(dealer: frappe._dict, email: str) -> frappe._dict:
	"""A website user with role Customer in the dealer's Customer's Portal Users."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": "Bench",
				"user_type": "Website User",
				"send_welcome_email": 0,
				"roles": [{"role": "Customer"}],
			}
		).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Portal User",
			"parent": dealer.customer,
			"parenttype": "Customer",
			"parentfield": "portal_users",
			"user": email,
			"idx": 99,
		}
	).db_insert()
	return frappe._dict(name=email, dealer=dealer)


def make_requests(dealer: frappe._dict, user: str, requests: int, messages: int) -> str | None:
	"""``requests`` Issues raised by the user on the dealer's customer, the first with ``messages``
	answers from staff and the dealer each; returns the first (the busiest)."""
	busiest = None
	for n in range(requests):
		issue = frappe.get_doc(
			{
				"doctype": "Issue",
				"subject": f"Benchmark request {n}",
				"description": "A pallet arrived damaged",
				"issue_type": COMPLAINT if n % 2 else INQUIRY,
				"customer": dealer.customer,
				"company": dealer.company,
				"raised_by": user,
			}
		).insert(ignore_permissions=True)
		busiest = busiest or issue.name
	for n in range(messages if busiest else 0):
		for sent_or_received, sender, recipients in (
			("Sent", "support@example.com", user),
			("Received", user, None),
		):
			frappe.get_doc(
				{
					"doctype": "Communication",
					"communication_type": "Communication",
					"communication_medium": "Email",
					"sent_or_received": sent_or_received,
					"subject": "Benchmark request 0",
					"sender": sender,
					"recipients": recipients,
					"content": f"<p>Message {n}</p>",
					"reference_doctype": "Issue",
					"reference_name": busiest,
				}
			).insert(ignore_permissions=True)
	return busiest


def give_incidents(dealer: frappe._dict, count: int) -> None:
	"""Make ``count`` of the bulk data's incidents (submitted or draft, with their item lines) the
	dealer's, when it has fewer (inside the section's savepoint, rolled back)."""
	incident = frappe.qb.DocType("Diversion Incident")
	own = (
		frappe.qb.from_(incident)
		.select(Count("*"))
		.where(incident.dealer == dealer.name)
		.where(incident.docstatus < 2)
	).run()[0][0]
	if own >= count:
		return
	names = (
		frappe.qb.from_(incident)
		.select(incident.name)
		.where(incident.dealer != dealer.name)
		.where(incident.company == dealer.company)
		.where(incident.docstatus < 2)
		.orderby(incident.name)
		.limit(count - own)
	).run(pluck=True)
	if names:
		frappe.qb.update(incident).set(incident.dealer, dealer.name).where(incident.name.isin(names)).run()


def page_context(module: str, query: dict) -> frappe._dict:
	"""The page's own server work: its get_context, as Frappe's renderer calls it, in a fresh
	request: Frappe empties its request-local cache (``frappe.local.cache``) at each request's init,
	so cached documents, values and meta come from Redis as they do for a real request, not from the
	previous run's memory."""
	frappe.local.cache = {}
	frappe.local.form_dict = frappe._dict(query)
	page = importlib.import_module(f"dealer_relations.www.dealer.{module}")
	return page.get_context(frappe._dict())


def render(path: str, query: dict) -> str:
	"""The whole page as Frappe's website serves it to the session user: a fresh request's
	template environment (Frappe makes one per request and per user), no exception handling."""
	from frappe.website.serve import get_response_without_exception_handling

	frappe.local.jenv = None
	set_request(method="GET", path=path, query_string=query)
	frappe.local.form_dict = frappe._dict(query)
	response = get_response_without_exception_handling(path)
	if response.status_code != 200:
		raise AssertionError(f"{path} answered {response.status_code}")
	return response.get_data(as_text=True)


def page_query(query: dict, user: frappe._dict, month: str) -> dict:
	values = {"last": month, "busiest": user.busiest}
	return {key: values.get(value, value) for key, value in query.items()}


def label_of(path: str, query: dict) -> str:
	return path + ("?request=…" if "request" in query else "")


def measure(report, path, module, query, users, big, small, month, repeat) -> None:
	"""The page's context beside its largest query, and its query count for both dealers."""
	name = f"page: {label_of(path, query)}"
	try:
		counts = {}
		for label in ("small", "big"):
			frappe.set_user(users[label].name)
			args = (module, page_query(query, users[label], month))
			page_context(*args)  # warm caches (meta, settings)
			with recorded_queries() as queries:
				page_context(*args)
			counts[label] = queries
		frappe.set_user(users["big"].name)
		args = (module, page_query(query, users["big"], month))
		statements = main_statements(lambda: page_context(*args))
		slowest = statements[0]
		seconds, floor, _ = timed_pair(
			lambda: page_context(*args), lambda: frappe.db.sql(slowest), repeat=repeat
		)
		# and beside all its statements re-sent alone, in turns too: what the page adds to its SQL
		with_all, all_alone, _ = timed_pair(
			lambda: page_context(*args),
			lambda: [frappe.db.sql(sql) for sql in statements],
			repeat=repeat,
		)
		small_q, big_q = len(counts["small"]), len(counts["big"])
		report.add(
			Row(
				name,
				seconds,
				"its main query alone",
				floor,
				target=2,
				queries=big_q,
				note=(
					f"all {big_q} queries alone {all_alone * 1000:.1f} ms ({with_all / all_alone:.2f}x); "
					f"small dealer ({small.invoices} invoices, {HISTORY['small'][0]} request, "
					f"{INCIDENTS['small']} incident): {small_q} q, "
					f"big dealer ({big.invoices} invoices, {HISTORY['big'][0]} requests, "
					f"{INCIDENTS['big']} incidents): {big_q} q -> "
					f"{'constant' if small_q == big_q else 'NOT constant'}"
				),
			)
		)
	except Exception as error:  # a benchmark prints what failed and goes on
		frappe.set_user("Administrator")
		print(f"  {name}: failed: {error!r}")


def main_statements(fn, runs: int = 5) -> list[str]:
	"""The statements ``fn`` runs, slowest first by their best time over ``runs`` recorded runs
	(one run's order is the machine's noise on sub-millisecond queries)."""
	best: list[float] = []
	sql: list[str] = []
	for _run in range(runs):
		with recorded_queries() as queries:
			fn()
		if not sql:
			sql = [statement for _seconds, statement in queries]
			best = [seconds for seconds, _statement in queries]
		else:
			best = [min(a, seconds) for a, (seconds, _statement) in zip(best, queries, strict=False)]
	return [
		statement for _seconds, statement in sorted(zip(best, sql, strict=True), key=lambda pair: -pair[0])
	]


def measure_responses(report, user, month, repeat) -> None:
	"""Each whole response as Frappe serves it, beside Frappe's own account page served the same
	way: the website's chrome, the same for every portal page (no target: it is Frappe's)."""
	frappe.set_user(user.name)
	try:
		render(CHROME_PAGE, {})
		chrome = {"path": CHROME_PAGE}
		for path, _module, query in PAGES:
			args = (path, page_query(query, user, month))
			render(*args)
			seconds, floor, _ = timed_pair(
				lambda args=args: render(*args), lambda: render(chrome["path"], {}), repeat=repeat
			)
			report.add(
				Row(f"response: {label_of(path, query)}", seconds, f"Frappe's {CHROME_PAGE} page", floor)
			)
	except Exception as error:
		print(f"  responses: failed: {error!r}")
	finally:
		frappe.set_user("Administrator")
