import pytest
import yaml

from briefing import yamlsafe
from briefing.yamlsafe import Plain, load_yaml

ALIAS_ERROR = "YAML aliases (*name) are not supported here; write the value out in full"


def test_uses_libyaml_when_it_is_installed():
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("libyaml is not installed")
    assert yamlsafe.yaml_loader() is yaml.CSafeLoader


@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "No", "YES", "Off", "y", "n"])
def test_yaml_11_booleans_stay_text(word):
    result = load_yaml(f"listing: {word}\n")
    assert result.errors == []
    assert result.value == {"listing": word}
    assert type(result.value["listing"]) is Plain


def test_term_list_keeps_no_as_the_term_no():
    assert load_yaml("positioning: [no, Luxury]\n").value == {"positioning": ["no", "Luxury"]}


@pytest.mark.parametrize("written", ["1:20", "0x1F", "010", "1_000", "2021-03-26", "3.10", ".inf", "1e3"])
def test_numbers_dates_and_base_60_stay_as_written(written):
    value = load_yaml(f"x: {written}\n").value["x"]
    assert value == written
    assert isinstance(value, str)


def test_quoted_and_block_scalars_are_plain_str_not_plain():
    value = load_yaml('a: "no"\nb: >-\n  folded\n  text\nc: |\n  kept\n').value
    assert value == {"a": "no", "b": "folded text", "c": "kept\n"}
    assert not any(isinstance(v, Plain) for v in value.values())


def test_nulls_become_none():
    assert load_yaml("a:\nb: ~\nc: null\nd: ''\n").value == {"a": None, "b": None, "c": None, "d": ""}


def test_empty_document_has_no_value_and_no_errors():
    result = load_yaml("")
    assert result.value is None and result.errors == []


def test_lines_of_keys_and_items_are_shifted_by_first_line():
    result = load_yaml("title: Nio\nrelations:\n  - to: xpeng\n    type: competitor\n", first_line=2)
    assert result.line(("title",)) == 2
    assert result.line(("relations",)) == 3
    assert result.line(("relations", 0)) == 4
    assert result.line(("relations", 0, "type")) == 5


def test_line_of_an_unknown_path_falls_back_to_its_nearest_parent():
    result = load_yaml("relations:\n  - to: xpeng\n", first_line=2)
    assert result.line(("relations", 0, "missing")) == 3


def test_duplicate_key_is_reported_with_both_lines_and_the_first_value_kept():
    result = load_yaml("title: One\nsummary: s\ntitle: Two\n", first_line=2)
    assert result.errors == [(4, "key 'title' is given twice (first on line 2); keep one")]
    assert result.value["title"] == "One"


def test_duplicate_key_inside_a_list_item():
    result = load_yaml("relations:\n  - to: a\n    to: b\n", first_line=2)
    assert result.errors == [(4, "key 'to' is given twice (first on line 3); keep one")]


def test_alias_is_rejected_at_the_line_that_uses_it():
    result = load_yaml("a: &x Nio\nb: *x\n", first_line=2)
    assert result.errors == [(3, ALIAS_ERROR)]
    assert result.value == {"a": "Nio", "b": None}


def test_self_referencing_alias_is_rejected_without_recursing():
    result = load_yaml("aliases: &a [*a]\n", first_line=2)
    assert result.errors == [(2, ALIAS_ERROR)]


def test_billion_laughs_is_rejected_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 10):
        prev = chr(ord("a") + n - 1)
        name = chr(ord("a") + n)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    result = load_yaml("\n".join(lines) + "\n")
    assert result.errors
    assert all(message == ALIAS_ERROR for _, message in result.errors)
    assert len(result.errors) == 9 * 9  # one per use, never one per expanded value


def test_deep_nesting_is_an_error_not_a_crash():
    depth = yamlsafe.MAX_DEPTH + 5
    result = load_yaml("a: " + "[" * depth + "]" * depth + "\n", first_line=2)
    assert result.errors == [(2, f"nested more than {yamlsafe.MAX_DEPTH} levels deep; flatten this value")]


def test_absurd_nesting_is_an_error_not_a_crash():
    result = load_yaml("a: " + "[" * 100_000 + "]" * 100_000 + "\n", first_line=2)
    assert len(result.errors) == 1
    line, message = result.errors[0]
    assert line == 2 and message.startswith("invalid YAML:")


def test_absurd_nesting_with_the_pure_python_parser_is_an_error(monkeypatch):
    monkeypatch.setattr(yamlsafe, "yaml_loader", lambda: yaml.SafeLoader)
    result = load_yaml("- " * 1000 + "x\n", first_line=2)  # block nesting: the pure-Python scanner is slow on deep flow nesting
    assert len(result.errors) == 1
    assert result.errors[0][1].startswith("invalid YAML:")


def test_invalid_yaml_line_is_shifted_to_the_file_and_says_what_to_do():
    result = load_yaml("title: Nio\nsummary: Electric cars: premium\n", first_line=2)
    assert result.value is None
    assert len(result.errors) == 1
    line, message = result.errors[0]
    assert line == 3
    assert message.startswith("invalid YAML: mapping values are not allowed")
    assert message.endswith("; put text that contains ': ' in quotes, or check the indentation")


def test_invalid_yaml_in_the_first_line_of_a_file_at_line_one():
    line, message = load_yaml("summary: @handle\n").errors[0]
    assert line == 1
    assert message.endswith("put text that starts with '@', '`' or '%' in quotes")


def test_tab_indentation_hint():
    line, message = load_yaml("title: x\n\tsummary: y\n", first_line=5).errors[0]
    assert line == 6
    assert message.endswith("indent with spaces, not tabs")


def test_a_key_that_is_not_text_is_an_error():
    result = load_yaml("? [a, b]\n: c\ntitle: t\n", first_line=2)
    assert result.errors == [(2, "a key must be plain text, not a list or mapping")]
    assert result.value == {"title": "t"}


@pytest.mark.parametrize("parser", ["libyaml", "pure-python"])
def test_a_control_character_is_an_error_at_its_own_line(parser, monkeypatch):
    """Both parsers refuse it (PyYAML's own already while reading, which once escaped as a traceback), on one line."""
    if parser == "pure-python":
        monkeypatch.setattr(yamlsafe, "yaml_loader", lambda: yaml.SafeLoader)
    result = load_yaml("title: 小米\nsummary: a\x1b[31m b\n", first_line=2)
    assert result.value is None
    assert result.errors == [(3, 'invalid YAML: character U+001B is not allowed in YAML; remove it, or write it as "\\u001b" in double quotes')]


def test_a_backslash_in_double_quotes_hints_at_escapes_not_at_the_quote():
    line, message = load_yaml('website: "C:\\Users\\nio"\n').errors[0]
    assert line == 1
    assert message.endswith("in double quotes '\\' starts an escape: write '\\\\' for a backslash, or use single quotes")
