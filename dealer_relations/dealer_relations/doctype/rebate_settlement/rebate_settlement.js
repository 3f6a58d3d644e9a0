// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Rebate Settlement", {
	setup(frm) {
		frm.set_query("rebate_policy", () => ({ filters: { docstatus: 1 } }));
	},

	refresh(frm) {
		if (frm.doc.rebate_policy && frm.doc.dealer) {
			frm.add_custom_button(
				__("Dealer Rebate Statement"),
				() =>
					frappe.set_route("query-report", "Dealer Rebate Statement", {
						rebate_policy: frm.doc.rebate_policy,
						dealer: frm.doc.dealer,
					}),
				__("View")
			);
		}
		for (const fieldname of ["journal_entry", "credit_note"]) {
			if (frm.doc[fieldname]) {
				frm.add_custom_button(
					__("Posted Entry"),
					() =>
						frappe.set_route(
							"Form",
							fieldname === "journal_entry" ? "Journal Entry" : "Sales Invoice",
							frm.doc[fieldname]
						),
					__("View")
				);
			}
		}
		if (frm.doc.docstatus === 0 && !frm.is_new()) {
			frm.set_intro(__("Amounts are recomputed from the ledger each time the settlement is saved."));
		}
	},
});
