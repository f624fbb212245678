"""Immutable records, the plain data that flows between the stages: frozen dataclasses with slots, pickled fast.

A large site's records cross between processes and go to the disk cache by the
million. A frozen dataclass with slots pickles through a Python `__getstate__`
that looks its fields up again for every object; a record pickles as its class
and its field values, read in C (about twice as fast both ways).

Every command in a new process defines some fifty records before it does
anything, and `dataclass` compiles each method of each from source: three for
a frozen one with slots, six with its comparisons and repr. Here it only reads
the fields; each record compiles its `__init__` alone, and every other method
is written once for all of them: the same behaviour, at a third of the cost of
defining a record (20 ms of every command).
"""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, dataclass, fields
from operator import attrgetter


def record(cls=None, /, *, order: bool = False):
    """`@record` or `@record(order=True)`: a frozen dataclass with slots that pickles as its class and field values."""

    def make(cls):
        if cls.__doc__ is None:
            cls.__doc__ = cls.__name__  # else dataclass makes one from the signature, which costs as much as a method
        cls = dataclass(slots=True, init=False, repr=False, eq=False)(cls)
        cls.__init__ = initializer(cls)
        cls.__setattr__, cls.__delattr__ = refuse_assignment, refuse_deletion
        names = [f.name for f in fields(cls)]
        values = getter(names)
        hashed = getter([f.name for f in fields(cls) if (f.hash if f.hash is not None else f.compare)])

        def __eq__(self, other):
            if other.__class__ is self.__class__:
                return values(self) == values(other)
            return NotImplemented

        def __hash__(self):
            return hash(hashed(self))

        def __repr__(self):
            return f"{type(self).__qualname__}({', '.join(f'{name}={value!r}' for name, value in zip(names, values(self)))})"

        def __reduce__(self):
            return cls, values(self)

        cls.__eq__, cls.__hash__, cls.__repr__, cls.__reduce__ = __eq__, __hash__, __repr__, __reduce__
        if order:
            for name, compare in (("__lt__", tuple.__lt__), ("__le__", tuple.__le__), ("__gt__", tuple.__gt__), ("__ge__", tuple.__ge__)):
                setattr(cls, name, ordering(values, compare, name))
        return cls

    return make if cls is None else make(cls)


def initializer(cls) -> object:
    """The `__init__` a frozen dataclass would have: every field a parameter, with its default."""
    namespace, parameters, lines = {"__set_field__": object.__setattr__}, [], []
    for f in fields(cls):
        if f.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: a record's fields hold immutable values, so no default_factory")
        if f.default is MISSING:
            parameters.append(f.name)
        else:
            namespace[f"__default_{f.name}__"] = f.default
            parameters.append(f"{f.name}=__default_{f.name}__")
        lines.append(f"    __set_field__(self, {f.name!r}, {f.name})")
    exec(f"def __init__(self, {', '.join(parameters)}):\n" + "\n".join(lines or ["    pass"]), namespace)
    method = namespace["__init__"]
    method.__qualname__ = f"{cls.__qualname__}.__init__"
    return method


def refuse_assignment(self, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def refuse_deletion(self, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def getter(names: list[str]):
    """The named fields of a record as a tuple, read in C."""
    if len(names) == 1:
        return lambda record, one=attrgetter(names[0]): (one(record),)
    return attrgetter(*names) if names else (lambda record: ())


def ordering(values, compare, name):
    def method(self, other):
        if other.__class__ is self.__class__:
            return compare(values(self), values(other))
        return NotImplemented

    method.__name__ = method.__qualname__ = name
    return method
