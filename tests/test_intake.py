"""Intake of student submissions: real zips and folders in, `submitted/` and a report out."""

from __future__ import annotations

import os
import struct
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from hostile import HONEST_INTAKE, HOSTILE_INTAKE, intake_zip

from autograder.grading.intake import IntakeError, Limits, discover, intake, is_late

REPO = Path(__file__).resolve().parent.parent
VTDF = (REPO / "release" / "vtdf" / "vtdf.ipynb").read_bytes()  # real grade ids: maps by content
T1 = datetime(2025, 3, 30, 12, 0, 0)
T2 = datetime(2025, 3, 31, 9, 30, 0)
T3 = datetime(2025, 4, 2, 8, 0, 0)


def small_notebook(text: str = "print('hi')") -> bytes:
    """A valid notebook with no nbgrader metadata: only its name can map it."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)])
    return nbformat.writes(nb).encode()


def make_zip(path: Path, entries, compression=zipfile.ZIP_DEFLATED) -> Path:
    """entries: (name, bytes) or (name, bytes, date_time) or a ready ZipInfo with bytes."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for entry in entries:
            if isinstance(entry[0], zipfile.ZipInfo):
                zf.writestr(entry[0], entry[1], compress_type=compression)
                continue
            name, data, *when = entry
            info = zipfile.ZipInfo(name, (when[0] if when else T1).timetuple()[:6])
            zf.writestr(info, data, compress_type=compression)
    return path


def patch_name(path: Path, placeholder: bytes, raw: bytes) -> None:
    """Put raw (non-UTF-8-flagged) bytes in a member's name, in both zip headers."""
    assert len(placeholder) == len(raw)
    data = path.read_bytes()
    assert data.count(placeholder) == 2
    path.write_bytes(data.replace(placeholder, raw))


def snapshot(root: Path) -> dict:
    return {p.relative_to(root): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def alembic_on_path(monkeypatch):
    """A new nbgrader Gradebook runs `alembic` from PATH: use this venv's, activated or not."""
    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))


@pytest.fixture
def course(tmp_path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    return root


# --------------------------------------------------------------------- mapping and naming


def test_canvas_names_late_marker_and_user_ids(tmp_path, course):
    """Does a Canvas bulk download map each file to its user id, keep the display name, and set
    late_flag only for _LATE_ files, with the zip entry's time as the submission time?"""
    src = make_zip(tmp_path / "submissions.zip", [
        ("doejane_1234_5678_vtdf.ipynb", VTDF, T1),
        ("smithjohn_LATE_2222_5679_vtdf.ipynb", VTDF, T3),
    ])
    report = intake(src, course)
    assert report.problems == [] and report.superseded == []
    got = {s.student: s for s in report.accepted}
    assert set(got) == {"1234", "2222"}
    assert (got["1234"].display_name, got["1234"].late_flag, got["1234"].timestamp) == \
        ("doejane", False, T1)
    assert (got["2222"].display_name, got["2222"].late_flag, got["2222"].timestamp) == \
        ("smithjohn", True, T3)
    assert got["2222"].original == "smithjohn_LATE_2222_5679_vtdf.ipynb"
    stored = course / "submitted" / "2222" / "vtdf" / "vtdf.ipynb"
    assert got["2222"].path == stored and stored.read_bytes() == VTDF


@pytest.mark.parametrize("filename", [
    "vtdf (1).ipynb", "vtdf-2.ipynb", "VTDF.ipynb", "vtdf_final.ipynb", "Copy of vtdf.ipynb",
    "vtdf-Copy1.ipynb", "Vtdf v2.IPYNB",
])
def test_renamed_notebooks_map_by_name(tmp_path, course, filename):
    """Does a renamed copy of the assignment notebook still map by its name alone (its content
    has no grade ids), and land under the assignment's own notebook name?"""
    body = small_notebook()
    src = make_zip(tmp_path / "s.zip", [(f"doejane_1234_5678_{filename}", body)])
    report = intake(src, course)
    assert [(s.student, s.assignment) for s in report.accepted] == [("1234", "vtdf")]
    assert (course / "submitted" / "1234" / "vtdf" / "vtdf.ipynb").read_bytes() == body


def test_a_name_that_only_contains_the_assignment_does_not_map_by_name(tmp_path, course):
    """Is `vtdf_alice.ipynb` (not a copy mark after the stem) left unmapped rather than guessed?"""
    src = make_zip(tmp_path / "s.zip", [("doejane_1234_5678_vtdf_alice.ipynb", small_notebook())])
    report = intake(src, course)
    assert report.accepted == []
    assert [p.file for p in report.problems] == ["doejane_1234_5678_vtdf_alice.ipynb"]
    assert "cannot tell the assignment" in report.problems[0].reason


def test_content_maps_a_notebook_whatever_its_name(tmp_path, course):
    """Does a notebook named `homework.ipynb` (Canvas) or `alice.ipynb` (plain) map to vtdf
    through its cells' nbgrader grade ids?"""
    src = make_zip(tmp_path / "s.zip", [
        ("doejane_1234_5678_homework.ipynb", VTDF),
        ("alice.ipynb", VTDF),
    ])
    report = intake(src, course)
    assert report.problems == []
    assert sorted((s.student, s.assignment) for s in report.accepted) == \
        [("1234", "vtdf"), ("alice", "vtdf")]


def test_broken_notebook_is_still_stored_when_its_name_maps(tmp_path, course):
    """Is a file that is not JSON, but named like the assignment, stored byte for byte (the
    grader, not intake, calls it an invalid notebook)?"""
    junk = b"{ this is not json"
    src = make_zip(tmp_path / "s.zip", [("doejane_1234_5678_vtdf.ipynb", junk)])
    report = intake(src, course)
    assert [(s.student, s.assignment) for s in report.accepted] == [("1234", "vtdf")]
    assert (course / "submitted" / "1234" / "vtdf" / "vtdf.ipynb").read_bytes() == junk


def test_plain_folder_of_student_notebooks(tmp_path, course):
    """Does a plain folder of `<student>.ipynb` (and `<student>/<assignment>.ipynb`) map each
    file to its student, with the file's modification time as the submission time?"""
    src = tmp_path / "batch"
    (src / "carol").mkdir(parents=True)
    (src / "alice.ipynb").write_bytes(VTDF)
    (src / "Bob Smith.ipynb").write_bytes(VTDF)
    (src / "carol" / "VTDF (2).ipynb").write_bytes(small_notebook())
    stamp = (T2 - datetime(1970, 1, 1)).total_seconds()
    os.utime(src / "alice.ipynb", (stamp, stamp))
    report = intake(src, course)
    assert report.problems == []
    got = {s.student: s for s in report.accepted}
    assert set(got) == {"alice", "Bob_Smith", "carol"}
    assert got["alice"].timestamp == T2
    assert all(s.assignment == "vtdf" for s in report.accepted)


def test_a_notebook_named_after_the_assignment_needs_a_student_folder(tmp_path, course):
    """Is a bare `vtdf.ipynb` with no student folder reported (not filed under a made-up id)?"""
    src = tmp_path / "batch"
    src.mkdir()
    (src / "vtdf.ipynb").write_bytes(VTDF)
    report = intake(src, course)
    assert report.accepted == []
    assert "cannot tell the student" in report.problems[0].reason
    assert report.problems[0].kept_at.read_bytes() == VTDF


def test_nbgrader_submitted_tree_with_its_timestamps(tmp_path, course):
    """Does an nbgrader `submitted/<student>/<assignment>/` tree (as a folder and as a zip) keep
    each student's timestamp.txt time, and note the non-notebook files it does not collect?"""
    tree = tmp_path / "export" / "submitted"
    for student, when in (("alice", "2025-03-31 23:59:00.000000 UTC"),  # nbgrader submit
                          ("bob", "2025-04-01 03:00:00.500000")):  # nbgrader zip_collect
        folder = tree / student / "vtdf"
        (folder / "data").mkdir(parents=True)
        (folder / "vtdf.ipynb").write_bytes(VTDF)
        (folder / "timestamp.txt").write_text(when)
        (folder / "data" / "vtdf.csv").write_text("a,b\n")
    for src in (tree, tmp_path / "export",
                make_zip(tmp_path / "tree.zip",
                         [(p.relative_to(tmp_path / "export").as_posix(), p.read_bytes())
                          for p in sorted(tree.rglob("*")) if p.is_file()])):
        target = tmp_path / f"course-{src.name}"
        target.mkdir()
        report = intake(src, target)
        assert report.problems == []
        got = {s.student: s.timestamp for s in report.accepted}
        assert got == {"alice": datetime(2025, 3, 31, 23, 59),
                       "bob": datetime(2025, 4, 1, 3, 0, 0, 500000)}
        assert any("alice/vtdf/data/vtdf.csv" in i for i in report.ignored)
        assert (target / "submitted" / "bob" / "vtdf" / "timestamp.txt").read_text().strip() == \
            "2025-04-01 03:00:00.500000 UTC"


def test_timestamp_file_is_what_nbgrader_reads(tmp_path, course):
    """Does nbgrader's own CourseDirectory.get_existing_timestamp read back the time we wrote?"""
    from nbgrader.coursedir import CourseDirectory

    src = make_zip(tmp_path / "s.zip", [("doejane_1234_5678_vtdf.ipynb", VTDF, T2)])
    intake(src, course)
    folder = course / "submitted" / "1234" / "vtdf"
    assert CourseDirectory(root=str(course)).get_existing_timestamp(str(folder)) == T2


def test_zip_extended_timestamp_beats_date_time(tmp_path, course):
    """Does a member's extended-timestamp field (UTC mtime) win over its zone-less date_time?"""
    info = zipfile.ZipInfo("alice.ipynb", T1.timetuple()[:6])
    utc = int((T3 - datetime(1970, 1, 1)).total_seconds())
    info.extra = struct.pack("<HHBi", 0x5455, 5, 1, utc)
    src = make_zip(tmp_path / "s.zip", [(info, VTDF)])
    assert intake(src, course).accepted[0].timestamp == T3


# -------------------------------------------------------------------------------- safety


def test_zip_slip_and_absolute_paths_are_refused(tmp_path, course):
    """Are members named `../evil.ipynb`, `/abs/evil.ipynb`, `C:/evil.ipynb`, `..\\evil.ipynb`
    and `a/../../evil.ipynb` refused, with nothing written outside the course?"""
    evil = ["../evil.ipynb", "/abs/evil.ipynb", "C:/evil.ipynb", "..\\evil.ipynb",
            "a/../../evil.ipynb"]
    src = make_zip(tmp_path / "s.zip", [(name, VTDF) for name in evil] + [("alice.ipynb", VTDF)])
    before = {p for p in tmp_path.rglob("*") if course not in p.parents}
    report = intake(src, course)
    after = {p for p in tmp_path.rglob("*") if course not in p.parents}
    assert after == before
    assert not list(Path("/").glob("abs/evil.ipynb"))
    assert sorted(p.file for p in report.problems) == sorted(evil)
    assert all(p.reason.startswith("refused") and p.kept_at is None for p in report.problems)
    assert not [p for p in course.rglob("*evil*")]
    assert [s.student for s in report.accepted] == ["alice"]


def test_symlinks_are_refused_in_zips_and_not_followed_in_folders(tmp_path, course):
    """Is a symlink member of a zip refused, and a symlink in a folder source not followed?"""
    link = zipfile.ZipInfo("alice.ipynb", T1.timetuple()[:6])
    link.create_system = 3
    link.external_attr = (0o120777 << 16)
    src = make_zip(tmp_path / "s.zip", [(link, b"/etc/passwd")])
    report = intake(src, course)
    assert report.accepted == [] and "symbolic link" in report.problems[0].reason

    folder = tmp_path / "batch"
    folder.mkdir()
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(VTDF)
    (folder / "bob.ipynb").symlink_to(secret)
    report = intake(folder, course)
    assert report.accepted == [] and "symbolic link" in report.problems[0].reason


def test_zip_bomb_by_compression_ratio_is_refused(tmp_path, course):
    """Is a member that inflates more than max_ratio times (5 MiB of zeros) refused unread?"""
    src = make_zip(tmp_path / "bomb.zip", [("alice.ipynb", b"\0" * (5 * 1024 * 1024)),
                                           ("bob.ipynb", VTDF)])
    report = intake(src, course)
    assert [p.file for p in report.problems] == ["alice.ipynb"]
    assert "compression ratio" in report.problems[0].reason
    assert [s.student for s in report.accepted] == ["bob"]


def test_per_file_and_total_size_caps(tmp_path, course):
    """Is a member over max_file_bytes a per-file problem, and a zip over max_total_bytes an
    IntakeError naming the zip, before anything is written?"""
    src = make_zip(tmp_path / "s.zip", [("alice.ipynb", VTDF),
                                        ("vtdf/bob.ipynb", small_notebook())])
    report = intake(src, course, limits=Limits(max_file_bytes=len(VTDF) - 1))
    assert [p.file for p in report.problems] == ["alice.ipynb"]
    assert "too large" in report.problems[0].reason
    other = tmp_path / "other-course"
    other.mkdir()
    with pytest.raises(IntakeError, match="s.zip.*max_total_bytes"):
        intake(src, other, limits=Limits(max_total_bytes=len(VTDF)))
    assert list(other.iterdir()) == []


def test_too_many_files(tmp_path, course):
    """Does a zip or folder with more than max_files files stop the intake with an IntakeError?"""
    src = make_zip(tmp_path / "many.zip", [(f"s{i}.ipynb", VTDF) for i in range(4)])
    with pytest.raises(IntakeError, match="many.zip.*max_files"):
        intake(src, course, limits=Limits(max_files=3))
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(4):
        (folder / f"s{i}.ipynb").write_bytes(VTDF)
    with pytest.raises(IntakeError, match="max_files"):
        intake(folder, course, limits=Limits(max_files=3))
    assert not (course / "submitted").exists()


def test_unusable_sources_raise_intake_error(tmp_path, course):
    """Is a missing source, or a file that is not a zip, an IntakeError naming it?"""
    with pytest.raises(IntakeError, match="nothere.zip"):
        intake(tmp_path / "nothere.zip", course)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(IntakeError, match="notes.txt"):
        intake(text, course)
    with pytest.raises(IntakeError, match="contains the course"):
        intake(tmp_path, course)


# ----------------------------------------------------------------------------- file names


def test_utf8_name_without_the_utf8_flag_is_recovered(tmp_path, course):
    """Is a member whose name bytes are UTF-8 but not flagged (read as cp437 by default) given
    its real name, so the student id is `José`?"""
    src = make_zip(tmp_path / "s.zip", [("JosXY.ipynb", VTDF)])
    patch_name(src, b"JosXY.ipynb", "José.ipynb".encode())
    with zipfile.ZipFile(src) as zf:
        assert zf.infolist()[0].flag_bits & 0x800 == 0
        assert zf.infolist()[0].filename != "José.ipynb"  # what zipfile alone makes of it
    report = intake(src, course)
    assert [s.student for s in report.accepted] == ["José"]
    assert (course / "submitted" / "José" / "vtdf" / "vtdf.ipynb").is_file()


def test_info_zip_unicode_path_field_is_used(tmp_path, course):
    """Does the Info-ZIP Unicode Path field (0x7075) give the name when the header is cp437?"""
    import binascii

    raw = b"Ren?.ipynb"
    info = zipfile.ZipInfo(raw.decode("ascii"), T1.timetuple()[:6])
    utf8 = "René.ipynb".encode()
    info.extra = struct.pack("<HHBI", 0x7075, 5 + len(utf8), 1, binascii.crc32(raw)) + utf8
    src = make_zip(tmp_path / "s.zip", [(info, VTDF)])
    assert [s.student for s in intake(src, course).accepted] == ["René"]


def test_raw_non_utf8_names_in_zips_and_folders_do_not_break_intake(tmp_path, course):
    """Are Latin-1 name bytes (not UTF-8) in a zip and on disk decoded to printable text, and the
    files still mapped or kept, never crashing the report?"""
    src = make_zip(tmp_path / "s.zip", [("JosX.ipynb", VTDF), ("notesX.txt", b"x")])
    patch_name(src, b"JosX.ipynb", b"Jos\xe9.ipynb")
    patch_name(src, b"notesX.txt", b"notes\xff.txt")
    report = intake(src, course)
    assert [s.student for s in report.accepted] == ["Jos\u0398"]  # 0xE9 in cp437
    assert report.problems[0].kept_at.is_file()

    folder = tmp_path / "raw"
    folder.mkdir()
    raw_path = os.path.join(os.fsencode(folder), b"Ana\xe9.ipynb")
    with open(raw_path, "wb") as fh:
        fh.write(VTDF)
    report = intake(folder, course)
    for text in [s.original for s in report.accepted] + [p.file for p in report.problems]:
        text.encode("utf-8")  # no lone surrogates
    assert [s.student for s in report.accepted] == ["Anaé"]


def test_unsafe_student_ids_are_refused_with_a_reason(tmp_path, course):
    """Are student ids that are not safe folder names (`;`, `$`, a dot name) refused, kept, and
    explained, while a space just becomes `_`?"""
    src = tmp_path / "batch"
    (src / "submitted" / "eve$" / "vtdf").mkdir(parents=True)
    (src / "submitted" / "eve$" / "vtdf" / "vtdf.ipynb").write_bytes(VTDF)
    (src / "rm;x.ipynb").write_bytes(VTDF)
    (src / "Ann Lee.ipynb").write_bytes(VTDF)
    report = intake(src, course)
    assert [s.student for s in report.accepted] == ["Ann_Lee"]
    reasons = {p.file: p.reason for p in report.problems}
    assert set(reasons) == {"submitted/eve$/vtdf/vtdf.ipynb", "rm;x.ipynb"}
    assert all("unsafe student id" in r for r in reasons.values())
    assert all(p.kept_at.is_file() for p in report.problems)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["Ann_Lee"]


@pytest.mark.parametrize("case", HOSTILE_INTAKE, ids=lambda c: c.name)
def test_hostile_members_are_refused_beside_honest_twins(tmp_path, course, case):
    """Is each hostile member (JSON nested 100,000 deep, a notebook over the size cap, a student
    id a spreadsheet runs as a formula or holding control characters) refused with a reason
    that names it, while the honest twins in the same zip are accepted and stored intact?"""
    src = intake_zip(tmp_path / "class.zip", VTDF, [case])
    report = intake(src, course)
    assert sorted(s.student for s in report.accepted) == sorted(HONEST_INTAKE.values())
    assert [p.file for p in report.problems] == [case.member], report.problems
    assert case.reason in report.problems[0].reason, report.problems[0].reason
    assert sorted(p.name for p in (course / "submitted").iterdir()) == \
        sorted(HONEST_INTAKE.values())
    for student in HONEST_INTAKE.values():
        assert (course / "submitted" / student / "vtdf" / "vtdf.ipynb").read_bytes() == VTDF


def test_an_unexpected_failure_on_one_file_is_that_files_problem(tmp_path, course):
    """Does a file intake cannot handle for a reason nobody foresaw (here a Canvas submission id
    of 5,000 digits, which int() refuses) become that file's problem, with the others taken in?"""
    odd = f"doejane_1234_{'9' * 5000}_vtdf.ipynb"
    src = make_zip(tmp_path / "s.zip", [(odd, VTDF), ("smithjohn_2222_5679_vtdf.ipynb", VTDF)])
    report = intake(src, course)
    assert [s.student for s in report.accepted] == ["2222"]
    assert [p.file for p in report.problems] == [odd]
    assert "could not be taken in (ValueError" in report.problems[0].reason


# ------------------------------------------------------------------- junk and the unmapped


def test_os_junk_is_ignored_with_a_note(tmp_path, course):
    """Are `__MACOSX/`, `.DS_Store`, `.git/` and `.ipynb_checkpoints/`, in a zip or a folder,
    ignored, listed, and never mistaken for submissions (nor counted against max_files)?"""
    src = make_zip(tmp_path / "s.zip", [
        ("alice.ipynb", VTDF),
        ("__MACOSX/._alice.ipynb", b"\0\5\26\7"),
        (".DS_Store", b"junk"),
        ("sub/.ipynb_checkpoints/bob-checkpoint.ipynb", VTDF),
    ])
    report = intake(src, course)
    assert [s.student for s in report.accepted] == ["alice"]
    assert report.problems == []
    assert [i.split(" (")[0] for i in report.ignored] == [
        ".DS_Store", "__MACOSX/._alice.ipynb", "sub/.ipynb_checkpoints/bob-checkpoint.ipynb"]

    folder = tmp_path / "batch"
    for junk in (".ipynb_checkpoints", "__MACOSX", ".git"):
        (folder / junk).mkdir(parents=True)
        (folder / junk / "bob.ipynb").write_bytes(VTDF)
    (folder / ".DS_Store").write_bytes(b"junk")
    (folder / "alice.ipynb").write_bytes(VTDF)
    report = intake(folder, course, limits=Limits(max_files=2))
    assert [s.student for s in report.accepted] == ["alice"] and report.problems == []
    assert [i.split(" (")[0] for i in report.ignored] == [
        ".DS_Store", ".git/", ".ipynb_checkpoints/", "__MACOSX/"]


def test_unmappable_files_are_kept_and_reported(tmp_path, course):
    """Is each file that cannot be mapped reported by name with its reason, and copied under
    intake/unmapped/ byte for byte?"""
    src = make_zip(tmp_path / "s.zip", [
        ("doejane_1234_5678_report.pdf", b"%PDF-1.4"),
        ("doejane_1234_5678_homework.ipynb", small_notebook()),
        ("nested.zip", b"PK\3\4"),
    ])
    report = intake(src, course)
    assert report.accepted == []
    reasons = {p.file: p.reason for p in report.problems}
    assert reasons["doejane_1234_5678_report.pdf"] == "not a notebook (.pdf)"
    assert reasons["nested.zip"] == "not a notebook (.zip)"
    assert reasons["doejane_1234_5678_homework.ipynb"].startswith("cannot tell the assignment")
    for problem in report.problems:
        assert problem.kept_at.is_relative_to(course / "intake" / "unmapped")
    kept = {p.file: p.kept_at.read_bytes() for p in report.problems}
    assert kept["doejane_1234_5678_report.pdf"] == b"%PDF-1.4"


def test_folder_name_is_the_last_resort_for_the_assignment(tmp_path, course):
    """Does `vtdf/<student>.ipynb` map to vtdf when neither the name nor the content can?"""
    src = make_zip(tmp_path / "s.zip", [("vtdf/alice.ipynb", small_notebook())])
    assert [(s.student, s.assignment) for s in intake(src, course).accepted] == [("alice", "vtdf")]


# ------------------------------------------------------------------- repeats and lateness


def test_latest_of_several_submissions_wins_and_the_rest_are_kept(tmp_path, course):
    """Of three submissions by one student, is the latest accepted and are the two earlier ones
    kept under intake/superseded/ with their times?"""
    bodies = {T1: small_notebook("1"), T2: small_notebook("2"), T3: small_notebook("3")}
    src = make_zip(tmp_path / "s.zip", [
        ("doejane_1234_5001_vtdf.ipynb", bodies[T2], T2),
        ("doejane_1234_5002_vtdf-1.ipynb", bodies[T3], T3),
        ("doejane_1234_5000_vtdf (1).ipynb", bodies[T1], T1),
    ])
    report = intake(src, course)
    assert [(s.student, s.timestamp) for s in report.accepted] == [("1234", T3)]
    assert (course / "submitted" / "1234" / "vtdf" / "vtdf.ipynb").read_bytes() == bodies[T3]
    assert [s.timestamp for s in report.superseded] == [T1, T2]
    for old in report.superseded:
        assert old.path.is_relative_to(course / "intake" / "superseded" / "1234" / "vtdf")
        assert old.path.read_bytes() == bodies[old.timestamp]


def test_an_older_submission_never_replaces_a_newer_one(tmp_path, course):
    """Across two intakes, does a newer submission replace the stored one (which moves to
    superseded), while an older one is only kept as superseded?"""
    old, new = small_notebook("old"), small_notebook("new")
    intake(make_zip(tmp_path / "a.zip", [("vtdf/alice.ipynb", old, T1)]), course)
    stored = course / "submitted" / "alice" / "vtdf" / "vtdf.ipynb"
    report = intake(make_zip(tmp_path / "b.zip", [("vtdf/alice.ipynb", new, T3)]), course)
    assert stored.read_bytes() == new
    assert [(s.timestamp, s.path.read_bytes()) for s in report.superseded] == [(T1, old)]

    report = intake(make_zip(tmp_path / "c.zip", [("vtdf/alice.ipynb", small_notebook("x"), T2)]),
                    course)
    assert report.accepted == []
    assert stored.read_bytes() == new
    assert discover(course)[0].timestamp == T3
    assert [s.timestamp for s in report.superseded] == [T2]


def test_same_time_different_notebooks_is_ambiguous(tmp_path, course):
    """Are two different notebooks for one student and assignment with the same time both kept
    as problems, with nothing accepted for that pair?"""
    src = make_zip(tmp_path / "s.zip", [("alice/vtdf.ipynb", small_notebook("a"), T1),
                                        ("alice/vtdf_final.ipynb", small_notebook("b"), T1)])
    report = intake(src, course)
    assert report.accepted == []
    assert len(report.problems) == 2 and all("ambiguous" in p.reason for p in report.problems)
    assert not (course / "submitted").exists()


def test_intake_twice_changes_nothing(tmp_path, course):
    """Does a second intake of the same zip leave every file (bytes and mtimes) as it was and
    report exactly the same?"""
    src = make_zip(tmp_path / "s.zip", [
        ("doejane_1234_5001_vtdf.ipynb", small_notebook("2"), T2),
        ("doejane_1234_5000_vtdf.ipynb", small_notebook("1"), T1),
        ("smithjohn_LATE_2222_5003_homework.ipynb", VTDF, T3),
        ("readme.txt", b"hello"),
        ("__MACOSX/._x", b"x"),
    ])
    first = intake(src, course)
    files = snapshot(course)
    second = intake(src, course)
    assert second == first
    assert snapshot(course) == files
    assert len(first.accepted) == 2 and len(first.superseded) == 1 and len(first.problems) == 1


def test_discover_lists_what_is_submitted(tmp_path, course):
    """Does discover list submissions sorted by (assignment, student), parse timestamp.txt, and
    filter by assignment and student?"""
    src = make_zip(tmp_path / "s.zip", [("bob.ipynb", VTDF, T2), ("alice.ipynb", VTDF, T1)])
    intake(src, course)
    (course / "submitted" / "carol" / "vtdf").mkdir(parents=True)  # no notebook: not listed
    found = discover(course)
    assert [(s.assignment, s.student, s.timestamp) for s in found] == \
        [("vtdf", "alice", T1), ("vtdf", "bob", T2)]
    assert [s.student for s in discover(course, student="bob")] == ["bob"]
    assert discover(course, assignment="scenarios") == []


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's add_submission
def test_is_late_follows_the_gradebook_due_date(tmp_path, course, alembic_on_path):
    """Is a submission late exactly when its time is after the gradebook's due date (plus the
    student's extension), and never when there is no due date or no gradebook?"""
    from nbgrader.api import Gradebook

    src = make_zip(tmp_path / "s.zip", [("alice.ipynb", VTDF, T1), ("bob.ipynb", VTDF, T3)])
    intake(src, course)
    alice, bob = discover(course)
    assert not is_late(course, bob)
    assert not (course / "gradebook.db").exists()  # asking did not create a gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        gb.add_assignment("vtdf", duedate=T2)
    assert not is_late(course, alice)
    assert is_late(course, bob)
    on_time = discover(course, student="bob")[0]
    on_time.timestamp = T2
    assert not is_late(course, on_time)  # at the due date is on time, as in nbgrader

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        gb.add_student("bob")
        gb.add_submission("vtdf", "bob")
        gb.grant_extension("vtdf", "bob", days=7)
    assert not is_late(course, bob)

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        gb.update_or_create_assignment("vtdf", duedate=None)
    assert not is_late(course, alice.__class__(**{**alice.__dict__, "timestamp": T3}))


def test_is_late_reads_db_url_from_the_course_config(tmp_path, course, alembic_on_path):
    """Does is_late open the gradebook named by db_url in the course's nbgrader_config.py?"""
    from nbgrader.api import Gradebook

    elsewhere = tmp_path / "grades.sqlite"
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.db_url = 'sqlite:///{elsewhere}'\n")
    with Gradebook(f"sqlite:///{elsewhere}") as gb:
        gb.add_assignment("vtdf", duedate=T1)
    intake(make_zip(tmp_path / "s.zip", [("bob.ipynb", VTDF, T3)]), course)
    assert is_late(course, discover(course)[0])
    assert not (course / "gradebook.db").exists()
