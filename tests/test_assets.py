"""Files beside the briefs: content/assets/ is published as it is, and a brief's relative links and images are
read from its own folder, each naming a file of content/assets/ or an error at its line."""

from __future__ import annotations

import os

from helpers import REPO, brief, run_build, write_site

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def build(root):
    result = run_build("--content", "content", "--templates", str(REPO / "templates"), "--output", "site", cwd=root)
    assert "Traceback" not in result.stderr
    return result


def test_assets_are_copied_and_a_brief_s_relative_image_and_link_land_on_them_from_every_page(tmp_path):
    write_site(tmp_path, {
        "companies/alpha.md": brief("Alpha", body='![The plant](../assets/img/plant%201.png "Plant")\n\nThe [report](../assets/report.pdf#page=2), '
                                                  'as [[beta]] says.\n'),
        "companies/beta.md": brief("Beta", body="See [[alpha]].\n"),
        "assets/img/plant 1.png": PNG,
        "assets/report.pdf": b"%PDF-1.4\n",
    })
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    assert (site / "assets" / "img" / "plant 1.png").read_bytes() == PNG
    assert (site / "assets" / "report.pdf").read_bytes() == b"%PDF-1.4\n"
    page = (site / "companies" / "alpha" / "index.html").read_text("utf-8")
    assert '<img alt="The plant" src="../../assets/img/plant%201.png" title="Plant">' in page
    assert '<a href="../../assets/report.pdf#page=2">report</a>' in page
    assert '<a class="wikilink" href="../../companies/beta/">Beta</a>' in page  # a link the converter made is no file
    pack = (site / "pack" / "index.html").read_text("utf-8")
    assert 'src="../assets/img/plant%201.png"' in pack and 'href="../assets/report.pdf#page=2"' in pack


def test_a_relative_link_to_anything_but_an_existing_asset_is_an_error_at_its_line(tmp_path):
    write_site(tmp_path, {
        "companies/alpha.md": brief("Alpha", body="Text.\n\n![Gone](../assets/gone.png)\n\n[Up](../../secret.txt) and [yaml](../sources.yml)\n"),
        "assets/plant.png": PNG,
    })
    result = build(tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": warning: " not in line]
    assert errors[:3] == [
        "content/companies/alpha.md:8: '../assets/gone.png': there is no file content/assets/gone.png",
        "content/companies/alpha.md:10: '../../secret.txt' is not a file under assets/: only the content folder's assets/ is published; "
        "put the file there and link it as ../assets/NAME (or link a brief as [[slug]])",
        "content/companies/alpha.md:10: '../sources.yml' is not a file under assets/: only the content folder's assets/ is published; "
        "put the file there and link it as ../assets/NAME (or link a brief as [[slug]])",
    ]
    assert not (tmp_path / "site").exists()


def test_a_link_out_of_the_content_folder_or_a_pipe_under_assets_is_an_error_naming_it(tmp_path):
    (tmp_path / "outside.png").write_bytes(PNG)
    content = write_site(tmp_path, {"companies/alpha.md": brief("Alpha", body="Text.\n"), "assets/fine.png": PNG})
    os.symlink(tmp_path / "outside.png", content / "assets" / "leak.png")
    os.mkfifo(content / "assets" / "pipe.png")
    os.symlink(content / "assets" / "loop.png", content / "assets" / "loop.png")
    result = build(tmp_path)
    assert result.returncode == 1
    assert "content/assets/leak.png: links outside the content folder" in result.stderr
    assert "content/assets/pipe.png: is not a regular file" in result.stderr
    assert "content/assets/loop.png: is a broken or looping symbolic link" in result.stderr


def test_a_taxonomy_may_not_be_called_assets(tmp_path):
    write_site(tmp_path, {"companies/alpha.md": brief("Alpha")}, "title: T\nbase_url: https://example.org/\ntaxonomies: [assets]\n")
    result = build(tmp_path)
    assert result.returncode == 1 and "taxonomy 'assets' would clash with the page /assets/" in result.stderr
