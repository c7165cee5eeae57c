"""`autograder`: one command whose verbs follow the instructor's workflow.

    autograder case       build the case (HTML with its exhibits and figures)
    autograder release    build release/ from source/ through nbgrader, and check it
    autograder check      check the committed release without rebuilding
    autograder collect    take in submissions: an LMS zip or a folder -> submitted/
    autograder grade      grade submissions in sandboxed kernels, into the gradebook
    autograder feedback   one HTML page per student and assignment (no hidden tests shown)
    autograder export     grades CSV, per-item CSV, Canvas import CSV, results JSON
    autograder report     the instructor report (HTML with charts)
    autograder demo       all of the above on a synthetic class, in a fresh folder
    autograder guide      regenerate the instructor guide's tables from the answer key
    autograder key        print the answer key (instructors only)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from autograder.paths import course_root

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="The Platform Paradox course: build the case, release, grade.")

CourseOpt = typer.Option(None, "--course", help="Course folder (default: found from the cwd).")


def _root(course: Optional[Path]) -> Path:
    try:
        return course_root(course)
    except FileNotFoundError as exc:
        _fail(str(exc))


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command()
def case(course: Optional[Path] = CourseOpt,
         out: Optional[Path] = typer.Option(None, help="Where to write the HTML "
                                                        "(default case/build/case.html).")):
    """Build the case: one self-contained HTML file with its exhibits and figures."""
    from autograder.casebook.build import build_case
    from autograder.data import DataError

    try:
        path = build_case(_root(course), out)
    except DataError as exc:
        _fail(str(exc))
    typer.echo(f"case written to {path}")


@app.command()
def release(assignments: list[str] = typer.Argument(None, help="Assignments (default: all)."),
            course: Optional[Path] = CourseOpt):
    """Build release/ from source/ with nbgrader, copy the data, and check the result."""
    from autograder.release import ReleaseError, build_release

    try:
        results = build_release(_root(course), assignments or None)
    except (ReleaseError, KeyError) as exc:
        _fail(str(exc))
    bad = False
    for r in results:
        note = " (test cells regenerated from the answer key)" if r.source_changed else ""
        typer.echo(f"release/{r.assignment}: {'OK' if not r.problems else 'PROBLEMS'}{note}")
        for problem in r.problems:
            bad = True
            typer.secho(f"  - {problem}", fg=typer.colors.RED, err=True)
    if bad:
        raise typer.Exit(1)


@app.command()
def check(course: Optional[Path] = CourseOpt):
    """Check the release as it is: no solutions, hidden tests or answers; data in sync."""
    from autograder.assignments import ASSIGNMENTS
    from autograder.release import verify

    root = _root(course)
    problems = [p for a in ASSIGNMENTS.values() for p in verify(root, a)]
    for p in problems:
        typer.secho(f"- {p}", fg=typer.colors.RED, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"release OK: {', '.join(ASSIGNMENTS)}")


@app.command()
def key(assignment: str = typer.Argument(..., help="Assignment name, e.g. vtdf."),
        course: Optional[Path] = CourseOpt):
    """Print an assignment's answer key as JSON (it is computed from case/data)."""
    from autograder.assignments import get

    try:
        a = get(assignment)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    root = _root(course)
    typer.echo(json.dumps({k: v["expected"] for k, v in a.key(root / "case" / "data").items()},
                          indent=2))


@app.command()
def collect(source: Path = typer.Argument(..., help="A zip (e.g. Canvas's bulk download) or a "
                                                    "folder of submissions."),
            course: Optional[Path] = CourseOpt):
    """Take in submissions: map each file to a student and an assignment, into submitted/."""
    from autograder.grading.intake import IntakeError, intake

    root = _root(course)
    try:
        report = intake(source, root)
    except IntakeError as exc:
        _fail(str(exc))
    typer.echo(f"accepted {len(report.accepted)} submission(s) into {root / 'submitted'}")
    for sub in report.superseded:
        typer.echo(f"  superseded (older): {sub.original} -> kept in intake/superseded/")
    for problem in report.problems:
        kept = f" (kept at {problem.kept_at})" if problem.kept_at else ""
        typer.secho(f"  not taken: {problem.file}: {problem.reason}{kept}", fg=typer.colors.YELLOW)
    for name in report.ignored:
        typer.echo(f"  ignored: {name}")


@app.command()
def grade(assignments: list[str] = typer.Argument(None, help="Assignments (default: all)."),
          student: list[str] = typer.Option(None, "--student", help="Only these students "
                                                                     "(repeatable)."),
          force: bool = typer.Option(False, "--force", help="Regrade even if already graded."),
          workers: Optional[int] = typer.Option(None, help="Parallel kernels (default: one "
                                                           "per core)."),
          no_sandbox: bool = typer.Option(False, "--no-sandbox",
                                          help="Run student code WITHOUT the sandbox (results "
                                               "are marked unsandboxed)."),
          cell_timeout: int = typer.Option(60, help="Seconds one cell may run."),
          notebook_timeout: int = typer.Option(300, help="Seconds one notebook may run."),
          db: Optional[str] = typer.Option(None, help="Gradebook URL (default: the course's)."),
          course: Optional[Path] = CourseOpt):
    """Grade submissions: each in a fresh sandboxed kernel, checked outside it, into the gradebook."""
    from collections import Counter

    from autograder.grading.pipeline import CourseBusy, grade_class
    from autograder.grading.results import write_results
    from autograder.grading.sandbox import Limits, SandboxUnavailable

    root = _root(course)
    try:
        results = grade_class(root, assignments or None, student or None, force=force,
                              workers=workers, sandbox=not no_sandbox,
                              limits=Limits(cell_seconds=cell_timeout,
                                            notebook_seconds=notebook_timeout), db=db)
    except SandboxUnavailable as exc:
        _fail(f"cannot sandbox student code: {exc}")
    except (CourseBusy, KeyError) as exc:
        _fail(str(exc))
    path = write_results(results, root / "exports" / "results.json")
    counts = Counter(i.status for r in results for i in r.items)
    typer.echo(f"graded {len(results)} submission(s); item statuses: "
               + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    typer.echo(f"results: {path}")


def _results(root: Path, db: Optional[str] = None):
    """Every graded submission, with the hand grades entered in formgrader since."""
    from autograder.grading.gradebook import db_url, with_hand_grades
    from autograder.grading.pipeline import plan

    done = plan(root).done
    if not done:
        _fail(f"no graded submissions in {root / 'autograded'}: run `autograder grade` first")
    return with_hand_grades(done, db or db_url(root))


def _roster(path: Optional[Path]) -> Optional[dict]:
    """Student details from a CSV: either a student_id column with any of first_name,
    last_name, email, sis_id, canvas_id, section; or Canvas's own gradebook export (Student,
    ID, SIS User ID, SIS Login ID, Section), whose ID is the student id `autograder collect`
    gives Canvas submissions."""
    if path is None:
        return None
    import pandas as pd

    try:
        table = pd.read_csv(path, dtype=str).fillna("")
    except (OSError, ValueError) as exc:
        _fail(f"{path}: cannot read the roster ({exc})")
    if "student_id" in table.columns:
        return {row.pop("student_id"): row for row in table.to_dict(orient="records")}
    if {"Student", "ID"} <= set(table.columns):  # a Canvas gradebook export
        roster = {}
        for row in table.to_dict(orient="records"):
            if not row["ID"].strip().isdigit():
                continue  # "Points Possible" and other non-student rows
            last, _, first = row["Student"].partition(",")
            roster[row["ID"].strip()] = {
                "canvas_id": row["ID"].strip(), "first_name": first.strip(),
                "last_name": last.strip(), "sis_id": row.get("SIS User ID", ""),
                "login_id": row.get("SIS Login ID", ""), "section": row.get("Section", "")}
        return roster
    _fail(f"{path}: a roster needs a student_id column, or Canvas's Student and ID columns "
          f"(found {', '.join(table.columns)})")


def _canvas_ids(pairs: Optional[list[str]]) -> Optional[dict]:
    """["vtdf=4711", ...] -> {"vtdf": 4711}: Canvas assignment ids, so the import matches columns."""
    if not pairs:
        return None
    out = {}
    for pair in pairs:
        name, _, number = pair.partition("=")
        if not name or not number.strip().isdigit():
            _fail(f"--canvas-id {pair!r}: write it as <assignment>=<Canvas assignment id>")
        out[name.strip()] = int(number)
    return out


@app.command()
def feedback(course: Optional[Path] = CourseOpt):
    """Write feedback pages: scores per item and diagnoses, never hidden tests or answers."""
    from autograder.outputs import write_feedback

    root = _root(course)
    paths = write_feedback(_results(root), root)
    typer.echo(f"wrote {len(paths)} feedback page(s) under {root / 'feedback'}")


@app.command()
def export(course: Optional[Path] = CourseOpt,
           out: Optional[Path] = typer.Option(None, help="Folder (default: <course>/exports)."),
           roster: Optional[Path] = typer.Option(None, help="Students' names and ids: a CSV with "
                                                            "student_id (first_name, last_name, "
                                                            "email, sis_id, canvas_id), or "
                                                            "Canvas's gradebook export."),
           canvas_id: list[str] = typer.Option(None, "--canvas-id", help="<assignment>=<Canvas "
                                                                           "assignment id> "
                                                                           "(repeatable).")):
    """Export grades: nbgrader-style CSV with statuses, per-item CSV, Canvas CSV, JSON."""
    from autograder.outputs import write_exports

    root = _root(course)
    for kind, path in write_exports(_results(root), out or root / "exports",
                                    students=_roster(roster),
                                    canvas_ids=_canvas_ids(canvas_id)).items():
        typer.echo(f"{kind:8} {path}")


@app.command()
def report(course: Optional[Path] = CourseOpt,
           out: Optional[Path] = typer.Option(None, help="HTML file (default: "
                                                          "<course>/reports/report.html).")):
    """Write the instructor report: distributions, item statistics, common wrong answers."""
    from autograder.outputs import write_report

    root = _root(course)
    typer.echo(f"report written to {write_report(_results(root), out or root / 'reports' / 'report.html')}")


@app.command()
def demo(dest: Path = typer.Option(Path("demo-course"), help="Working folder for the demo "
                                                             "(replaced if it is an earlier demo)."),
         workers: Optional[int] = typer.Option(None, help="Parallel kernels (default: one per core).")):
    """Run everything on a synthetic class: release, grade, feedback, exports, report."""
    from autograder.demo import run_demo, summary

    try:
        result = run_demo(dest.resolve(), workers=workers, log=lambda m: typer.secho(m, fg=typer.colors.YELLOW, err=True))
    except FileExistsError as exc:
        _fail(str(exc))
    typer.echo(summary(result))


@app.command()
def guide(course: Optional[Path] = CourseOpt):
    """Regenerate the instructor guide's answer, mistake and epilogue tables from the key."""
    from autograder.guide import sync_guide

    root = _root(course)
    changed = sync_guide(root / "instructor_guide.md", data_dir=root / "case" / "data")
    typer.echo(f"instructor_guide.md {'updated' if changed else 'already up to date'}")
