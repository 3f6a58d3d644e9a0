"""Business rules of Dealer Relations, free of Frappe.

Everything here is plain Python (dataclasses, Decimal money) so the rules can be tested on any
machine. The Frappe layer loads data, calls these functions and writes the results; it never
re-implements a rule.
"""
