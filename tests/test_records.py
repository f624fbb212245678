"""Records: frozen, with slots, and pickled as their class and field values."""

import copy
import dataclasses
import pickle

import pytest

from briefing.records import record


@record
class One:
    name: str


@record(order=True)
class Pair:
    key: int
    value: tuple = ()


def test_records_pickle_and_copy_to_equal_records():
    for item in (One("nio"), Pair(2, (One("a"), Pair(1)))):
        assert pickle.loads(pickle.dumps(item, protocol=5)) == item
        assert copy.deepcopy(item) == item


def test_a_record_pickles_as_its_class_and_fields_not_a_state_dictionary():
    assert Pair(1, ("x",)).__reduce__() == (Pair, (1, ("x",)))
    assert One("nio").__reduce__() == (One, ("nio",))


def test_records_are_frozen_ordered_when_asked_and_have_no_instance_dictionary():
    pair = Pair(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pair.key = 2
    assert not hasattr(pair, "__dict__")
    assert sorted([Pair(2), Pair(1)]) == [Pair(1), Pair(2)]
    assert dataclasses.replace(pair, key=3) == Pair(3)


@record
class WithTable:
    name: str
    table: dict = dataclasses.field(hash=False)


def test_records_compare_hash_and_show_as_dataclasses_do():
    assert Pair(1, ("x",)) == Pair(1, ("x",)) and hash(Pair(1, ("x",))) == hash(Pair(1, ("x",)))
    assert Pair(1) != Pair(2) and Pair(1) != One(1) and One("a") != ("a",)
    assert hash(WithTable("a", {"k": 1})) == hash(WithTable("a", {"k": 2}))  # a dict left out of the hash
    assert WithTable("a", {"k": 1}) != WithTable("a", {"k": 2})
    assert repr(Pair(1, (One("a"),))) == "Pair(key=1, value=(One(name='a'),))"
    with pytest.raises(TypeError):
        Pair(1) < One("a")


@record
class Named:
    self_name: str  # field names that could meet the names __init__ uses itself
    default_value: int = 0
    set_field: tuple = ()


def test_records_are_made_as_a_frozen_dataclass_is():
    assert Named("a", set_field=(1,)) == Named(self_name="a", default_value=0, set_field=(1,))
    assert (Named("a").default_value, Named("a").set_field) == (0, ())
    with pytest.raises(TypeError):
        Named()
    with pytest.raises(TypeError):
        Named("a", 1, (), "one too many")
    with pytest.raises(dataclasses.FrozenInstanceError):
        del Named("a").self_name
    assert [f.name for f in dataclasses.fields(Named)] == ["self_name", "default_value", "set_field"]


def test_a_record_refuses_a_default_factory():
    with pytest.raises(TypeError, match="no default_factory"):
        @record
        class Mutable:
            items: list = dataclasses.field(default_factory=list)
