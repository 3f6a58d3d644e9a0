// "Apply Rebate Balance" on a dealer's Sales Order / Sales Invoice: asks the server for the most
// the document may deduct from the dealer's rebate account (返利池) and fills rebate_deduction.
// The server judges the deduction again on save and, under the dealer's lock, on submit.
["Sales Order", "Sales Invoice"].forEach((doctype) => {
	frappe.ui.form.on(doctype, {
		refresh(frm) {
			if (frm.doc.docstatus !== 0 || !frm.doc.dealer || frm.doc.is_return) return;
			frm.add_custom_button(__("Apply Rebate Balance"), () => {
				frappe
					.call({
						method: "dealer_relations.rebate_account.get_applicable_deduction",
						args: { doc: frm.doc },
					})
					.then(({ message }) => {
						if (!message) return;
						if (!message.rebate_deduction) {
							frappe.msgprint(__("No rebate balance can be deducted on this document"));
							return;
						}
						frm.set_value("rebate_deduction", message.rebate_deduction);
					});
			});
		},
	});
});
