"""Bytes per key of the offline engine's states (issue 13): what a parcel, an order and its pickup
watch cost in memory, and as the stream's tables store them (JSON). Memory counts every object a
side's states reach once, so what the states of a side share (interned strings, one order's facts
referred to by its bindings) is not counted twice."""
from __future__ import annotations

import sys

from detectors.engine import Engine
from detectors.messages import ORDER, PARCEL, PICKUP

from ..service.codec import encode_state

_ATOMS = (str, bytes, int, float, bool, type(None))


def deep_bytes(roots, seen: set[int]) -> int:
    """sys.getsizeof over everything `roots` reach that is not in `seen` yet (then it is)."""
    total, stack = 0, list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, _ATOMS):
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        else:
            for cls in type(obj).__mro__:
                for name in getattr(cls, "__slots__", ()):
                    if hasattr(obj, name):
                        stack.append(getattr(obj, name))
    return total


def state_figures(engine: Engine) -> dict:
    """Per side: keys, memory bytes per key, JSON bytes per key (the stream's table value)."""
    out = {}
    for side in (PARCEL, ORDER, PICKUP):
        states = engine.states[side]
        n = max(len(states), 1)
        memory = deep_bytes(list(states.values()), set())
        encoded = sum(len(encode_state(s)) for s in states.values())
        out[side] = {"keys": len(states), "memory_bytes_per_key": round(memory / n),
                     "json_bytes_per_key": round(encoded / n)}
    return out
