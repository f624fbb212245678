"""A new site in one command (`init DIR`), a new brief in another (`new "Company Name"`), and the packaged theme
that lets a site have no templates/ at all, or override it file by file."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest
from helpers import REPO, run_build

from briefing.scaffold import slug_of


@pytest.mark.parametrize("name, slug", [
    ("Škoda Auto", "skoda-auto"), ("Citroën", "citroen"), ("  Li Auto (Beijing) ", "li-auto-beijing"), ("XPeng Inc.", "xpeng-inc"),
    ("比亚迪", ""), ("Ørsted", "rsted"),
])
def test_a_slug_is_the_name_folded_to_ascii(name, slug):
    assert slug_of(name) == slug


def briefing(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = run_build(*args, cwd=cwd)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_init_makes_a_site_that_builds_and_new_adds_briefs_without_overwriting(tmp_path):
    made = briefing("init", "my-briefing", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    site = tmp_path / "my-briefing"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == [
        ".gitignore", "content/companies/example-motors.md", "content/site.yml", "content/sources.yml"]
    assert not (site / "templates").exists()
    first = briefing(cwd=site)
    assert first.returncode == 0 and first.stderr == "", first.stderr  # no error and no warning
    assert (site / "site" / "companies" / "example-motors" / "index.html").is_file()

    assert briefing("new", "Škoda Auto", cwd=site).stdout == "wrote content/companies/skoda-auto.md: fill in its summary and text\n"
    text = (site / "content" / "companies" / "skoda-auto.md").read_text("utf-8")
    assert text.startswith('---\ntitle: "Škoda Auto"\n') and "# aliases:" in text and "# relations:" in text and "# threats: [A term]" in text
    again = briefing(cwd=site)
    assert again.returncode == 0, again.stderr
    page = (site / "site" / "companies" / "skoda-auto" / "index.html").read_text("utf-8")
    assert "<h1>Škoda Auto</h1>" in page and "Also known as" not in page  # a new brief keeps no other company's aliases

    before = (site / "content" / "companies" / "skoda-auto.md").read_bytes()
    refused = briefing("new", "Skoda Auto", cwd=site)
    assert refused.returncode == 1 and "content/companies/skoda-auto.md: exists already" in refused.stderr
    assert (site / "content" / "companies" / "skoda-auto.md").read_bytes() == before
    no_latin = briefing("new", "比亚迪", cwd=site)
    assert no_latin.returncode == 1 and "--slug" in no_latin.stderr
    assert briefing("new", "比亚迪", "--slug", "byd", cwd=site).returncode == 0
    assert 'title: "比亚迪"' in (site / "content" / "companies" / "byd.md").read_text("utf-8")
    assert briefing("new", "Odd: \"quoted\" name", cwd=site).returncode == 0
    assert briefing("check", cwd=site).returncode == 0  # every new brief is valid as written

    occupied = briefing("init", "my-briefing", cwd=tmp_path)
    assert occupied.returncode == 1 and "is not an empty folder" in occupied.stderr


def test_a_site_s_own_template_and_static_file_override_the_theme_s_alone(tmp_path):
    assert briefing("init", "site", cwd=tmp_path).returncode == 0
    root = tmp_path / "site"
    (root / "templates" / "static").mkdir(parents=True)
    (root / "templates" / "company.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1 class="mine">{{ item.title }}, our way</h1>{% endblock %}\n', "utf-8")
    (root / "templates" / "static" / "style.css").write_text("body { color: rebeccapurple; }\n", "utf-8")
    result = briefing(cwd=root)
    assert result.returncode == 0, result.stderr
    output = root / "site"
    assert '<h1 class="mine">Example Motors, our way</h1>' in (output / "companies" / "example-motors" / "index.html").read_text("utf-8")
    assert (output / "static" / "style.css").read_text("utf-8") == "body { color: rebeccapurple; }\n"
    assert (output / "static" / "sort.js").read_bytes() == (REPO / "templates" / "static" / "sort.js").read_bytes()  # the theme's
    assert (output / "index.html").read_text("utf-8").count('class="site-search"') == 1  # the theme's base.html and home.html
    (root / "templates" / "company.html").unlink()
    assert briefing(cwd=root).returncode == 0
    assert "our way" not in (output / "companies" / "example-motors" / "index.html").read_text("utf-8")
    missing = briefing("--templates", "nowhere", cwd=root)
    assert missing.returncode == 1 and "nowhere: is not a folder" in missing.stderr


@pytest.mark.slow
def test_init_build_new_build_from_the_wheel_in_a_fresh_venv(tmp_path):
    """Installed from the built wheel, not the source tree: the theme inside the package is all a site needs."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)], check=True, timeout=600,
                   cwd=tmp_path)
    [wheel] = wheels.glob("briefing-*.whl")
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=900, cwd=tmp_path)
    command = tmp_path / "venv" / "bin" / "briefing"

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        result = subprocess.run([str(command), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        return result

    run("init", "fresh", cwd=tmp_path)
    site = tmp_path / "fresh"
    run(cwd=site)
    run("new", "Nio", cwd=site)
    run(cwd=site)
    assert not (site / "templates").exists()
    assert "<h1>Nio</h1>" in (site / "site" / "companies" / "nio" / "index.html").read_text("utf-8")
    assert (site / "site" / "static" / "style.css").read_bytes() == (REPO / "templates" / "static" / "style.css").read_bytes()
    assert run("--version", cwd=site).stdout.startswith("briefing ")
    found = subprocess.run([str(python), "-c", "import briefing.render as r; print(r.packaged_theme())"], capture_output=True, text=True,
                           cwd=tmp_path)
    assert str(tmp_path / "venv") in found.stdout  # the theme came from the installed package
