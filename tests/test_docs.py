"""README.md and docs/ are read in a clone: every relative link lands on a file of the repository."""

import re
from pathlib import Path

import pytest
from helpers import REPO

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(REPO).as_posix())
def test_every_relative_link_lands_inside_the_repository(document: Path):
    text = document.read_text("utf-8")
    prose = re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))  # examples in code are not links
    targets = re.findall(r"\]\(([^)\s]+)\)", prose) + re.findall(r'src="([^"]+)"', prose)
    for target in targets:
        path = target.partition("#")[0]
        if not path or re.match(r"[a-z]+:", path):
            continue
        resolved = (document.parent / path).resolve()
        assert resolved.is_relative_to(REPO) and resolved.exists(), f"{document.name}: {target}"
    assert "../shared" not in text
    assert targets or document.name != "README.md"  # README links its docs and screenshots: the test looks at them
