// Free goods (货补) on a Sales Order made by "Make Free Goods Order": a line added by hand is given
// at 100 % off the free-goods price list (rate 0). The server refuses any other rate, values the
// goods from the price list itself and reserves them from the dealer's rebate balance on submit.
frappe.ui.form.on("Sales Order Item", {
	price_list_rate(frm, cdt, cdn) {
		if (!frm.doc.rebate_free_goods || frm.doc.docstatus !== 0) return;
		const row = locals[cdt][cdn];
		if (row.discount_percentage !== 100) {
			frappe.model.set_value(cdt, cdn, "discount_percentage", 100);
		}
	},
});

frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		if (frm.doc.rebate_free_goods) {
			frm.dashboard.set_headline_alert(
				__("Free goods paid from the dealer's rebate balance: {0}", [
					format_currency(frm.doc.rebate_goods_value, frm.doc.currency),
				]),
				"blue"
			);
		}
	},
});
