// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Dealer Visit Log", {
	setup(frm) {
		frm.set_query("dealer", () => ({
			filters: { status: ["in", ["Prospect", "Active", "Suspended"]] },
		}));
		frm.set_query("contact", "attendees", () => ({
			query: "frappe.contacts.doctype.contact.contact.contact_query",
			filters: { link_doctype: "Customer", link_name: frm.doc.dealer },
		}));
	},

	refresh(frm) {
		if (navigator.geolocation && frm.doc.docstatus === 0) {
			frm.add_custom_button(__("Check In Here"), () => frm.trigger("check_in"));
		}
		if (frm.doc.is_off_site) {
			frm.dashboard.set_headline_alert(
				__("Checked in {0} m from the dealer's address", [
					format_number(frm.doc.distance_from_dealer, null, 0),
				]),
				"orange"
			);
		}
		if (frm.doc.dealer && !frm.is_new()) {
			frm.add_custom_button(__("Dealer"), () =>
				frappe.set_route("Form", "Dealer", frm.doc.dealer)
			);
		}
	},

	check_in(frm) {
		frappe.show_alert({ message: __("Getting your location..."), indicator: "blue" });
		navigator.geolocation.getCurrentPosition(
			(position) => {
				frm.set_value("checkin_latitude", position.coords.latitude);
				frm.set_value("checkin_longitude", position.coords.longitude);
				frm.set_value("checkin_accuracy", position.coords.accuracy);
				frappe.show_alert({ message: __("Location captured"), indicator: "green" });
			},
			(error) => {
				frappe.msgprint({
					title: __("Location Unavailable"),
					message: __("Could not read your location: {0}", [error.message]),
					indicator: "orange",
				});
			},
			{ enableHighAccuracy: true, timeout: 15000 }
		);
	},
});
