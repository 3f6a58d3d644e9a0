// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Rebate Account Adjustment", {
	setup(frm) {
		// the lots of the dealer in the company (the server refuses any other)
		frm.set_query("rebate_settlement", () => ({
			filters: { dealer: frm.doc.dealer, company: frm.doc.company, docstatus: 1 },
		}));
	},

	refresh(frm) {
		if (frm.doc.dealer && !frm.is_new()) {
			frm.add_custom_button(
				__("Dealer Rebate Account"),
				() =>
					frappe.set_route("query-report", "Dealer Rebate Account", {
						company: frm.doc.company,
						dealer: frm.doc.dealer,
					}),
				__("View")
			);
		}
	},
});
