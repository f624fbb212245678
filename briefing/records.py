"""Immutable records, the plain data that flows between the stages: frozen dataclasses with slots, pickled fast.

A large site's records cross between processes and go to the disk cache by the
million. A frozen dataclass with slots pickles through a Python `__getstate__`
that looks its fields up again for every object; a record pickles as its class
and its field values, read in C (about twice as fast both ways).

Every command in a new process defines some forty records before it does
anything, and `dataclass` compiles each method of each from source. Only
`__init__` and the frozen `__setattr__`/`__delattr__` are left to it here; the
comparisons, hash and repr are the same for every record, written once: the
same behaviour, at half the cost of defining a record (15 ms of every command).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter


def record(cls=None, /, *, order: bool = False):
    """`@record` or `@record(order=True)`: a frozen dataclass with slots that pickles as its class and field values."""

    def make(cls):
        if cls.__doc__ is None:
            cls.__doc__ = cls.__name__  # else dataclass makes one from the signature, which costs as much as a method
        cls = dataclass(frozen=True, slots=True, repr=False, eq=False)(cls)
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
