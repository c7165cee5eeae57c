"""The rubrics for hand-graded answers, read from the instructor guide where they are written.

A rubric in the guide is a heading `#### Rubric: <assignment> · <cell id> (N points)`, then a
table whose header has `Criterion`, `Points` and `Full marks when` columns. The guide is the one
place they are written; the notebooks print each prompt's criteria from here (`autograder
release` fills the region between `<!-- BEGIN RUBRIC: ... -->` and `<!-- END RUBRIC -->`), so
students see what graders use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADING = re.compile(r"^#{3,5} Rubric: (?P<assignment>[a-z_]+) · (?P<cell>q\w+) "
                      r"\((?P<points>[\d.]+) points?\)\s*$", re.M)
_REGION = re.compile(r"<!-- (?:BEGIN RUBRIC: (?P<a>[a-z_]+) · (?P<c>q\w+)) -->.*?<!-- END RUBRIC -->"
                     r"|<!-- rubric: (?P<a2>[a-z_]+) · (?P<c2>q\w+) -->", re.S)


@dataclass(frozen=True)
class Criterion:
    name: str
    points: float
    full_marks: str


@dataclass(frozen=True)
class Rubric:
    assignment: str
    cell: str
    points: float  # from the heading
    criteria: tuple[Criterion, ...]

    @property
    def table_points(self) -> float:
        return sum(c.points for c in self.criteria)


def read(path: Path) -> dict[tuple[str, str], Rubric]:
    """Every rubric in the guide at `path`, by (assignment, cell id)."""
    text = Path(path).read_text(encoding="utf-8")
    found: dict[tuple[str, str], Rubric] = {}
    matches = list(_HEADING.finditer(text))
    for n, m in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
        body = re.split(r"^#{1,5} ", text[m.end():end], flags=re.M)[0]
        rows = [ln for ln in body.splitlines() if ln.startswith("|")]
        criteria = []
        if rows:
            header = [c.strip() for c in rows[0].strip("|").split("|")]
            name, points = header.index("Criterion"), header.index("Points")
            full = header.index("Full marks when") if "Full marks when" in header else None
            for row in rows[2:]:
                cells = [c.strip() for c in row.strip("|").split("|")]
                criteria.append(Criterion(cells[name].strip("*"), float(cells[points].strip("*")),
                                          cells[full] if full is not None else ""))
        key = (m.group("assignment"), m.group("cell"))
        if key in found:
            raise ValueError(f"{path}: two rubrics for {key}")
        found[key] = Rubric(key[0], key[1], float(m.group("points")), tuple(criteria))
    return found


def block(rubric: Rubric) -> str:
    """The criteria as a notebook prints them under the prompt."""
    lines = [f"<!-- BEGIN RUBRIC: {rubric.assignment} · {rubric.cell} -->",
             f"**How this answer is graded** ({rubric.points:g} points):", ""]
    lines += [f"- **{c.name}** ({c.points:g}): {c.full_marks}" for c in rubric.criteria]
    return "\n".join(lines + ["<!-- END RUBRIC -->"])


def fill(text: str, rubrics: dict[tuple[str, str], Rubric], where: str) -> str:
    """`text` with every rubric marker or region replaced by the rubric's current criteria."""
    def sub(m: re.Match) -> str:
        key = (m.group("a") or m.group("a2"), m.group("c") or m.group("c2"))
        if key not in rubrics:
            raise ValueError(f"{where}: no rubric for {key[0]} · {key[1]} in the instructor guide")
        return block(rubrics[key])
    return _REGION.sub(sub, text)
