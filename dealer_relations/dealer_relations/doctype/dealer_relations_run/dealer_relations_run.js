// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Dealer Relations Run", {
	refresh(frm) {
		frm.disable_save();
		frappe
			.call("dealer_relations.runs.get_run_status", { run: frm.doc.name })
			.then(({ message: run }) => {
				frm.set_intro(run.summary, run.lost ? "red" : run.status === "Finished" ? "green" : "blue");
				if (!run.can_resume) return;
				frm.add_custom_button(__("Resume Run"), () =>
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
			});
	},
});
