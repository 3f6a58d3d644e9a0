"""Customer: a Dealer follows its Customer's rename; a warning when an ERPNext credit limit is set on a
dealer's customer (services: dealer_relations.dealer)."""

from __future__ import annotations

from dealer_relations import dealer


def rename_dealer_with_customer(doc, method=None, old_name=None, new_name=None, merge=False) -> None:
	dealer.rename_dealer_with_customer(doc, method, old_name, new_name, merge)


def warn_about_erpnext_credit_limits(doc, method=None) -> None:
	dealer.warn_about_erpnext_credit_limits(doc, method)
