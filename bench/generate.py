"""A seeded generator of N-brief content folders that are valid for the content model.

    python bench/generate.py --briefs 1000 --out bench/out/corpus-1000

Each brief has about 600 words in four sections, terms in three taxonomies,
relations of every type, wikilinks (some to headings), citations and events.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

WORDS = (
    "market battery platform supply chain factory partner software autonomy charging margin delivery "
    "pricing segment brand dealer export subsidy capacity chip sensor lidar cockpit range model launch "
    "investor funding strategy roadmap volume quarter demand retail service update design quality"
).split()
TAXONOMY_TERMS = {
    "partnerships": [f"Alliance {n}" for n in range(40)],
    "positioning": ["Mass market", "Mid-to-high-end", "Luxury", "Large SUV", "Tech-forward brand", "Autonomous driving", "Compact", "Sedan", "Fleet", "Export"] + [f"Niche {n}" for n in range(20)],
    "threats": ["New entrant", "Long lead times", "Price war", "Chip shortage", "Regulation", "Positioning overlap"] + [f"Risk {n}" for n in range(14)],
}
SECTIONS = ("Overview", "Brand positioning", "Operations", "Outlook")
RELATIONS = ("partner", "manufacturing", "supplier", "investor", "subsidiary", "competitor")


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def brief(rng: random.Random, index: int, slugs: list[str], sources: list[str]) -> str:
    slug = slugs[index]
    others = [s for s in rng.sample(slugs, 6) if s != slug][:5]
    lines = [
        "---",
        f"title: Company {index:05d}",
        f"summary: Company {index:05d} builds {rng.choice(WORDS)} products for the {rng.choice(WORDS)} market.",
        f"updated: 2026-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}",
        f"aliases: [C{index:05d}]",
        f"headquarters: City {rng.randint(1, 40)}",
        f'listing: "EX: {1000 + index}"',
    ]
    for taxonomy, terms in TAXONOMY_TERMS.items():
        lines.append(f"{taxonomy}: [{', '.join(rng.sample(terms, rng.randint(1, 3)))}]")
    lines.append("relations:")
    for other in others[:3]:
        kind = rng.choice(RELATIONS)
        lines += [f"  - to: {other}", f"    type: {kind}", f"    note: {sentence(rng, 8)}", f"    confidence: {rng.choice(['rumor', 'reported', 'confirmed'])}", f"    source: {rng.choice(sources)}"]
        if kind == "competitor":
            lines += [f"    threat: {rng.choice(['low', 'medium', 'high'])}", f"    horizon: {rng.choice(['near-term', 'long-term'])}"]
    lines.append("events:")
    for _ in range(3):
        lines += [f'  - date: "{rng.randint(2018, 2026)}-{rng.randint(1, 12):02d}"', f"    title: {sentence(rng, 7)}", f"    source: {rng.choice(sources)}"]
    lines += ["people:", f"  - name: Person {index}", "    role: Chief executive", "---"]
    for section in SECTIONS:
        lines += ["", f"## {section}", ""]
        for _ in range(2):
            cite = f" [@{rng.choice(sources)}]"
            link = f" See [[{rng.choice(others)}]] and [[{rng.choice(others)}#outlook|its outlook]]."
            lines.append(" ".join(sentence(rng, 12) for _ in range(6)) + cite + link)
    return "\n".join(lines) + "\n"


def generate(count: int, out: Path, seed: int = 1) -> Path:
    rng = random.Random(seed)
    content = out / "content"
    if out.exists():
        shutil.rmtree(out)
    (content / "companies").mkdir(parents=True)
    (content / "site.yml").write_text(
        f"title: Generated briefing ({count} briefs)\nbase_url: https://example.github.io/bench/\n"
        "stale_after_days: 100000\n", "utf-8")
    (content / "index.md").write_text(f"---\ntitle: Generated briefing\n---\nA corpus of {count} briefs.\n", "utf-8")
    sources = [f"source-{n:04d}" for n in range(max(10, count // 10))]
    (content / "sources.yml").write_text(
        "".join(f"{s}:\n  title: Report {s}\n  publisher: Wire {n % 7}\n  date: \"2021-{n % 12 + 1:02d}\"\n" for n, s in enumerate(sources)), "utf-8")
    slugs = [f"company-{n:05d}" for n in range(count)]
    for index, slug in enumerate(slugs):
        text = brief(rng, index, slugs, sources)
        # Every source cited at least once, so the corpus checks without warnings.
        if index < len(sources):
            text += f"\nAlso [@{sources[index]}].\n"
        (content / "companies" / f"{slug}.md").write_text(text, "utf-8")
    (content / "positioning").mkdir()
    (content / "positioning" / "luxury.md").write_text("---\ntitle: Luxury\n---\nPremium vehicles.\n", "utf-8")
    return content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    content = generate(args.briefs, args.out, args.seed)
    print(f"wrote {args.briefs} briefs to {content}")


if __name__ == "__main__":
    main()
