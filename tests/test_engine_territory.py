from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.territory import (
	TerritoryTree,
	covering_territory,
	duplicate_entries,
	is_territory_authorised,
	redundant_territories,
)

# All Territories -> East China -> Jiangsu -> Nanjing / Suzhou; East China -> Zhejiang -> Hangzhou
TREE = TerritoryTree(
	{
		"All Territories": None,
		"East China": "All Territories",
		"Jiangsu": "East China",
		"Nanjing": "Jiangsu",
		"Suzhou": "Jiangsu",
		"Zhejiang": "East China",
		"Hangzhou": "Zhejiang",
		"South China": "All Territories",
		"Guangdong": "South China",
	}
)


def test_group_territory_covers_its_subtree():
	assert is_territory_authorised("Nanjing", ["Jiangsu"], TREE)
	assert is_territory_authorised("Jiangsu", ["Jiangsu"], TREE)
	assert is_territory_authorised("Hangzhou", ["East China"], TREE)


def test_sibling_and_parent_are_not_covered():
	assert not is_territory_authorised("Hangzhou", ["Jiangsu"], TREE)
	assert not is_territory_authorised("East China", ["Jiangsu"], TREE)
	assert not is_territory_authorised("Guangdong", ["Nanjing", "Suzhou"], TREE)


def test_missing_or_unknown_territory():
	assert not is_territory_authorised(None, ["Jiangsu"], TREE)
	assert not is_territory_authorised("", ["Jiangsu"], TREE)
	assert not is_territory_authorised("Nanjing", [], TREE)
	# A territory the tree does not know is only covered when authorised by name.
	assert is_territory_authorised("Atlantis", ["Atlantis"], TREE)
	assert not is_territory_authorised("Atlantis", ["East China"], TREE)


def test_covering_territory_is_nearest_authorised_ancestor():
	assert covering_territory("Nanjing", ["East China", "Jiangsu"], TREE) == "Jiangsu"
	assert covering_territory("Hangzhou", ["East China", "Jiangsu"], TREE) == "East China"
	assert covering_territory("Guangdong", ["East China"], TREE) is None


def test_redundant_territories():
	assert redundant_territories(["East China", "Nanjing", "Guangdong"], TREE) == {"Nanjing": "East China"}
	assert redundant_territories(["Nanjing", "Suzhou"], TREE) == {}


def test_cycle_in_tree_does_not_hang():
	cyclic = TerritoryTree({"A": "B", "B": "A"})
	assert cyclic.ancestors("A") == ["A", "B"]
	assert not is_territory_authorised("A", ["C"], cyclic)


def test_duplicate_entries():
	assert duplicate_entries(["a", "b", "a", "c", "b", "a"]) == ["a", "b"]
	assert duplicate_entries([]) == []


@st.composite
def trees(draw):
	"""Random forests: node i's parent is some earlier node (or none), so there are no cycles."""
	size = draw(st.integers(min_value=1, max_value=30))
	parent_of = {}
	for i in range(size):
		parent = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=i - 1))) if i else None
		parent_of[f"T{i}"] = None if parent is None else f"T{parent}"
	return TerritoryTree(parent_of)


@given(trees(), st.data())
def test_authorised_iff_some_granted_node_is_ancestor(tree, data):
	nodes = sorted(tree.parent_of)
	granted = data.draw(st.lists(st.sampled_from(nodes), max_size=5))
	territory = data.draw(st.sampled_from(nodes))
	expected = any(tree.is_within(territory, root) for root in granted)
	assert is_territory_authorised(territory, granted, tree) == expected


@given(trees(), st.data())
def test_granting_more_never_revokes(tree, data):
	nodes = sorted(tree.parent_of)
	granted = data.draw(st.lists(st.sampled_from(nodes), max_size=5))
	extra = data.draw(st.sampled_from(nodes))
	for territory in nodes:
		if is_territory_authorised(territory, granted, tree):
			assert is_territory_authorised(territory, [*granted, extra], tree)


@given(trees(), st.data())
def test_dropping_redundant_territories_keeps_coverage(tree, data):
	nodes = sorted(tree.parent_of)
	granted = data.draw(st.lists(st.sampled_from(nodes), max_size=6, unique=True))
	minimal = [t for t in granted if t not in redundant_territories(granted, tree)]
	for territory in nodes:
		assert is_territory_authorised(territory, granted, tree) == is_territory_authorised(
			territory, minimal, tree
		)


def test_region_is_the_ancestor_below_the_root():
	from dealer_relations.engine.territory import region_of

	assert region_of("Nanjing", TREE) == "East China"
	assert region_of("East China", TREE) == "East China"
	assert region_of("All Territories", TREE) == "All Territories"


def test_dealers_count_once_per_region_and_tier():
	from dealer_relations.engine.territory import count_by_region_and_tier

	rows = [
		("D1", "A", "Nanjing"),
		("D1", "A", "Suzhou"),  # same region again: still one dealer
		("D1", "A", "Guangdong"),  # a second region: counts there too
		("D2", "B", "Hangzhou"),
		("D3", None, "Jiangsu"),
	]
	assert count_by_region_and_tier(rows, TREE) == {
		"East China": {"A": 1, "B": 1, None: 1},
		"South China": {"A": 1},
	}


@given(
	st.lists(
		st.tuples(
			st.sampled_from(["D1", "D2", "D3", "D4"]),
			st.sampled_from(["A", "B"]),
			st.sampled_from(list(TREE.parent_of)),
		)
	)
)
def test_region_counts_never_exceed_distinct_dealers(rows):
	from dealer_relations.engine.territory import count_by_region_and_tier

	# a dealer has one tier: take the first seen
	tier_of = {}
	rows = [(d, tier_of.setdefault(d, t), terr) for d, t, terr in rows]
	counts = count_by_region_and_tier(rows, TREE)
	for by_tier in counts.values():
		assert sum(by_tier.values()) <= len({d for d, _, _ in rows})
