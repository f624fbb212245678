"""YAML read so that its 1.1 surprises cannot change what a writer meant.

The YAML parser only builds the node tree; this module turns nodes into plain
values itself. Quoted and block scalars become `str`; unquoted scalars become
`Plain` (a `str`), and only the field that receives one decides whether it is
a number, a flag or text. So `no` stays the text "no", `1:20` is never base 60,
and a date in a text field keeps the digits the writer typed. Duplicate keys,
aliases (billion-laughs and self-reference) and absurd nesting are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import yaml

MAX_DEPTH = 40
NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# What the parser says (libyaml or PyYAML) -> what the writer should do about it.
HINTS = (
    ("mapping values are not allowed", "put text that contains ': ' in quotes, or check the indentation"),
    ("tab", "indent with spaces, not tabs"),
    ("'\\t'", "indent with spaces, not tabs"),
    ("block collection", "do not mix '- item' lines and 'key: value' lines at one indentation"),
    ("undefined alias", "put text that starts with '*' or '&' in quotes"),
    ("cannot start any token", "put text that starts with '@', '`' or '%' in quotes"),
    ("expected key", "put the whole value in quotes, or check the indentation"),
    ("expected ':'", "write 'key: value' on each line, and indent the lines of long text"),
    ("expected ',' or ']'", "close the list with ']', and quote items that contain ',' or '['"),
    ("expected ',' or '}'", "close the mapping with '}'"),
    ("escape", "in double quotes '\\' starts an escape: write '\\\\' for a backslash, or use single quotes"),
    ("hexdecimal", "in double quotes '\\' starts an escape: write '\\\\' for a backslash, or use single quotes"),
    ("quoted scalar", "close the quote"),
)


class Plain(str):
    """An unquoted scalar: text whose meaning depends on the field that reads it."""


@dataclass
class YamlResult:
    value: object = None
    lines: dict[tuple, int] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def line(self, path: tuple, default: int = 0) -> int:
        """The line of a key or item, or of its nearest enclosing one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), default)


def yaml_loader() -> type:
    """libyaml's parser where it is installed (ten times as fast), else PyYAML's."""
    import yaml  # imported here, not at the top: a new process that reads no YAML (after a body edit) saves 20 ms

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, first_line: int = 1) -> YamlResult:
    """Parse one YAML document; `first_line` is the file line where `text` begins."""
    import yaml

    result = YamlResult()
    loader = None
    try:
        loader = yaml_loader()(text)  # PyYAML's own parser checks the characters here, libyaml's while parsing
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        result.errors.append(_unacceptable(text, first_line, exc))
        return result
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        result.errors.append((line, f"invalid YAML: {_describe(exc)}"))
        return result
    except yaml.YAMLError as exc:
        result.errors.append((first_line, f"invalid YAML: {exc}"))
        return result
    except RecursionError:  # the pure-Python parser, on absurdly deep nesting
        result.errors.append((first_line, f"invalid YAML: nested too deeply; flatten it to at most {MAX_DEPTH} levels"))
        return result
    finally:
        if loader is not None:
            loader.dispose()
    if node is not None:
        walker = _Walker(result, first_line, yaml.ScalarNode, yaml.SequenceNode)
        result.value = walker.value(node, (), 0)
    return result


def _unacceptable(text: str, first_line: int, exc: yaml.reader.ReaderError) -> tuple[int, str]:
    """A character YAML does not allow (a control character, U+FFFE), at its own line: the parser stops at the
    first one, and says where in characters (PyYAML) or in UTF-8 bytes (libyaml), so look for it instead."""
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    at = text.find(chr(code))
    line = first_line + (text.count("\n", 0, at) if at >= 0 else 0)
    return line, f"invalid YAML: character U+{code:04X} is not allowed in YAML; remove it, or write it as \"\\u{code:04x}\" in double quotes"


def _describe(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    said = "; ".join(parts) or "cannot be parsed"
    hint = next((h for clue, h in HINTS if clue in said), "")
    return f"{said}; {hint}" if hint else said


class _Walker:
    def __init__(self, result: YamlResult, first_line: int, scalar: type, sequence: type):
        self.scalar, self.sequence = scalar, sequence
        self.result = result
        self.first_line = first_line
        self.seen: set[int] = set()

    def line_of(self, node: yaml.Node) -> int:
        return self.first_line + node.start_mark.line

    def fail(self, node: yaml.Node, message: str) -> None:
        self.result.errors.append((self.line_of(node), message))

    def value(self, node: yaml.Node, path: tuple, depth: int) -> object:
        if id(node) in self.seen:
            line = self.result.lines.get(path, self.line_of(node))
            self.result.errors.append((line, "YAML aliases (*name) are not supported here; write the value out in full"))
            return None
        self.seen.add(id(node))
        self.result.lines.setdefault(path, self.line_of(node))
        if depth > MAX_DEPTH:
            self.fail(node, f"nested more than {MAX_DEPTH} levels deep; flatten this value")
            return None
        if isinstance(node, self.scalar):
            if node.style:
                return node.value
            return None if node.value in NULLS else Plain(node.value)
        if isinstance(node, self.sequence):
            items = []
            for index, item in enumerate(node.value):
                self.result.lines[path + (index,)] = self.line_of(item)
                items.append(self.value(item, path + (index,), depth + 1))
            return items
        return self.mapping(node, path, depth)

    def mapping(self, node: yaml.MappingNode, path: tuple, depth: int) -> dict:
        mapping: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, self.scalar):
                self.fail(key_node, "a key must be plain text, not a list or mapping")
                continue
            key = str(key_node.value)
            if key in mapping:
                first = self.result.lines[path + (key,)]
                self.fail(key_node, f"key '{key}' is given twice (first on line {first}); keep one")
                continue
            self.result.lines[path + (key,)] = self.line_of(key_node)
            mapping[key] = self.value(value_node, path + (key,), depth + 1)
        return mapping
