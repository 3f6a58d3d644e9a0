from dealer_relations.setup.indexes import add_indexes


def execute():
	"""Sites installed before the scale work get the ledger indexes the credit check reads."""
	add_indexes()
