"""Reading one YAML content file safely, keeping where every value came from.

A content file is small, written by people, and may be broken in any way: too large, not UTF-8,
not YAML, with duplicate keys, or with aliases that expand without end ("billion laughs"). Each
problem becomes a `ContentError` with `file:line: message` lines an editor can act on, and a good
file becomes a `_Doc` that maps every value back to its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[int | str, ...]


class ContentError(Exception):
    """Content is broken; `problems` holds one `file:line: message` string each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass
class _Doc:
    """A parsed YAML file: its data and its node tree (for line numbers)."""

    path: Path
    data: Any
    node: yaml.Node | None

    def line(self, loc: Loc) -> int:
        """The 1-based line of the deepest node on `loc` that exists."""
        node = self.node
        if node is None:
            return 1
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1

    def where(self, loc: Loc) -> str:
        return f"{self.path}:{self.line(loc)}"


def _child(node: yaml.Node, part: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                child: yaml.Node = value
                return child
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item: yaml.Node = node.value[part]
        return item
    return None


def _duplicate_keys(doc: _Doc, node: yaml.Node | None) -> list[str]:
    """PyYAML keeps the last of duplicate keys silently; an editor wants to know."""
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                problems.append(f"{doc.path}:{key.start_mark.line + 1}: duplicate key '{key.value}'")
            seen.add(key.value)
            problems += _duplicate_keys(doc, value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            problems += _duplicate_keys(doc, item)
    return problems


MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 200_000  # values after alias expansion; the shipped content has a few thousand


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has once every alias is expanded, counted without expanding
    (each shared node once, memoised); a recursive alias counts as too many."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        children = _children(node)
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = min(MAX_NODES + 1, 1 + sum(sizes.get(id(c), 1) for c in children))
        elif id(node) in open_nodes:
            return MAX_NODES + 1  # the node contains itself
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _read(path: Path) -> _Doc:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # a content file is a few kB; refuse before parsing
            raise ContentError([f"{path}:1: the file is larger than {MAX_FILE_BYTES // 1024} kB"])
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError([f"{path}:1: cannot read the file ({exc.strerror or exc})"]) from exc
    except UnicodeDecodeError as exc:
        raise ContentError([f"{path}:1: the file is not UTF-8 text"]) from exc
    # libyaml's parser when PyYAML has it: five times faster, with the same line marks.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        # An alias needs an anchor ("&name"): a file without "&" cannot expand, and counting
        # its nodes was half of reading it.
        if node is not None and "&" in text and _expanded_size(node) > MAX_NODES:
            # Aliases can make a small file mean an exponentially large document ("billion laughs").
            problem = f"the file expands to more than {MAX_NODES} values (too many aliases)"
            raise ContentError([f"{path}:1: {problem}"])
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise ContentError([f"{path}:1: the file is nested too deeply"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ContentError([f"{path}:{line}: not valid YAML: {exc.problem or exc.context}"]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([f"{path}:1: not valid YAML: {exc}"]) from exc
    finally:
        loader.dispose()
    doc = _Doc(path, data, node)
    duplicates = _duplicate_keys(doc, node)
    if duplicates:
        raise ContentError(duplicates)
    return doc
