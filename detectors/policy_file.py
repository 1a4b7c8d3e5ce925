"""A policy file read and checked against its model (policy_model.py); what is wrong is
told by policy_errors.py, with the line of the key to blame.

The YAML is composed first (its nodes keep their start marks), the line of each path
recorded, and then constructed as yaml.safe_load would construct it.
"""
from __future__ import annotations

import yaml
from pydantic import ValidationError

from .policy_errors import Lines, Problem, dotted, explain, line_of, located, one_line, problem, summary, where
from .policy_model import PolicyFile, shown


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
        told = [(exc.context, exc.context_mark), (exc.problem, exc.problem_mark)]
        if exc.context_mark and exc.problem_mark and exc.context_mark.line == exc.problem_mark.line:
            told[0] = (exc.context, None)  # where a bracket opened is worth telling only on another line
        raise Invalid("not valid YAML: " + "; ".join(
            one_line(what) + (f" ({where(mark.line + 1, mark.column + 1)})" if mark else "")
            for what, mark in told if what)) from None
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
