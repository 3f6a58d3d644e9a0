// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Dealer Tier", {
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Dealers"), () =>
				frappe.set_route("List", "Dealer", { tier: frm.doc.name })
			);
		}
	},
});
