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
		// The server enforces both rules; the form just does not offer what would be refused.
		const manager = frappe.user.has_role(["Dealer Manager", "System Manager"]);
		const restricted_rep =
			frappe.user.has_role("Dealer Sales Rep") &&
			!frappe.user.has_role([
				"Dealer Manager",
				"Credit Controller",
				"Rebate Accountant",
				"System Manager",
			]);
		frm.set_df_property("status", "read_only", manager ? 0 : 1);
		frm.set_df_property("sales_rep", "read_only", restricted_rep ? 1 : 0);
		frappe.dynamic_link = { doc: frm.doc, fieldname: "name", doctype: "Dealer" };
		frm.toggle_display(["address_html", "contact_html"], !frm.is_new());
		if (frm.is_new()) {
			frappe.contacts.clear_address_and_contact(frm);
			return;
		}
		frappe.contacts.render_address_and_contact(frm);

		if (!["Terminated"].includes(frm.doc.status) && frappe.model.can_create("Dealer Visit Log")) {
			frm.add_custom_button(__("Log Visit"), () =>
				frappe.new_doc("Dealer Visit Log", { dealer: frm.doc.name })
			);
		}
		if (
			["Prospect", "Active"].includes(frm.doc.status) &&
			frm.doc.next_visit_due &&
			frm.doc.next_visit_due < frappe.datetime.get_today()
		) {
			frm.dashboard.set_headline_alert(
				__("Visit overdue since {0}", [frappe.datetime.str_to_user(frm.doc.next_visit_due)]),
				"red"
			);
		}
		frm.add_custom_button(
			__("Visit Logs"),
			() => frappe.set_route("List", "Dealer Visit Log", { dealer: frm.doc.name }),
			__("View")
		);
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
		const labels = {
			Active: __("Activate"),
			Suspended: __("Suspend"),
			Terminated: __("Terminate"),
			Prospect: __("Re-open as Prospect"),
		};
		(frm.doc.__onload?.status_moves || []).forEach((status) => {
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
