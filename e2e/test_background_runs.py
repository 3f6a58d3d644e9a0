"""A long run's progress bar moves: the year-end jobs run on this bench's worker and their
progress reaches the desk through this bench's realtime server (issue 16, finding 14: with another
bench's realtime server the desk logs "Invalid namespace" and the bar never moves)."""

from __future__ import annotations

import math

from test_desk import submitted_policy

SETTINGS = "Dealer Relations Settings"
# every width the progress dialog's bar takes, as the user sees it (the dialog hides at 100 %)
RECORD_PROGRESS = """() => {
	window.e2e_progress = [];
	const show = frappe.show_progress;
	frappe.show_progress = function (...args) {
		const dialog = show.apply(this, args);
		window.e2e_progress.push({title: args[0], width: dialog.progress_bar[0].style.width});
		return dialog;
	};
}"""


def test_create_settlements_progress_bar_moves(accountant, site):
	policy = submitted_policy(accountant)
	dealers = site.execute("frappe.db.count", "Rebate Settlement", {"rebate_policy": policy}) or 0
	assert dealers >= 4, "the demo policy covers a few dealers"
	per_job = site.get_value(SETTINGS, SETTINGS, "dealers_per_job")
	# four jobs, one after another on the one worker: the bar takes four steps
	site.set_value(SETTINGS, SETTINGS, "dealers_per_job", math.ceil(dealers / 4))
	try:
		accountant.goto(f"rebate-policy/{policy}")
		accountant.page.wait_for_function(
			"(p) => window.cur_frm && cur_frm.doctype === 'Rebate Policy' && cur_frm.doc.name === p",
			arg=policy,
		)
		accountant.page.evaluate(RECORD_PROGRESS)
		label = accountant.page.evaluate(
			"__(cur_frm.doc.settlements_created_on ? 'Refresh Settlements' : 'Create Settlements')"
		)
		accountant.page.locator(".page-actions button:visible", has_text=label).first.click()
		accountant.page.locator(
			".modal:visible .btn-primary", has_text=accountant.page.evaluate("__('Yes')")
		).click()
		accountant.wait_or_shoot(
			"() => window.e2e_progress.some(step => step.width === '100%')", timeout=180_000
		)
		steps = accountant.page.evaluate("window.e2e_progress")
		# this run's bar. Its title comes from the worker, which Frappe 15 runs in the site's
		# language (execute_job sets the user, not the user's language): English until the app
		# publishes progress in the enqueuing user's language.
		titles = {
			"Creating Rebate Settlements",
			accountant.page.evaluate("__('Creating Rebate Settlements')"),
		}
		assert {step["title"] for step in steps} <= titles, steps
		widths = [float(step["width"].rstrip("%")) for step in steps]
		assert widths == sorted(widths) and len(set(widths)) >= 2 and widths[-1] == 100, widths
		accountant.shot("settlements-progress")
		# the form reloads when the run is done: the run's date is there
		accountant.wait_or_shoot(
			"() => cur_frm.doc.settlements_created_on && !frappe.cur_progress", timeout=30_000
		)
	finally:
		site.set_value(SETTINGS, SETTINGS, "dealers_per_job", per_job or 0)
	accountant.assert_clean()
