// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

// Added (hooks.py doctype_js) to the forms that start a chunked background run and to the run's
// own form: the run's state in a line, and a button that queues again the jobs a stopped worker
// lost. The server says what to show (dealer_relations.runs.describe) and checks who may resume.
frappe.provide("dealer_relations");

// label: the (translated) button label; intro: the line to show, the run's summary by default.
dealer_relations.show_background_run = (frm, run, { label, intro, unfinished_only }) => {
	if (!run || (unfinished_only && run.status === "Finished")) return;
	const colour = run.lost ? "red" : run.status === "Finished" ? "green" : "blue";
	frm.set_intro(intro || run.summary, colour);
	if (!run.can_resume) return;
	frm.add_custom_button(label, () =>
		frappe
			.call({ method: "dealer_relations.runs.resume_run", args: { run: run.name }, freeze: true })
			.then(({ message }) => {
				frappe.show_alert({
					message: __("{0} job(s) queued again", [message.requeued]),
					indicator: "green",
				});
				frm.reload_doc();
			})
	);
};
