import datetime
from pathlib import Path

import pytest

from briefing import fields
from briefing.fields import Field, FieldReader, Invalid, PartialDate, field_name
from briefing.problems import Problems
from briefing.yamlsafe import Plain, load_yaml


def read(yaml_text: str, schema: dict, first_line: int = 2):
    """(values, error lines) for one YAML mapping read against `schema`."""
    problems = Problems()
    parsed = load_yaml(yaml_text, first_line)
    assert parsed.errors == []
    values = FieldReader(Path("brief.md"), parsed, problems).read(parsed.value, schema)
    return values, [p.format() for p in problems.errors]


def parse(parser, value):
    return parser(None, value, ("x",))


# text


def test_text_is_stripped():
    assert parse(fields.text, Plain("  Nio  ")) == "Nio"


def test_text_keeps_what_was_written_for_numbers_and_dates():
    values, errors = read("title: 2021-03-26\nlisting: 1:20\n", {"title": Field(fields.text), "listing": Field(fields.text)})
    assert values == {"title": "2021-03-26", "listing": "1:20"} and errors == []


def test_text_rejects_an_empty_string():
    with pytest.raises(Invalid, match="^is empty; write some text$"):
        parse(fields.text, "   ")


def test_text_rejects_a_list():
    with pytest.raises(Invalid, match="^must be text, got a list$"):
        parse(fields.text, ["a"])


# dates


def test_date_reads_yyyy_mm_dd():
    assert parse(fields.date, Plain("2021-03-26")) == datetime.date(2021, 3, 26)


@pytest.mark.parametrize("value", ["yesterday", "2021-02-30", "2021-3-26", "26/03/2021", "2021"])
def test_date_rejects_other_forms_and_shows_one_that_works(value):
    with pytest.raises(Invalid) as caught:
        parse(fields.date, Plain(value))
    assert str(caught.value) == f"'{value}' is not a date; write YYYY-MM-DD, e.g. 2021-03-26"


@pytest.mark.parametrize(
    "value, key",
    [("2021", (2021, 0, 0)), ("2021-03", (2021, 3, 0)), ("2021-03-05", (2021, 3, 5))],
)
def test_partial_date_keeps_the_text_and_a_sort_key(value, key):
    parsed = parse(fields.partial_date, Plain(value))
    assert parsed == PartialDate(key, value)
    assert str(parsed) == value
    assert parsed.year == 2021


@pytest.mark.parametrize("value", ["2021-13", "2021-02-30", "March 2021", "21"])
def test_partial_date_rejects_impossible_dates(value):
    with pytest.raises(Invalid, match=r"is not a date; write YYYY, YYYY-MM or YYYY-MM-DD$"):
        parse(fields.partial_date, Plain(value))


def test_partial_dates_sort_by_what_they_give():
    dates = [parse(fields.partial_date, Plain(v)) for v in ["2021-03-05", "2020", "2021-03", "2021"]]
    assert [str(d) for d in sorted(dates)] == ["2020", "2021", "2021-03", "2021-03-05"]


# other kinds


def test_url_accepts_http_and_https():
    assert parse(fields.url, Plain("https://www.mi.com/")) == "https://www.mi.com/"
    assert parse(fields.url, Plain("http://example.org")) == "http://example.org"


@pytest.mark.parametrize("value", ["www.mi.com", "ftp://x.org", "https://a b.org"])
def test_url_rejects_other_addresses(value):
    with pytest.raises(Invalid) as caught:
        parse(fields.url, Plain(value))
    assert str(caught.value) == f"'{value}' is not a web address; write one starting with https://"


def test_flag_reads_true_and_false_only():
    assert parse(fields.flag, Plain("true")) is True
    assert parse(fields.flag, Plain("False")) is False


@pytest.mark.parametrize("value", [Plain("yes"), Plain("no"), Plain("on"), "true"])
def test_flag_rejects_yaml_11_words_and_quoted_text(value):
    with pytest.raises(Invalid, match=f"^must be true or false, got '{value}'$"):
        parse(fields.flag, value)


def test_positive_int():
    assert parse(fields.positive_int, Plain("180")) == 180
    for bad in ["0", "-3", "1.5", "1:20"]:
        with pytest.raises(Invalid, match=f"got '{bad}'$"):
            parse(fields.positive_int, Plain(bad))


def test_one_of_accepts_a_choice():
    assert parse(fields.one_of("low", "medium", "high"), Plain("high")) == "high"


def test_one_of_names_the_value_a_near_miss_and_every_choice():
    with pytest.raises(Invalid) as caught:
        parse(fields.one_of("low", "medium", "high"), Plain("hihg"))
    assert str(caught.value) == "'hihg' is not valid (did you mean 'high'?); use one of: low, medium, high"


def test_one_of_without_a_near_miss_still_lists_the_choices():
    with pytest.raises(Invalid) as caught:
        parse(fields.one_of("low", "medium", "high"), Plain("extreme"))
    assert str(caught.value) == "'extreme' is not valid; use one of: low, medium, high"


# lists


def test_text_list_drops_duplicates_and_keeps_order():
    values, errors = read("terms: [Luxury, no, Luxury, SUV]\n", {"terms": Field(fields.text_list)})
    assert values["terms"] == ("Luxury", "no", "SUV") and errors == []


def test_text_list_given_a_single_value_shows_the_list_form():
    values, errors = read("terms: Luxury\n", {"terms": Field(fields.text_list, default=())})
    assert values["terms"] == ()
    assert errors == ["brief.md:2: terms: must be a list; write [Luxury]"]


def test_text_list_reports_a_bad_item_at_its_line():
    values, errors = read("terms:\n  - Luxury\n  - [nested]\n", {"terms": Field(fields.text_list)})
    assert values["terms"] == ("Luxury",)
    assert errors == ["brief.md:4: terms[1]: must be text, got a list"]


def test_list_of_reads_each_mapping_and_reports_items_that_are_not():
    schema = {"people": Field(fields.list_of({"name": Field(fields.text, required=True)}, "- name: ..."))}
    values, errors = read("people:\n  - name: Wang Chuan\n  - Fu Xiaokang\n", schema)
    assert values["people"] == ({"name": "Wang Chuan"},)
    assert errors == ["brief.md:4: people[1]: must be a mapping (- name: ...), got 'Fu Xiaokang'"]


def test_list_of_rejects_text():
    schema = {"relations": Field(fields.list_of({}, "- to: slug, type: partner"))}
    _, errors = read("relations: foo\n", schema)
    assert errors == ["brief.md:2: relations: must be a list of mappings (- to: slug, type: partner), got 'foo'"]


def test_describe_a_missing_item_as_nothing():
    _, errors = read("terms:\n  - Luxury\n  -\n", {"terms": Field(fields.text_list)})
    assert errors == ["brief.md:4: terms[1]: must be text, got nothing"]


# the reader


SCHEMA = {
    "title": Field(fields.text, required=True),
    "summary": Field(fields.text, required=True),
    "draft": Field(fields.flag, default=False),
}


def test_reader_fills_defaults():
    values, errors = read("title: T\nsummary: S\n", SCHEMA)
    assert values == {"title": "T", "summary": "S", "draft": False} and errors == []


def test_reader_reports_unknown_keys_with_a_suggestion_and_the_valid_keys():
    _, errors = read("title: T\nsummary: S\ndraf: true\n", SCHEMA)
    assert errors == ["brief.md:4: draf: unknown key 'draf' (did you mean 'draft'?); valid keys: title, summary, draft"]


def test_reader_reports_a_missing_required_key_at_the_mapping():
    _, errors = read("title: T\n", SCHEMA)
    assert errors == ["brief.md:2: missing required key 'summary'"]


def test_reader_reports_every_problem_not_only_the_first():
    values, errors = read("summry: S\ndraft: maybe\n", SCHEMA)
    assert values["draft"] is False
    assert errors == [  # sorted by line, then text
        "brief.md:2: missing required key 'summary'",
        "brief.md:2: missing required key 'title'",
        "brief.md:2: summry: unknown key 'summry' (did you mean 'summary'?); valid keys: title, summary, draft",
        "brief.md:3: draft: must be true or false, got 'maybe'",
    ]


def test_nested_missing_key_names_the_item():
    schema = {"relations": Field(fields.list_of({"to": Field(fields.text, required=True), "note": Field(fields.text)}, "- to: slug"))}
    _, errors = read("relations:\n  - note: x\n", schema)
    assert errors == ["brief.md:3: relations[0]: missing required key 'to'"]


def test_field_name():
    assert field_name(("relations", 2, "to")) == "relations[2].to"
    assert field_name(("title",)) == "title"
