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
    autograder variants   each student's variant code, for the LMS (variants on in the config)
    autograder kit        the adopter's kit in dist/: case and teaching-note PDFs, assignment
                          sheets, slide deck, exhibits workbooks, executed answer notebooks

Wrong input ends with one line on stderr that names what is wrong, and a non-zero exit: 2 for
a usage error (an unknown assignment name, a missing argument), 1 for everything else.

Every line that can carry a name from outside (a student id, a file or zip member name, an
error about one) goes out through `_echo`, which escapes what is not printable: a member named
with an escape sequence must not retitle the terminal or fake an "accepted" line.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import NoReturn

import typer

from autograder.assignments import ORDER
from autograder.kit.build import NAMES as KIT_PARTS
from autograder.paths import course_root
from autograder.utils import printable

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Open by Design, the course: build the case, release, grade.")

# Assignment names are checked once, by the command line parser, for every verb.
AssignmentName = Enum("AssignmentName", {name: name for name in ORDER}, type=str)  # type: ignore[misc]

CourseOpt = typer.Option(None, "--course", help="Course folder (default: found from the cwd).")
SchedulerOpt = typer.Option(None, "--scheduler", metavar="tcp://HOST:8786",
                            help="A Dask scheduler whose workers run the kernels (default: the "
                                 "course's c.Cluster.scheduler; none: this machine).")
AssignmentsArg = typer.Argument(None, help="Assignments (default: all).", show_default=False)


def _names(chosen: list | None) -> list[str] | None:
    return [c.value for c in chosen] if chosen else None


def _root(course: Path | None) -> Path:
    return course_root(course)  # FileNotFoundError, reported by main()


def _echo(message: str, **style) -> None:
    """One line out, non-printable characters escaped (see the module docstring)."""
    typer.secho(printable(message), **style)


def _fail(message: str) -> NoReturn:
    _echo(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _warn(message: str) -> None:
    _echo(message, fg=typer.colors.YELLOW, err=True)


def _warn_lines(message: str) -> None:
    """A warning of our own that spans lines: each line escaped, the line breaks kept."""
    for line in message.splitlines():
        _warn(line)


# The errors a user can cause (a file that is not a course, a corrupt gradebook, bad data, a
# busy course, ...), each reported in one line. Named, not imported: their modules pull in
# nbgrader and the sandbox (3 s), which `--help` and a misspelt option do not need.
USER_ERRORS = ("autograder.data.DataError", "autograder.grading.gradebook.GradebookError",
               "autograder.grading.intake.IntakeError", "autograder.grading.pipeline.CourseBusy",
               "autograder.release.ReleaseError", "autograder.kit.printing.KitError",
               "autograder.variants.VariantError", "autograder.grading.cluster.ClusterError",
               "builtins.FileNotFoundError")
SANDBOX_ERROR = "autograder.grading.sandbox.SandboxUnavailable"


def _is(exc: BaseException, *names: str) -> bool:
    return any(f"{c.__module__}.{c.__qualname__}" in names for c in type(exc).__mro__)


def main() -> None:
    """The console entry point: the app, with the errors a user can cause reported in one
    line, exit status 1."""
    try:
        app()
    except Exception as exc:
        if _is(exc, SANDBOX_ERROR):
            _echo(f"error: cannot sandbox student code: {exc}", fg=typer.colors.RED, err=True)
            sys.exit(1)
        if _is(exc, *USER_ERRORS):
            _echo(f"error: {exc}", fg=typer.colors.RED, err=True)
            sys.exit(1)
        raise


@app.command()
def case(course: Path | None = CourseOpt,
         out: Path | None = typer.Option(None, help="Where to write the HTML "
                                                    "(default case/build/case.html).")):
    """Build the case: one self-contained HTML file with its exhibits and figures."""
    from autograder.casebook.build import build_case

    _echo(f"case written to {build_case(_root(course), out)}")


KitPart = Enum("KitPart", {name: name for name in KIT_PARTS}, type=str)  # type: ignore[misc]


@app.command()
def kit(only: list[KitPart] = typer.Option(None, "--only", help="Build only this part (repeatable)."),
        out: Path | None = typer.Option(None, "--out", help="Where to write (default <course>/dist)."),
        course: Path | None = CourseOpt):
    """Build the adopter's kit: dist/student/ (case PDF, assignment sheets, exhibits workbook)
    and dist/instructor/ (teaching note, slide deck, workbook with answers, answer notebooks)."""
    from autograder.kit.build import build_kit

    root = _root(course)

    def done(part, files: list[Path]) -> None:
        for f in files:
            shown = f.relative_to(root) if f.is_relative_to(root) else f
            size = f.stat().st_size
            shown_size = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
            _echo(f"{part.audience:<10} {shown}  ({shown_size}) {part.describe}")

    build_kit(root, out.resolve() if out else None, _names(only), progress=done)


@app.command()
def release(assignments: list[AssignmentName] = AssignmentsArg, course: Path | None = CourseOpt):
    """Build release/ from source/ with nbgrader, copy the data, and check the result."""
    from autograder.release import build_release

    bad = False
    for r in build_release(_root(course), _names(assignments)):
        note = " (test cells regenerated from the answer key)" if r.source_changed else ""
        _echo(f"release/{r.assignment}: {'OK' if not r.problems else 'PROBLEMS'}{note}")
        for problem in r.problems:
            bad = True
            _echo(f"  - {problem}", fg=typer.colors.RED, err=True)
    if bad:
        raise typer.Exit(1)


@app.command()
def check(course: Path | None = CourseOpt):
    """Check the release as it is: no solutions, hidden tests or answers; data in sync."""
    from autograder.assignments import ASSIGNMENTS
    from autograder.release import verify

    root = _root(course)
    problems = []
    for a in ASSIGNMENTS.values():
        try:
            problems += verify(root, a)
        except OSError as exc:  # a file missing or unreadable: name it, not a traceback
            problems.append(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror
                            else f"{a.name}: {exc}")
        except ValueError as exc:  # e.g. a notebook that is not JSON
            problems.append(f"{a.name}: {exc}")
    for p in problems:
        _echo(f"- {p}", fg=typer.colors.RED, err=True)
    if problems:
        _fail(f"release not OK ({len(problems)} problem(s)): run `autograder release` to rebuild "
              "release/ and the copies beside the source notebooks")
    typer.echo(f"release OK: {', '.join(ASSIGNMENTS)}")


@app.command()
def key(assignment: AssignmentName = typer.Argument(..., help="Assignment name, e.g. vtdf."),
        course: Path | None = CourseOpt):
    """Print an assignment's answer key as JSON (it is computed from case/data)."""
    from autograder.assignments import get

    a = get(assignment.value)
    root = _root(course)
    # A derived answer has no single value: it is recomputed from each student's own earlier answers
    shown = {k: v.get("expected", "recomputed for each student from: " + ", ".join(v.get("derived", [])))
             for k, v in a.key(root / "case" / "data").items()}
    typer.echo(json.dumps(shown, indent=2))


@app.command()
def collect(source: Path = typer.Argument(..., help="A zip (e.g. Canvas's bulk download) or a "
                                                    "folder of submissions."),
            course: Path | None = CourseOpt):
    """Take in submissions: map each file to a student and an assignment, into submitted/."""
    from autograder.grading.intake import intake

    root = _root(course)
    report = intake(source, root)
    _echo(f"accepted {len(report.accepted)} submission(s) into {root / 'submitted'}")
    for sub in report.superseded:  # names from the source: untrusted, escaped by _echo
        _echo(f"  superseded (older): {sub.original} -> kept in intake/superseded/")
    for problem in report.problems:
        kept = f" (kept at {problem.kept_at})" if problem.kept_at else ""
        _echo(f"  not taken: {problem.file}: {problem.reason}{kept}", fg=typer.colors.YELLOW)
    for name in report.ignored:
        _echo(f"  ignored: {name}")


@app.command()
def grade(assignments: list[AssignmentName] = AssignmentsArg,
          student: list[str] = typer.Option(None, "--student", help="Only these students "
                                                                     "(repeatable)."),
          force: bool = typer.Option(False, "--force", help="Regrade even if already graded."),
          workers: int | None = typer.Option(None, min=1, help="Parallel kernels (default: one "
                                                                "per core)."),
          no_sandbox: bool = typer.Option(False, "--no-sandbox",
                                          help="Run student code WITHOUT the sandbox (results "
                                               "are marked unsandboxed)."),
          cell_timeout: int = typer.Option(60, min=1, help="Seconds one cell may run."),
          notebook_timeout: int = typer.Option(300, min=1, help="Seconds one notebook may run."),
          db: str | None = typer.Option(None, help="Gradebook URL (default: the course's)."),
          scheduler: str | None = SchedulerOpt,
          course: Path | None = CourseOpt):
    """Grade submissions: each in a fresh sandboxed kernel, checked outside it, into the
    gradebook. (`autograder export` then writes the grades out.) With --scheduler, the kernels
    run on a Dask cluster's workers; judging and the gradebook stay on this machine."""
    from collections import Counter

    from autograder.grading.pipeline import grade_class, plan
    from autograder.grading.sandbox import Limits

    root = _root(course)
    names, students = _names(assignments), student or None
    before = plan(root, names, students, force)
    if not before.todo and not before.done:
        what = f"{', '.join(names) if names else 'any assignment'}"
        who = f" by {', '.join(students)}" if students else ""
        _fail(f"no submissions of {what}{who} in {root / 'submitted'} "
              "(bring them in with `autograder collect` or `nbgrader collect`)")
    results = grade_class(root, names, students, force=force, workers=workers,
                          sandbox=not no_sandbox,
                          limits=Limits(cell_seconds=cell_timeout,
                                        notebook_seconds=notebook_timeout), db=db,
                          scheduler=scheduler)
    fresh = {(j.student, j.assignment) for j in before.todo}
    counts = Counter(i.status for r in results if (r.student, r.assignment) in fresh
                     for i in r.items)
    _echo(f"graded {len(fresh)} submission(s)"
               + (f" ({len(before.done)} already graded and unchanged)" if before.done else "")
               + ("; item statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                  if counts else ""))
    typer.echo("next: `autograder export` (grades), `autograder feedback`, `autograder report`")


@app.command("worker-check")
def worker_check(scheduler: str | None = SchedulerOpt,
                 no_sandbox: bool = typer.Option(False, "--no-sandbox",
                                                 help="Do not require the sandbox on workers."),
                 wait: float = typer.Option(60, min=0, help="Seconds to wait for a first worker."),
                 course: Path | None = CourseOpt):
    """Before grading on a Dask cluster: can each worker grade? (bubblewrap, the same Python
    packages and autograder code as this machine.) Exit status 1 if any cannot."""
    from autograder.grading import cluster

    address = scheduler or cluster.course_scheduler(_root(course))
    if not address:
        _fail("no scheduler: give --scheduler tcp://HOST:8786 or set c.Cluster.scheduler in "
              "the course's nbgrader_config.py")
    with cluster.connect(address) as client:
        found = cluster.check_workers(client, sandboxed=not no_sandbox, wait=wait)
    for worker, problems in found.items():
        if problems:
            _echo(f"{worker}: cannot grade", fg=typer.colors.RED)
            for problem in problems:
                _echo(f"  - {problem}")
        else:
            _echo(f"{worker}: ready")
    lacking = sum(bool(p) for p in found.values())
    if lacking:
        _fail(f"{lacking} of {len(found)} worker(s) cannot grade; fix them or stop them first")
    typer.echo(f"all {len(found)} worker(s) at {address} can grade")


def _results(root: Path, db: str | None = None):
    """Every submission in submitted/: as graded (with the hand grades entered in formgrader
    since), or as "submitted, not graded" when it is new or changed since it was graded."""
    from autograder.grading.gradebook import course_gradebook, with_hand_grades
    from autograder.grading.late import with_penalties
    from autograder.grading.pipeline import not_graded, plan

    work = plan(root)
    if not work.done and not work.todo:
        _fail(f"no submissions in {root / 'submitted'}: bring them in with `autograder collect`, "
              "then run `autograder grade`")
    pending = [not_graded(job) for job in work.todo]
    if pending:
        _warn(f"{len(pending)} submission(s) are not graded in their current version (new, or "
              "changed since grading); they are listed as 'submitted, not graded' with a blank "
              "score — run `autograder grade` to grade them:")
        for r in pending:
            _warn(f"  {r.assignment}/{r.student}")
    url, course_id = course_gradebook(root)
    # penalties recomputed on the final scores (hand grades, extensions granted since grading)
    return with_penalties(with_hand_grades(work.done, db or url, course_id), root, db) + pending


def _roster(path: Path | None) -> dict | None:
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


def _canvas_ids(pairs: list[str] | None) -> dict | None:
    """["vtdf=4711", ...] -> {"vtdf": 4711}: Canvas assignment ids, so the import matches columns."""
    if not pairs:
        return None
    out = {}
    for pair in pairs:
        name, _, number = pair.partition("=")
        if name.strip() not in ORDER or not number.strip().isdigit():
            _fail(f"--canvas-id {pair!r}: write it as <assignment>=<Canvas assignment id>, the "
                  f"assignment one of {', '.join(ORDER)}")
        out[name.strip()] = int(number)
    return out


@app.command()
def variants(assignment: AssignmentName = typer.Argument(..., help="An assignment with variants "
                                                                    "on, e.g. build_vs_buy."),
             roster: Path = typer.Option(..., help="Who gets a code: a CSV with student_id, or "
                                                   "Canvas's gradebook export."),
             out: Path | None = typer.Option(None, help="CSV to write (default: "
                                                        "<course>/exports/variant_codes_<assignment>.csv)."),
             course: Path | None = CourseOpt):
    """Issue each student's variant code (instructors only: whoever has the codes can do any
    student's variant). Send each student their own, e.g. as an LMS comment or a Hub variable."""
    import csv

    from autograder import variants as v

    root, name = _root(course), assignment.value
    if name not in v.enabled(root):
        _fail(f"variants are off for {name}: add it to c.Variants.assignments in "
              f"{root / 'nbgrader_config.py'}, then run `autograder release` and this again")
    students = _roster(roster) or {}
    if not students:
        _fail(f"{roster}: no students in the roster")
    codes = v.issued_codes(root, name, sorted(students))
    path = out or root / "exports" / f"variant_codes_{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "assignment", "variant_code"])
        writer.writerows([s, name, c] for s, c in codes.items())
    _echo(f"wrote {len(codes)} variant code(s) for {name} to {path}; keep the file private "
          "(each code is one student's data)")


@app.command()
def feedback(course: Path | None = CourseOpt):
    """Write feedback pages: scores per item and diagnoses, never hidden tests or answers."""
    from autograder.outputs import write_feedback

    root = _root(course)
    paths = write_feedback(_results(root), root)
    _echo(f"wrote {len(paths)} feedback page(s) under {root / 'feedback'}")


@app.command()
def export(course: Path | None = CourseOpt,
           out: Path | None = typer.Option(None, help="Folder (default: <course>/exports)."),
           roster: Path | None = typer.Option(None, help="Students' names and ids: a CSV with "
                                                         "student_id (first_name, last_name, "
                                                         "email, sis_id, canvas_id), or "
                                                         "Canvas's gradebook export."),
           canvas_id: list[str] = typer.Option(None, "--canvas-id", help="<assignment>=<Canvas "
                                                                           "assignment id> "
                                                                           "(repeatable).")):
    """Export grades: nbgrader-style CSV with statuses, per-item CSV, Canvas CSV, JSON."""
    from autograder.outputs import write_exports

    root = _root(course)
    students, ids = _roster(roster), _canvas_ids(canvas_id)
    for kind, path in write_exports(_results(root), out or root / "exports", students=students,
                                    canvas_ids=ids).items():
        _echo(f"{kind:8} {path}")


@app.command()
def report(course: Path | None = CourseOpt,
           out: Path | None = typer.Option(None, help="HTML file (default: "
                                                      "<course>/reports/report.html).")):
    """Write the instructor report: distributions, item statistics, common wrong answers."""
    from autograder.outputs import write_report

    root = _root(course)
    path = write_report(_results(root), out or root / "reports" / "report.html")
    _echo(f"report written to {path}")


@app.command()
def demo(dest: Path = typer.Option(Path("demo-course"), help="Working folder for the demo "
                                                             "(replaced if it is an earlier demo)."),
         workers: int | None = typer.Option(None, min=1, help="Parallel kernels (default: one "
                                                               "per core)."),
         scheduler: str | None = typer.Option(None, "--scheduler", metavar="tcp://HOST:8786",
                                              help="Run the kernels on this Dask scheduler's "
                                                   "workers (default: this machine).")):
    """Run everything on a synthetic class: release, grade, feedback, exports, report."""
    from autograder.demo import run_demo, summary

    try:
        result = run_demo(dest.resolve(), workers=workers, log=_warn_lines, scheduler=scheduler)
    except FileExistsError as exc:
        _fail(str(exc))
    typer.echo(summary(result))


@app.command()
def guide(course: Path | None = CourseOpt):
    """Regenerate the instructor guide's answer, mistake and epilogue tables from the key."""
    from autograder.guide import sync_guide

    root = _root(course)
    changed = sync_guide(root / "instructor_guide.md", data_dir=root / "case" / "data")
    _echo(f"instructor_guide.md {'updated' if changed else 'already up to date'}")
