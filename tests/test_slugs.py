import pytest

from briefing.slugs import is_brief_slug, slugify


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Mass market", "mass-market"),
        ("Tech-forward brand", "tech-forward-brand"),
        ("Xiaomi and Great Wall factory talks", "xiaomi-and-great-wall-factory-talks"),
        ("R&D / AI", "r-d-ai"),
        ("  Leading and trailing!  ", "leading-and-trailing"),
        ("snake_case_term", "snake-case-term"),
        ("Mid-to-high-end", "mid-to-high-end"),
        ("No-frills", "no-frills"),
        ("Größe über Alles", "größe-über-alles"),
        ("蔚来 汽车", "蔚来-汽车"),
        ("Cafe\u0301", "café"),  # decomposed accent normalised to one letter
        ("2021 plans", "2021-plans"),
        ("!!!", ""),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_heading_and_term_slugs_agree_with_the_content_model_example():
    assert slugify("Brand positioning") == "brand-positioning"


@pytest.mark.parametrize("name", ["li-auto", "nio", "great-wall-motors", "3m", "a1-b2"])
def test_valid_brief_slugs(name):
    assert is_brief_slug(name)


@pytest.mark.parametrize("name", ["Li-Auto", "li_auto", "li auto", "-nio", "nio-", "li--auto", "", "café", "nio.v2"])
def test_invalid_brief_slugs(name):
    assert not is_brief_slug(name)
