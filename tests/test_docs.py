"""README.md and docs/ are read in a clone: every relative link lands on a file of the repository."""

import re
from pathlib import Path

import pytest
from helpers import REPO

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(REPO).as_posix())
def test_every_relative_link_lands_inside_the_repository(document: Path):
    text = document.read_text("utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'src="([^"]+)"', text)
    for target in targets:
        path = target.partition("#")[0]
        if not path or re.match(r"[a-z]+:", path):
            continue
        resolved = (document.parent / path).resolve()
        assert resolved.is_relative_to(REPO) and resolved.exists(), f"{document.name}: {target}"
    assert "../shared" not in text
