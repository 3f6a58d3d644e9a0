from dealer_relations.setup.install import make_default_credit_settings


def execute():
	"""Sites installed before credit rating get the default factor weights and grades."""
	make_default_credit_settings()
