// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Dealer", {
	setup(frm) {
		frm.set_query("sales_rep", () => ({
			filters: { enabled: 1, user_type: "System User" },
		}));
		frm.set_query("customer", () => ({ filters: { disabled: 0 } }));
	},

	refresh(frm) {
		frappe.dynamic_link = { doc: frm.doc, fieldname: "name", doctype: "Dealer" };
		frm.toggle_display(["address_html", "contact_html"], !frm.is_new());
		if (frm.is_new()) {
			frappe.contacts.clear_address_and_contact(frm);
			return;
		}
		frappe.contacts.render_address_and_contact(frm);

		frm.add_custom_button(
			__("Customer"),
			() => frappe.set_route("Form", "Customer", frm.doc.customer),
			__("View")
		);
		frm.add_custom_button(
			__("Sales Invoices"),
			() => frappe.set_route("List", "Sales Invoice", { customer: frm.doc.customer }),
			__("View")
		);
		frm.trigger("add_status_buttons");
	},

	add_status_buttons(frm) {
		const can_manage = frappe.user.has_role(["Dealer Manager", "System Manager"]);
		if (!can_manage || frm.is_dirty()) return;
		const moves = {
			Prospect: ["Active", "Terminated"],
			Active: ["Suspended", "Terminated"],
			Suspended: ["Active", "Terminated"],
			Terminated: ["Prospect"],
		};
		const labels = {
			Active: __("Activate"),
			Suspended: __("Suspend"),
			Terminated: __("Terminate"),
			Prospect: __("Re-open as Prospect"),
		};
		(moves[frm.doc.status] || []).forEach((status) => {
			frm.add_custom_button(
				labels[status],
				() => {
					frappe.confirm(
						__("Set the status of {0} to {1}?", [frm.doc.dealer_name, __(status)]),
						() => {
							frm.set_value("status", status);
							frm.save();
						}
					);
				},
				__("Status")
			);
		});
	},

	customer(frm) {
		if (frm.doc.customer && !frm.doc.company) {
			frm.set_value("company", frappe.defaults.get_user_default("Company"));
		}
	},
});
