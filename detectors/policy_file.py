"""A policy file read and checked against its model (policy_model.py), every error one line
that names the key's path and its line in the file: `windows.not_received: missing (line 15)`.

The YAML is composed first (its nodes keep their start marks), the line of each path
recorded, and then constructed as yaml.safe_load would construct it. pydantic's error
locations are paths in the same document, so a path's line is a lookup (line_of).
"""
from __future__ import annotations

from difflib import get_close_matches
from types import UnionType
from typing import Union, get_args, get_origin

import yaml
from pydantic import ValidationError

from .policy_model import PolicyFile, Section, shown

Lines = dict[tuple, int]        # path (str keys, int list indices) -> 1-based line of its key or item
Problem = tuple[int, str, str]  # line, dotted path, message: sorted, they come in file order


class Invalid(ValueError):
    """What is wrong with a policy file, in one line that says where."""


def load(text: str) -> tuple[PolicyFile, Lines, list[Problem]]:
    """The file as its model, and its unknown keys: they are errors, but the caller goes on to
    check the rest too, so that a renamed section is reported with what its absence breaks."""
    data, lines = read(text)
    if not isinstance(data, dict):
        got = shown(data) if data is not None else "an empty file"
        raise Invalid(located("", f"the file must be a mapping of sections (version, windows, ...), got {got}",
                              line_of(lines, ())))
    try:
        return PolicyFile.model_validate(data), lines, []
    except ValidationError as exc:
        errors = exc.errors()
    found = [problem(lines, *explain(e)) for e in errors]
    if any(e["type"] != "extra_forbidden" for e in errors):
        raise Invalid(summary(found))
    for e in errors:
        holder = data
        for part in e["loc"][:-1]:
            holder = holder[part]
        holder.pop(e["loc"][-1], None)     # None: gone already, through an alias
    return PolicyFile.model_validate(data), lines, found


def problem(lines: Lines, path: tuple, message: str) -> Problem:
    return line_of(lines, path), dotted(path), message


def summary(problems: list[Problem], most: int = 3) -> str:
    """The first few problems in file order, in one line."""
    told = "; ".join(located(path, message, line) for line, path, message in sorted(problems)[:most])
    return told + (f"; and {len(problems) - most} more" if len(problems) > most else "")


def read(text: str) -> tuple[object, Lines]:
    try:
        loader = yaml.SafeLoader(text)     # checks every character of a str here
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        raise Invalid(f"not valid YAML: character #x{exc.character:04x}: {exc.reason} ({where(line, column)})") \
            from None
    try:
        node = loader.get_single_node()
        lines: Lines = {}
        if node is None:                   # empty, or only comments
            return None, lines
        lines[()] = node.start_mark.line + 1
        _walk(loader, node, (), lines, set())
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = one_line("; ".join(s for s in (exc.context, exc.problem) if s))
        at = f" ({where(mark.line + 1, mark.column + 1)})" if mark else ""
        raise Invalid(f"not valid YAML: {what}{at}") from None
    finally:
        loader.dispose()


def _walk(loader: yaml.SafeLoader, node: yaml.Node, path: tuple, lines: Lines, seen: set[int]) -> None:
    if id(node) in seen:       # an alias: walked once, where the anchor is (and no loop, no blow-up)
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue           # complex keys fail in construction; merged keys keep their anchor's line
            key = loader.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if (*path, key) in lines:      # safe_load would keep the last one silently
                first = lines[(*path, key)]
                raise Invalid(located(dotted((*path, key)), f"key given twice, first at line {first}", line))
            lines[(*path, key)] = line
            _walk(loader, value, (*path, key), lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(loader, item, (*path, index), lines, seen)


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
