from dealer_relations.setup.install import make_role_profiles


def execute():
	"""Sites installed before role profiles shipped get them on upgrade (install makes them too)."""
	make_role_profiles()
