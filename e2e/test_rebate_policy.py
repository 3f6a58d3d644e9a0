"""Rebate policies as zh users see them (issue 18): the accountant simulates the draft policy
beside the running one, reads the monthly accruals of the running policy, and a rep reads the
completion of their dealers' annual targets. Needs the demo's policies (make demo)."""

from __future__ import annotations

import pytest
from test_desk import REPORT_SETTLED, UPSTREAM_CHART_RACE
from test_rebate_account import open_dealer

SIMULATION = "Rebate Policy Simulation"
TARGET_REPORT = "Dealer Target Completion"


def policies(desk, **filters) -> list[dict]:
	return desk.call(
		"frappe.client.get_list",
		doctype="Rebate Policy",
		filters=filters,
		fields=["name", "docstatus", "basis", "from_date", "to_date"],
		order_by="from_date desc",
		limit_page_length=0,
	)


def open_policy(desk, policy: str) -> None:
	desk.goto(f"rebate-policy/{policy}")
	desk.wait_or_shoot(
		"(p) => window.cur_frm && cur_frm.doctype === 'Rebate Policy' && cur_frm.doc.name === p"
		" && !cur_frm.is_dirty()",
		arg=policy,
		timeout=30_000,
	)
	desk.page.wait_for_load_state("networkidle")


def click_button(desk, label: str, group: str | None = None) -> None:
	"""A form's button (zh label), or one in a group menu such as View."""
	text = desk.page.evaluate("(l) => __(l)", label)
	assert text != label, f"'{label}' has a zh label"
	if group:
		menu = desk.page.evaluate("(g) => __(g)", group)
		box = desk.page.locator(f".page-actions .inner-group-button:has(button:has-text('{menu}'))")
		box.locator("button.dropdown-toggle, button").first.click()
		box.locator(f".dropdown-menu a:has-text('{text}')").first.click()
	else:
		desk.page.click(f".page-actions button:has-text('{text}')")


def test_accountant_simulates_the_draft_policy(accountant):
	"""Simulate on the draft policy opens the Rebate Policy Simulation with the draft, the policy it
	is compared with and last year's period: a row per dealer tier and a total, a chart, and the
	figures the server's report run gives for the same filters."""
	drafts = [p for p in policies(accountant, docstatus=0) if "草案" in p["name"]]
	if not drafts:
		pytest.fail("no draft policy (年度返利政策 YYYY 草案) on the demo site: run make demo")
	draft = drafts[0]["name"]
	open_policy(accountant, draft)
	accountant.shot("draft-policy")
	accountant.assert_clean()
	click_button(accountant, "Simulate")
	accountant.wait_or_shoot(
		"(p) => window.frappe.query_report && frappe.query_report.report_name === 'Rebate Policy Simulation'"
		" && frappe.query_report.get_filter_value('rebate_policy') === p",
		arg=draft,
		timeout=30_000,
	)
	accountant.wait_or_shoot(REPORT_SETTLED, arg=True, timeout=60_000)
	accountant.page.wait_for_selector(".chart-container svg, .frappe-chart", timeout=30_000)
	accountant.page.wait_for_load_state("networkidle")
	accountant.page.wait_for_timeout(1500)  # the chart's draw animation
	filters = accountant.page.evaluate("frappe.query_report.get_filter_values()")
	defaults = accountant.call("dealer_relations.simulation.get_simulation_defaults", policy=draft)
	for key in ("rebate_policy", "compare_policy", "from_date", "to_date"):
		assert filters.get(key) == defaults[key], (key, filters, defaults)
	assert defaults["compare_policy"], "the draft is compared with the policy running today"
	shown = accountant.page.evaluate("frappe.query_report.data")
	server = accountant.call("frappe.desk.query_report.run", report_name=SIMULATION, filters=filters)
	rows = [row for row in server["result"] if isinstance(row, dict)]
	total = accountant.page.evaluate("__('Total')")
	assert len(rows) >= 2 and rows[-1]["tier"] == total and rows[-1].get("bold"), rows
	assert [row["tier"] for row in shown] == [row["tier"] for row in rows]
	money = [column["fieldname"] for column in server["columns"] if column.get("fieldtype") == "Currency"]
	assert money, server["columns"]
	for mine, theirs in zip(shown, rows, strict=True):
		for field in money:
			assert (mine.get(field) or 0) == pytest.approx(theirs.get(field) or 0, abs=0.005), (
				field,
				mine,
				theirs,
			)
	# the total row adds up the tiers
	for field in money:
		if not field.endswith("_cost"):
			continue
		assert sum(row.get(field) or 0 for row in rows[:-1]) == pytest.approx(rows[-1][field] or 0, abs=0.05)
	# the chart shows the tiers' costs of both policies
	chart = server["chart"]
	assert chart["data"]["labels"] == [row["tier"] for row in rows[:-1]]
	assert len(chart["data"]["datasets"]) == 2, chart
	shown_labels = accountant.page.locator(".chart-container .x.axis text, .frappe-chart .x.axis text")
	assert shown_labels.count() >= len(rows) - 1, "the chart draws a bar group per tier"
	# the page speaks Chinese: the report's column headers are translated
	headers = accountant.page.locator(".dt-header .dt-cell__content").all_inner_texts()
	assert accountant.page.evaluate("__('Tier')") in " ".join(headers), headers
	if accountant.problems and all(UPSTREAM_CHART_RACE in problem for problem in accountant.problems):
		accountant.problems.clear()  # Frappe's chart redraw race (see test_desk.check_report)
	accountant.shot("policy-simulation")
	accountant.assert_clean()


def test_accountant_reads_the_monthly_accruals(accountant):
	"""View → Accruals on the running policy: the demo's eleven months, each with its Journal Entry."""
	running = [p for p in policies(accountant, docstatus=1, basis="Net Amount")]
	if not running:
		pytest.fail("no submitted Net Amount policy on the demo site: run make demo")
	policy = running[0]["name"]
	accruals = accountant.call(
		"frappe.client.get_list",
		doctype="Rebate Accrual",
		filters={"rebate_policy": policy},
		fields=["name", "month", "journal_entry"],
		order_by="month desc",
		limit_page_length=0,
	)
	assert len(accruals) == 11, f"the demo accrued January to November: {accruals}"
	open_policy(accountant, policy)
	click_button(accountant, "Accruals", group="View")
	accountant.wait_or_shoot(
		"(p) => window.cur_list && cur_list.doctype === 'Rebate Accrual'"
		" && (cur_list.filters || []).some(f => f[1] === 'rebate_policy' && f[3] === p)"
		" && cur_list.data && cur_list.data.length > 0",
		arg=policy,
		timeout=30_000,
	)
	accountant.page.wait_for_load_state("networkidle")
	listed = accountant.page.evaluate("cur_list.data.map(d => d.name)")
	count = accountant.page.evaluate("cur_list.data.length")
	assert count == min(len(accruals), 20) and set(listed) <= {a["name"] for a in accruals}, listed
	accountant.shot("accruals-list")
	accountant.assert_clean()

	latest = accruals[0]
	assert latest["journal_entry"], "an accrual that changed the figure has its Journal Entry"
	accountant.page.locator(f".list-row a[data-name='{latest['name']}']").first.click()
	accountant.wait_or_shoot(
		"(n) => window.cur_frm && cur_frm.doctype === 'Rebate Accrual' && cur_frm.doc.name === n",
		arg=latest["name"],
		timeout=30_000,
	)
	accountant.page.wait_for_load_state("networkidle")
	link = accountant.page.locator(
		f"[data-fieldname='journal_entry'] a[href*='{latest['journal_entry']}'],"
		f" [data-fieldname='journal_entry'] a:has-text('{latest['journal_entry']}')"
	)
	assert link.count() >= 1, "the accrual's form links its Journal Entry"
	method = accountant.page.evaluate("cur_frm.doc.accrual_method")
	shown = accountant.page.inner_text("[data-fieldname='accrual_method'] .control-value")
	assert shown.strip() == accountant.page.evaluate("(m) => __(m)", method) != method, (
		"the accrual method is shown in Chinese",
		shown,
	)
	entry = accountant.call(
		"frappe.client.get_value",
		doctype="Journal Entry",
		filters=latest["journal_entry"],
		fieldname=["name", "docstatus"],
	)
	assert entry and entry["docstatus"] == 1, entry
	accountant.shot("accrual")
	accountant.assert_clean()


def test_rep_reads_the_target_completion_of_their_dealers(rep, manager):
	"""The Dealer Target Completion report as a rep: their own dealers only (the Dealer list's
	rows), the same figures as the manager's report for them; and the Dealer form's completion."""
	targets = policies(manager, docstatus=1, basis="Target Completion")
	if not targets:
		pytest.fail("no submitted Target Completion policy on the demo site: run make demo")
	policy = targets[0]["name"]
	own = {
		row["name"]
		for row in rep.call("frappe.client.get_list", doctype="Dealer", fields=["name"], limit_page_length=0)
	}
	rep.goto(f"query-report/{TARGET_REPORT}")
	rep.wait_or_shoot(REPORT_SETTLED, arg=False, timeout=60_000)
	rep.page.evaluate("(p) => frappe.query_report.set_filter_value('rebate_policy', p)", policy)
	rep.wait_or_shoot(
		"(p) => frappe.query_report.get_filter_value('rebate_policy') === p", arg=policy, timeout=30_000
	)
	# the filter's change runs the report (no second run from the refresh button)
	rep.wait_or_shoot(REPORT_SETTLED, arg=True, timeout=60_000)
	rep.page.wait_for_load_state("networkidle")
	rep.wait_or_shoot(REPORT_SETTLED, arg=True, timeout=60_000)
	rep.wait_or_shoot(
		"() => frappe.query_report.$loading.is(':hidden') && frappe.query_report.$report.is(':visible')"
		" && document.querySelectorAll('.dt-scrollable .dt-row').length > 0",
		timeout=30_000,
	)
	shown = rep.page.evaluate("frappe.query_report.data")
	filters = rep.page.evaluate("frappe.query_report.get_filter_values()")
	mine = {row["dealer"]: row for row in shown if row.get("dealer")}
	assert mine and set(mine) <= own, (set(mine), own)
	everyone = {
		row["dealer"]: row
		for row in manager.call("frappe.desk.query_report.run", report_name=TARGET_REPORT, filters=filters)[
			"result"
		]
		if isinstance(row, dict) and row.get("dealer")
	}
	assert set(mine) == own & set(everyone), "the rep sees every dealer of theirs the policy covers"
	assert len(everyone) > len(mine), "the manager's report has other reps' dealers too"
	for dealer, row in mine.items():
		for field in ("target", "volume", "completion"):
			assert row.get(field) == pytest.approx(everyone[dealer].get(field), abs=0.01), (field, row)
	rep.shot("target-completion")
	rep.assert_clean()

	# the Dealer form shows the completion under each policy running today (none before it starts)
	dealer = sorted(mine)[0]
	running = rep.call("dealer_relations.rebate_targets.get_dealer_target_completion", dealer=dealer)
	open_dealer(rep, dealer)
	rep.page.wait_for_load_state("networkidle")
	dashboard = rep.page.inner_text(".form-dashboard") if rep.page.locator(".form-dashboard").count() else ""
	report_label = rep.page.evaluate("__('Dealer Target Completion')")
	button = rep.page.locator(f".page-actions .dropdown-menu a:has-text('{report_label}')")
	if running:
		for p in running:
			assert p["policy_name"] in dashboard, (p, dashboard)
		assert button.count() >= 1
	else:
		assert policy not in dashboard, "no completion before the policy starts"
		assert button.count() == 0, "no report button before a target policy runs"
	rep.shot("dealer-target-completion")
	rep.assert_clean()
