"""Fingerprints: a page's changes when, and only when, the slice of the model it shows changes."""

import dataclasses

from helpers import VALID, load

from briefing.incremental.fingerprints import Fingerprints
from briefing.markup import pack_html
from briefing.problems import Problems
from briefing.views import declare_pages


def prints(fingerprints, site):
    return fingerprints.of(declare_pages(site, Problems()))


def test_the_same_site_has_the_same_fingerprints_in_any_builder(fixture_site):
    first = prints(Fingerprints(b"salt"), fixture_site)
    assert prints(Fingerprints(b"salt"), load(VALID)[0]) == first  # other objects, equal
    assert len(set(first.values())) == len(first)
    assert prints(Fingerprints(b"other salt"), fixture_site).keys() == first.keys()
    assert set(prints(Fingerprints(b"other salt"), fixture_site).values()).isdisjoint(first.values())


def test_a_new_text_changes_only_its_own_pages_fingerprint(fixture_site):
    fingerprints = Fingerprints(b"salt")
    before = prints(fingerprints, fixture_site)
    text = fixture_site.texts["beta-cells"]
    body = dataclasses.replace(text.body, packed_html=pack_html("<p>New words.</p>"))
    edited = dataclasses.replace(fixture_site, texts={**fixture_site.texts, "beta-cells": dataclasses.replace(text, body=body)})
    after = prints(fingerprints, edited)
    assert [name for name in after if after[name] != before[name]] == ["companies/beta-cells/index.html", "pack/index.html"]


def test_a_new_title_changes_every_page_that_shows_it(fixture_site):
    before = prints(Fingerprints(b"salt"), fixture_site)
    company = fixture_site.companies[0]
    renamed = dataclasses.replace(company, ref=dataclasses.replace(company.ref, title="Renamed"))
    after = prints(Fingerprints(b"salt"), dataclasses.replace(fixture_site, companies=(renamed, *fixture_site.companies[1:])))
    changed = {name for name in after if after[name] != before[name]}
    assert {"index.html", "companies/index.html", "sitemap.xml", "feed.xml", f"companies/{company.slug}/index.html"} <= changed
    assert "404.html" not in changed and "positioning/index.html" not in changed


def test_the_pages_of_a_site_with_new_texts_are_the_last_pages_but_those_of_the_new_texts(fixture_site):
    from briefing.incremental.patch import pages_with_new_texts

    pages = declare_pages(fixture_site, Problems())
    text = fixture_site.texts["beta-cells"]
    edited = dataclasses.replace(fixture_site, texts={**fixture_site.texts, "beta-cells": dataclasses.replace(text, referenced_by=())})
    patched = pages_with_new_texts(pages, fixture_site, edited)
    assert [new.url for new, old in zip(patched, pages) if new is not old] == ["companies/beta-cells/"]  # the pack shows no backlinks
    assert patched == declare_pages(edited, Problems())
    rewritten = dataclasses.replace(edited, texts={**edited.texts, "beta-cells": dataclasses.replace(text, body=fixture_site.texts["alpha-motors"].body)})
    patched = pages_with_new_texts(pages, fixture_site, rewritten)
    assert [new.url for new, old in zip(patched, pages) if new is not old] == ["companies/beta-cells/", "pack/"]  # its body: the pack too
    assert patched == declare_pages(rewritten, Problems())
    renamed = dataclasses.replace(edited, companies=edited.companies[::-1])
    assert pages_with_new_texts(pages, fixture_site, renamed) is None  # anything else new: declared anew
