from dealer_relations.setup.install import make_custom_fields


def execute():
	"""Re-apply the app's custom fields on migrate so upgrades pick up new or changed definitions."""
	make_custom_fields()
