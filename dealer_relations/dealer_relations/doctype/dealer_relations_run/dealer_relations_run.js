// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Dealer Relations Run", {
	refresh(frm) {
		frm.disable_save();
		frappe
			.call("dealer_relations.runs.get_run_status", { run: frm.doc.name })
			.then(({ message: run }) =>
				dealer_relations.show_background_run(frm, run, { label: __("Resume Run") })
			);
	},
});
