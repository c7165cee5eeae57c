"""Per-student variants (issue 18): numbers that differ by student, conclusions that do not.

Real case data throughout: codes from a fixed test secret, variants written to tmp folders and
solved by the assignments' own `load` and `solve`.
"""

from __future__ import annotations

import csv
import io
import shutil
import stat
import statistics
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from autograder import data, variant_draw, variants
from autograder.assignments import get
from autograder.kernel_checks import matches, plain
from autograder.paths import data_dir
from autograder.spec import rounded
from autograder.tolerances import tolerance

SECRET = bytes(range(32))
VARIED = [name for name, items in variant_draw.PERTURB.items() if items]
STUDENTS = [f"s{i:03d}" for i in range(200)]


def _rows(path: Path, file: str) -> dict[str, list[str]]:
    rows = list(csv.reader(io.StringIO(path.read_text())))
    key = rows[0].index(variant_draw.KEY_COLUMN[file])
    return {row[key]: row for row in rows[1:]}


def test_variant_assignments_are_the_ones_with_illustrative_numbers():
    assert sorted(VARIED) == ["build_vs_buy", "scenarios"]
    assert variant_draw.draw("vtdf", "ABCDEFGH") == {}
    with pytest.raises(variants.VariantError, match="vtdf has no variants"):
        variants.issue(SECRET, "s000", "vtdf", data_dir())


def test_the_public_draw_imports_no_key():
    """variant_draw ships to students: standard library only, never the key or assignments."""
    import ast
    import sys

    tree = ast.parse(Path(variant_draw.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported


# --- 1. issuance keeps the lesson and moves every number ---------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", VARIED)
def test_issued_variants_keep_conclusions_and_move_numbers(name, tmp_path, capsys):
    assignment = get(name)
    published_dir = data_dir()
    base_inputs = assignment.load(published_dir)
    base = assignment.solve(base_inputs, {})
    base_lessons = variants.qualitative(assignment, base, base_inputs)
    numeric = variants.numeric_checks(assignment)
    assert numeric, "no numeric answer to move"
    attempts = []
    # scenarios' key runs three Dirichlet simulations a variant (0.36 s): 80 ids there, 200 here.
    students = STUDENTS if name == "build_vs_buy" else STUDENTS[:80]
    for student in students:
        variant = variants.issue(SECRET, student, name, published_dir)
        attempts.append(variant.attempt)
        folder = variants.write_variant(published_dir, tmp_path / student, name, variant.code)
        inputs = assignment.load(folder)
        mine = assignment.solve(inputs, {})
        assert variants.qualitative(assignment, mine, inputs) == base_lessons, student
        for check in numeric:
            got, was = (rounded(plain(x[check.variable])) for x in (mine, base))
            assert not matches(got, was, tolerance(check.tolerance)), (student, check.id)
    with capsys.disabled():
        print(f"\n{name}: {len(students)} students, issuance attempts max {max(attempts)}, "
              f"mean {statistics.mean(attempts):.2f} (attempt 0 = first code)")
    assert max(attempts) < variants.MAX_ATTEMPTS


# --- 2. codes -----------------------------------------------------------------------------------


def test_codes_are_deterministic_distinct_and_keyed():
    codes = [variants.variant_code(SECRET, "scenarios", s) for s in STUDENTS]
    assert codes == [variants.variant_code(SECRET, "scenarios", s) for s in STUDENTS]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == variants.CODE_LENGTH and c.isalnum() and c.isupper() for c in codes)
    other = [variants.variant_code(bytes(32), "scenarios", s) for s in STUDENTS]
    assert all(a != b for a, b in zip(codes, other))
    assert variants.variant_code(SECRET, "build_vs_buy", "s000") != codes[0]
    assert variants.variant_code(SECRET, "scenarios", "s000", attempt=1) != codes[0]
    assert not any(s.upper() in c for s, c in zip(STUDENTS, codes))


# --- 3. the draw and the written data ---------------------------------------------------------


@pytest.mark.parametrize("name", VARIED)
def test_draw_is_pure_and_bounded(name):
    items = {(i.file, row, i.column): i for i in variant_draw.PERTURB[name] for row in i.rows}
    for n in range(50):
        code = variants.variant_code(SECRET, name, f"s{n:03d}")
        drawn = variant_draw.draw(name, code)
        assert drawn == variant_draw.draw(name, code.lower())
        assert drawn.keys() == items.keys()
        for cell, m in drawn.items():
            assert items[cell].lo <= abs(m - 1) <= items[cell].hi, (code, cell, m)
    assert variant_draw.draw(name, "AAAAAAAA") != variant_draw.draw(name, "AAAAAAAB")


@pytest.mark.parametrize("name", VARIED)
def test_written_variants_change_only_illustrative_cells(name, tmp_path):
    assignment = get(name)
    published = data_dir()
    for n in range(25):
        code = variants.variant_code(SECRET, name, f"s{n:03d}")
        folder = variants.write_variant(published, tmp_path / code, name, code)
        assignment.load(folder)  # the key's own input validation (scenarios: key.validate)
        for file in assignment.data_files:
            data.load(file, folder)  # schema: numeric columns numeric, no DataError
            if file not in variant_draw.files(name):
                assert (folder / f"{file}.csv").read_bytes() == (published / f"{file}.csv").read_bytes()
                continue
            _check_cells(name, file, published, folder, code)


def _check_cells(name: str, file: str, published: Path, folder: Path, code: str) -> None:
    before, after = _rows(published / f"{file}.csv", file), _rows(folder / f"{file}.csv", file)
    header = next(csv.reader(io.StringIO((published / f"{file}.csv").read_text())))
    varied = {(row, header.index(col)) for (f, row, col) in variant_draw.draw(name, code) if f == file}
    before_lines = (published / f"{file}.csv").read_text().splitlines()
    after_lines = (folder / f"{file}.csv").read_text().splitlines()
    assert len(before_lines) == len(after_lines)
    for row, fields in before.items():
        changed = {c for c, (x, y) in enumerate(zip(fields, after[row])) if x != y}
        assert changed <= {c for r, c in varied if r == row}, (file, row, changed)
        if "basis" in header and fields[header.index("basis")] != "illustrative":
            assert fields == after[row]
        for c in {c for r, c in varied if r == row}:
            normalized = (file, header[c]) in variant_draw.NORMALIZED
            if float(fields[c]) != 0 and not normalized:
                assert fields[c] != after[row][c], (file, row, header[c], "did not move")
    assert before_lines[0] == after_lines[0]
    differing = sum(b != a for b, a in zip(before_lines, after_lines))
    assert differing <= len({r for r, _ in varied})  # every other line byte for byte
    if file == "scenarios":
        col = header.index("probability")
        assert sum(Decimal(r[col]) for r in after.values()) == 1
        assert any(before[row][col] != after[row][col] for row in before), "no probability moved"


def test_sourced_rows_are_never_varied():
    text = (data_dir() / "selfhost.csv").read_text()
    rows = _rows(data_dir() / "selfhost.csv", "selfhost")
    basis = next(csv.reader(io.StringIO(text))).index("basis")
    sourced = {row for row, fields in rows.items() if fields[basis] == "sourced"}
    assert sourced
    for n in range(50):
        drawn = variant_draw.draw("build_vs_buy", variants.variant_code(SECRET, "x", str(n)))
        assert not any(row in sourced for (_, row, _) in drawn)
    # A row the rules vary that the data call sourced is refused, not varied.
    line = next(x for x in text.splitlines() if x.startswith("utilization,"))
    relabelled = text.replace(line, line.replace(",illustrative,", ",sourced,"))
    assert relabelled != text
    with pytest.raises(ValueError, match="'utilization' is not illustrative"):
        variant_draw.apply_csv("build_vs_buy", "ABCDEFGH", "selfhost", relabelled)


# --- 4. the acceptance check can fail ----------------------------------------------------------


def test_a_variant_that_flips_the_npv_sign_is_rejected(tmp_path):
    assignment = get("build_vs_buy")
    for file in assignment.data_files:
        shutil.copy(data_dir() / f"{file}.csv", tmp_path)
    path = tmp_path / "build_vs_buy.csv"
    rows = list(csv.reader(io.StringIO(path.read_text())))
    row = next(r for r in rows if r[0] == "annual_benefit")
    row[2] = variant_draw.fmt(float(row[2]) * 1.5, 1)  # far beyond HI: building now pays
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue())
    found = variants.problems(assignment, variants.published(assignment, data_dir()),
                              variants.assess(assignment, tmp_path))
    assert any(p.startswith("npv[difference] changed: '-' -> '+'") for p in found), found
    assert any("IRR vs hurdle" in p for p in found), found
    untouched = "q7_tokens_per_s did not move beyond its 'quantity' tolerance"
    assert untouched in found  # and Part B, unchanged here, is caught as copyable


def test_issue_gives_up_with_a_clear_error():
    with pytest.raises(variants.VariantError, match="no variant for 's000' in 0 attempts"):
        variants.issue(SECRET, "s000", "build_vs_buy", data_dir(), max_attempts=0)


# --- 5. the course secret ----------------------------------------------------------------------


def test_course_secret_is_created_once_private_and_read_back(tmp_path):
    secret = variants.course_secret(tmp_path)
    path = tmp_path / variants.SECRET_FILE
    assert len(secret) == variants.SECRET_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_bytes()
    assert variants.course_secret(tmp_path) == secret
    assert path.read_bytes() == written
    assert variants.course_secret(tmp_path / "other") != secret


@pytest.mark.parametrize("content", ["not hex at all", "abcd"])
def test_malformed_secret_names_the_file(tmp_path, content):
    path = tmp_path / variants.SECRET_FILE
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(variants.VariantError, match=str(path)):
        variants.course_secret(tmp_path)


def test_a_variant_that_blurs_a_catalogued_mistake_is_not_issued():
    """Per variant the catalogue must still tell each mistake from the right answer: a code
    whose variant makes one of them right within tolerance is refused, with that reason."""
    published = data_dir()
    for n in range(400):  # the first is probe109 (7 in the first 200)
        code = variants.variant_code(SECRET, "build_vs_buy", f"probe{n}")
        reasons = variants.check_variant("build_vs_buy", published, code)
        blurred = [r for r in reasons if "gives the right answer within tolerance" in r]
        if blurred and len(reasons) == len(blurred):  # refused for that reason alone
            break
    else:
        pytest.fail("no variant among 400 blurs a mistake: the check may not run")
    assignment = get("build_vs_buy")
    folder = variants.write_variant(published, Path(tempfile.mkdtemp()), "build_vs_buy", code)
    inputs = assignment.load(folder)
    assert assignment.indistinct(inputs, assignment.solve(inputs, {})) == blurred
