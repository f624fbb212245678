"""Immutable records, the plain data that flows between the stages: frozen dataclasses with slots, pickled fast.

A large site's records cross between processes and go to the disk cache by the
million. A frozen dataclass with slots pickles through a Python `__getstate__`
that looks its fields up again for every object; a record pickles as its class
and its field values, read in C (about twice as fast both ways).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter


def record(cls=None, /, *, order: bool = False):
    """`@record` or `@record(order=True)`: a frozen dataclass with slots that pickles as its class and field values."""

    def make(cls):
        cls = dataclass(frozen=True, slots=True, order=order)(cls)
        names = [f.name for f in fields(cls)]
        values = attrgetter(*names) if len(names) > 1 else (lambda record, one=attrgetter(names[0]): (one(record),))

        def __reduce__(self):
            return cls, values(self)

        cls.__reduce__ = __reduce__
        return cls

    return make if cls is None else make(cls)
