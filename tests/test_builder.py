"""The Builder: incremental rebuilds give exactly what a fresh full build gives."""

import shutil
from pathlib import Path

from helpers import build_here

from briefing.builder import Builder, BuildOptions
from briefing.parallel import WorkerLost
from briefing.writer import Staging

REPO = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def fresh_build(workspace: Path) -> dict[str, bytes]:
    output = workspace / "fresh"
    shutil.rmtree(output, ignore_errors=True)
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", output))
    builder.cache.memo.store = None  # truly fresh: nothing parsed or converted by an earlier build
    result = builder.build()
    assert result.ok, result.errors
    return snapshot(output)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_incremental_builds_equal_fresh_builds_after_a_sequence_of_edits(workspace):
    content = workspace / "content"
    builder = Builder(BuildOptions(content, workspace / "templates", workspace / "site"))
    assert builder.build().ok
    companies = content / "companies"
    steps = [
        lambda: edit(companies / "nio.md", "## ", "Nio adds a sentence here.\n\n## "),
        lambda: edit(companies / "nio.md", "Nio adds a sentence here.", "Nio now links [[baidu]] and cites [@36kr-fast-track]."),
        lambda: edit(companies / "baidu.md", "## ", "## A new heading\n\nText.\n\n## "),
        lambda: edit(companies / "nio.md", "Nio now links", "Nio, edited again, links"),
        lambda: edit(companies / "xpeng.md", "title: XPeng", "title: XPeng Motors"),
        lambda: (companies / "byd.md").write_text(
            "---\ntitle: BYD\nsummary: Incumbent EV maker.\nupdated: 2021-03-20\npositioning: [Mass market]\n"
            "relations:\n  - to: xiaomi\n    type: competitor\n---\nBYD watches [[xiaomi]] and Nio.\n", "utf-8"),
        lambda: edit(content / "sources.yml", "publisher: Reuters", "publisher: Reuters (Beijing)"),
        lambda: (companies / "byd.md").rename(companies / "byd-auto.md"),
        lambda: edit(workspace / "templates" / "company.html", "{% endblock %}", "<p>Template edited.</p>{% endblock %}"),
        lambda: (companies / "byd-auto.md").unlink(),
        lambda: edit(content / "site.yml", "title:", "title: Edited"),
        lambda: (content / "positioning" / "luxury.md").write_text((content / "positioning" / "luxury.md").read_text("utf-8") + "\nMore words.\n", "utf-8"),
    ]
    for number, step in enumerate(steps):
        step()
        result = builder.build()
        assert result.ok, (number, result.errors)
        assert snapshot(workspace / "site") == {**fresh_build(workspace), ".briefing-manifest.json": (workspace / "site" / ".briefing-manifest.json").read_bytes()}, number


def test_a_failed_rebuild_leaves_the_output_alone_and_the_next_good_one_recovers(workspace):
    content = workspace / "content"
    builder = Builder(BuildOptions(content, workspace / "templates", workspace / "site"))
    assert builder.build().ok
    before = snapshot(workspace / "site")
    good = (content / "companies" / "nio.md").read_text("utf-8")
    edit(content / "companies" / "nio.md", "title: Nio", "title: [Nio")
    result = builder.build()
    assert not result.ok
    assert [e.path.rsplit("/", 2)[-2:] for e in result.errors] == [["companies", "nio.md"]]
    assert snapshot(workspace / "site") == before
    (content / "companies" / "nio.md").write_text(good.replace("## ", "Recovered.\n\n## ", 1), "utf-8")
    result = builder.build()
    assert result.ok
    assert b"Recovered." in (workspace / "site" / "companies" / "nio" / "index.html").read_bytes()


def test_a_worker_process_lost_mid_build_is_an_error_that_leaves_the_output_alone(workspace, monkeypatch):
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site"))
    assert builder.build().ok
    before = snapshot(workspace / "site")
    edit(workspace / "content" / "companies" / "nio.md", "## ", "Lost.\n\n## ")
    real_put = Staging.put

    def lose_a_worker_on_nio(staging, name, chunks):
        if name == "companies/nio/index.html":
            raise WorkerLost("a helper process ended without its results")
        real_put(staging, name, chunks)

    monkeypatch.setattr(Staging, "put", lose_a_worker_on_nio)
    result = builder.build()
    assert not result.ok
    [error] = result.errors
    assert error.path == str(workspace / "site") and error.message.startswith("a helper process ended without its results; ")
    assert snapshot(workspace / "site") == before
    monkeypatch.undo()
    assert builder.build().ok
    assert b"Lost." in (workspace / "site" / "companies" / "nio" / "index.html").read_bytes()


def test_an_unchanged_rebuild_renders_and_writes_nothing(workspace):
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site"))
    first = builder.build()
    second = builder.build()
    assert first.rendered > 20
    assert second.rendered == 0
    assert second.report.written == 0
    assert second.report.unchanged == first.report.written


def test_editing_one_body_rerenders_that_page_alone(workspace):
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site"))
    builder.build()
    edit(workspace / "content" / "companies" / "li-auto.md", "## ", "A new line.\n\n## ")
    result = builder.build()
    assert (result.rendered, result.report.written) == (2, 2)  # its page and the pack's volume


def test_a_new_citation_rerenders_the_site_wide_pages_too(workspace):
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site"))
    builder.build()
    edit(workspace / "content" / "companies" / "li-auto.md", "## ", "Cited now [@reuters-factory-talks].\n\n## ")
    result = builder.build()
    assert result.rendered > 1
    sources = (workspace / "site" / "sources" / "index.html").read_text("utf-8")
    assert sources.count("companies/li-auto/#source-reuters-factory-talks") == 1


def test_a_text_only_edit_keeps_every_other_company_record(workspace):
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site"))
    first = builder.build()
    before = {c.slug: c for c in builder.cache.last.site.companies}
    texts_before = dict(builder.cache.last.site.texts)
    edit(workspace / "content" / "companies" / "li-auto.md", "## ", "Only words.\n\n## ")
    second = builder.build()
    assert second.ok
    assert second.warnings == first.warnings and len(first.warnings) == 7  # the sample's stale briefs, still reported
    after = {c.slug: c for c in builder.cache.last.site.companies}
    texts = builder.cache.last.site.texts
    assert [slug for slug in after if after[slug] is not before[slug]] == []  # every page but li-auto's shows the same objects
    assert [slug for slug in texts if texts[slug] is not texts_before[slug]] == ["li-auto"]
    edit(workspace / "content" / "companies" / "li-auto.md", "Only words.", "Words and a new citation [@reuters-factory-talks].")
    assert builder.build().ok
    rebuilt = {c.slug: c for c in builder.cache.last.site.companies}
    assert all(rebuilt[slug] is not after[slug] for slug in rebuilt)  # a new citation: the whole model again


def fresh_model(workspace: Path):
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "fresh"))
    builder.cache.memo.store = None
    result = builder.build()
    return result, builder.cache.last.site if result.ok else None


def test_pages_left_for_later_keep_their_file_until_the_next_build_renders_them(workspace):
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site"))
    builder.build()
    pack = workspace / "site" / "pack" / "index.html"
    before = pack.read_bytes()
    edit(workspace / "content" / "companies" / "li-auto.md", "## ", "A new line.\n\n## ")
    first = builder.build(later=frozenset({"pack"}))
    assert (first.rendered, first.left, first.report.written) == (1, 1, 1) and pack.read_bytes() == before
    second = builder.build()
    assert (second.rendered, second.left) == (1, 0) and b"A new line." in pack.read_bytes()
    assert builder.build().rendered == 0
    assert build_here(output=workspace / "fresh").ok
    assert pack.read_bytes() == (workspace / "fresh" / "pack" / "index.html").read_bytes()


def test_link_edits_patch_the_model_into_exactly_what_a_full_build_makes(workspace):
    companies = workspace / "content" / "companies"
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site"))
    assert builder.build().ok
    anchor = next(h.anchor for c in builder.cache.last.site.companies if c.slug == "xiaomi" for h in builder.cache.last.site.texts[c.slug].body.headings)
    steps = [
        ("A new line with [[jidu-auto]] in it.", 3),  # the page, the newly linked company's and the pack's volume
        (f"Now [[xiaomi#{anchor}|a section of Xiaomi]] instead.", None),
        ("No link any more.", None),
        ("Baidu is named in plain text.", None),  # an autolink
        ("A broken [[nowhere]] link.", "error"),
        (f"A broken anchor [[xiaomi#{anchor}-not]].", "error"),
        ("Mended, linking [[nio]] and [[jidu-auto]].", None),
    ]
    text = (companies / "li-auto.md").read_text("utf-8")
    for number, (line, expected) in enumerate(steps):
        (companies / "li-auto.md").write_text(text.replace("## ", f"{line}\n\n## ", 1), "utf-8")
        before = {c.slug: c for c in builder.cache.last.site.companies}
        texts_before = dict(builder.cache.last.site.texts)
        result = builder.build()
        if number == 0:  # patched, not rebuilt: only the two companies involved have new texts
            after = builder.cache.last.site
            assert [c.slug for c in after.companies if c is not before[c.slug]] == []
            assert sorted(slug for slug, text in after.texts.items() if text is not texts_before[slug]) == ["jidu-auto", "li-auto"]
        fresh, fresh_site = fresh_model(workspace)
        assert (result.ok, result.errors, result.warnings) == (fresh.ok, fresh.errors, fresh.warnings), number
        if expected == "error":
            assert not result.ok
            continue
        assert builder.cache.last.site == fresh_site, number
        assert snapshot(workspace / "site") == {**snapshot(workspace / "fresh"), ".briefing-manifest.json": (workspace / "site" / ".briefing-manifest.json").read_bytes()}, number
        if expected is not None:
            assert result.rendered == expected, number


def test_a_link_that_gives_a_brief_its_first_referrer_takes_the_full_build_and_drops_the_warning(workspace):
    companies = workspace / "content" / "companies"
    (companies / "byd.md").write_text("---\ntitle: BYD\nsummary: Incumbent EV maker.\nupdated: 2021-03-20\n---\nNobody links here yet.\n", "utf-8")
    builder = Builder(BuildOptions(workspace / "content", workspace / "templates", workspace / "site"))
    first = builder.build()
    assert any("byd.md" in w.path and "nothing links" in w.message for w in first.warnings)
    edit(companies / "nio.md", "## ", "Nio now watches [[byd]].\n\n## ")
    second = builder.build()
    assert second.ok and not any("nothing links" in w.message for w in second.warnings if "byd.md" in w.path)
    assert builder.cache.last.site == fresh_model(workspace)[1]
