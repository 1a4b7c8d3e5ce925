"""What is wrong with a policy file, as one line: each problem names the key's path and
its line in the file, `penalties.compensation.min_fen: must be an integer, got 'x' (line 14)`.
pydantic's error locations are paths in the document, so their line is a lookup (line_of)."""
from __future__ import annotations

from difflib import get_close_matches
from types import UnionType
from typing import Union, get_args, get_origin

from .policy_model import PolicyFile, Section, shown

Lines = dict[tuple, int]        # path (str keys, int list indices) -> 1-based line of its key or item
Problem = tuple[int, str, str]  # line, dotted path, message: sorted, they come in file order


def problem(lines: Lines, path: tuple, message: str) -> Problem:
    return line_of(lines, path), dotted(path), message


def summary(problems: list[Problem], most: int = 3) -> str:
    """The first few problems in file order, in one line."""
    told = "; ".join(located(path, message, line) for line, path, message in sorted(problems)[:most])
    return told + (f"; and {len(problems) - most} more" if len(problems) > most else "")


def line_of(lines: Lines, path: tuple) -> int:
    """The line of `path`, or of the nearest mapping or list above it that is in the file."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def dotted(path: tuple) -> str:
    """('penalties', 'ship_late', 'steps', 1, 'min_fen') -> 'penalties.ship_late.steps[1].min_fen'"""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def where(line: int, column: int | None = None) -> str:
    return f"line {line}" + (f", column {column}" if column else "")


def located(path: str, message: str, line: int) -> str:
    return one_line(f"{path}: {message} ({where(line)})" if path else f"{message} ({where(line)})")


def one_line(text: str) -> str:
    return " ".join(text.split())


_KINDS = {"int_type": "an integer", "string_type": "a string", "list_type": "a list", "dict_type": "a mapping",
          "model_type": "a mapping", "bool_type": "true or false"}


def explain(error: dict) -> tuple[tuple, str]:
    """One of pydantic's errors as (path in the file, what is wrong in YAML's words)."""
    loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    key = loc[-1:] == ("[key]",)              # a mapping's key, not its value, is wrong
    loc = loc[:-1] if key else loc
    if kind == "missing":
        return loc, "missing"
    if kind == "extra_forbidden":
        return loc, f"unknown key{_did_you_mean(loc)}"
    if kind in _KINDS:
        return loc, f"{'key ' if key else ''}must be {_KINDS[kind]}, got {shown(value)}"
    if kind == "literal_error":
        return loc, f"must be {error['ctx']['expected']}, got {shown(value)}"
    if kind == "value_error":
        return loc, str(error["ctx"]["error"])
    return loc, f"{error['msg'][0].lower()}{error['msg'][1:]}, got {shown(value)}"


def _did_you_mean(loc: tuple) -> str:
    known = _keys_at(loc[:-1])
    close = get_close_matches(str(loc[-1]), known, n=1)
    return f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})" if known else ""


def _keys_at(loc: tuple) -> list[str]:
    """The keys the model allows in the mapping at `loc`, found by walking the models' field types."""
    annotation = PolicyFile
    for part in (*loc, None):
        if get_origin(annotation) in (Union, UnionType):           # X | None -> X
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        if part is None:
            break
        if isinstance(annotation, type) and issubclass(annotation, Section) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        elif get_origin(annotation) in (list, dict):                # the part is an index or a key
            annotation = get_args(annotation)[-1]
        else:
            return []
    return list(annotation.model_fields) if isinstance(annotation, type) and issubclass(annotation, Section) else []
