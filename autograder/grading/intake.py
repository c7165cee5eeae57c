"""Intake: student submissions in, one notebook per student and assignment out.

`intake(source, course)` accepts

* an nbgrader tree: `submitted/<student>/<assignment>/<notebook>` with nbgrader's `timestamp.txt`
  (the source may be a `submitted` folder, a folder or zip holding one, or any folder where
  each `<student>/<assignment>/` has a `timestamp.txt`);
* an LMS bulk download: Canvas names its files `<name>_<userid>_<submissionid>_<filename>` and
  `<name>_LATE_<userid>_<submissionid>_<filename>`; the student id is the Canvas user id;
* plain `<student>.ipynb` files (or `<student>/<assignment>.ipynb`), in a folder or a zip,

and writes each accepted notebook to `<course>/submitted/<student>/<assignment>/<notebook>` with
a `timestamp.txt` in nbgrader's format, ready for nbgrader and the grader.

A notebook is matched to an assignment by its file name (case, separators and copy marks such as
`vtdf (1)`, `vtdf-2`, `VTDF`, `vtdf_final`, `vtdf-Copy1` ignored), else by its content (the
nbgrader grade ids of its cells against each assignment's check ids), else by the name of a
folder it sits in (or of the source). A file that is not valid JSON is still matched by name:
intake stores files, the grader judges them. But a notebook over the size cap or nested deeper
than any saved by Jupyter (`submission_file.read_bounded`) is refused: no parser, ours or
nbgrader's, should meet it in `submitted/`. One file that cannot be taken in never stops the
others: whatever goes wrong with it is reported as its `Problem`.

Nothing is dropped silently. What cannot be mapped is a `Problem` naming the file and the reason,
and a copy is kept under `<course>/intake/unmapped/`. Of several submissions by one student for
one assignment the latest timestamp wins (nbgrader's rule; a missing time counts as oldest); the
others are kept under `<course>/intake/superseded/` and reported. A newer submission already in
`submitted/` is never replaced by an older one, and running intake twice on the same input
changes nothing. OS junk (`__MACOSX/`, `.DS_Store`, `.ipynb_checkpoints/`, hidden files) is
listed in `ignored`.

Zip extraction never writes outside its scratch folder: members with absolute paths, `..`, or
symbolic links are refused, sizes, counts and compression ratios are capped (`Limits`), and each
member is staged under a numbered name, so its own name is never used as a path. Names without
the zip UTF-8 flag are read as UTF-8 where their bytes are UTF-8 (else cp437, the zip default).

Times are naive UTC datetimes, as in nbgrader and its gradebook. A zip member's time is its
extended-timestamp field (UTC) if present, else its date_time read as UTC (zip stores no zone);
a folder file's time is its modification time; `timestamp.txt` beats both.
"""

from __future__ import annotations

import binascii
import hashlib
import os
import re
import shutil
import stat
import struct
import tempfile
import time
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from autograder.grading import gradebook
from autograder.grading.submission_file import (
    MAX_NOTEBOOK_BYTES,
    InvalidNotebook,
    read_bounded,
    read_json,
)
from autograder.spec import Assignment
from autograder.utils import FORMULA_START, atomic_write, parse_time

MiB = 1024 * 1024
TIMESTAMP_FILE = "timestamp.txt"  # nbgrader's name for the submission time
INTAKE_DIR = "intake"  # <course>/intake/{unmapped,superseded}
RATIO_FLOOR = 1 * MiB  # members smaller than this are never refused for their compression ratio

_EPOCH = datetime(1970, 1, 1)
_ZIP_NO_TIME = datetime(1980, 1, 1)  # a zip's zero date: the writer recorded no time
_CHUNK = MiB


class IntakeError(ValueError):
    """The source as a whole cannot be used (missing, not a zip, over a total limit)."""


@dataclass(frozen=True)
class Limits:
    """Caps on what one source may unpack to; over a total cap the whole intake stops."""

    max_total_bytes: int = 500 * MiB  # all members together, uncompressed
    max_file_bytes: int = MAX_NOTEBOOK_BYTES  # one member (a larger file is a Problem); the
    # grader's own cap on a notebook, so nothing is taken in that could not be graded
    max_files: int = 5000  # members in one source
    max_ratio: float = 200  # uncompressed / compressed, for members over RATIO_FLOOR


@dataclass
class Submission:
    student: str
    assignment: str
    path: Path  # where the notebook is now (submitted/, or intake/superseded/)
    timestamp: datetime | None  # naive UTC
    original: str  # the file's name in the source (its path inside a zip or folder)
    display_name: str | None = None  # e.g. Canvas's name part
    late_flag: bool = False  # the LMS marked it late (Canvas's _LATE_)


@dataclass
class Problem:
    file: str  # the file's name in the source
    reason: str
    kept_at: Path | None  # the copy under intake/unmapped/, None if refused (unsafe, too big)


@dataclass
class IntakeReport:
    accepted: list[Submission]
    problems: list[Problem]
    superseded: list[Submission]
    ignored: list[str]  # "<name> (<why>)": junk, and nbgrader-tree files that are not notebooks


# --------------------------------------------------------------------------------------- API


def intake(source: Path, course: Path, *, limits: Limits = Limits()) -> IntakeReport:
    """Map the files in `source` (a zip or a folder) to students and assignments and store them
    in `course/submitted/`. See the module docstring for the rules."""
    from autograder.assignments import ASSIGNMENTS

    source, course = Path(source), Path(course)
    if not source.exists():
        raise IntakeError(f"{source}: no such file or folder")
    if not course.is_dir():
        raise IntakeError(f"{course}: the course folder does not exist")
    if source.is_dir() and _inside(course, source):
        raise IntakeError(f"{source}: contains the course folder itself; point intake at the "
                          "submissions (a zip, or a folder such as an nbgrader submitted/)")
    assignments = list(ASSIGNMENTS.values())
    run = _Run(course, _source_label(source))
    with tempfile.TemporaryDirectory(prefix="intake-") as scratch:
        if source.is_dir():
            members = _read_folder(source, limits, run)
        elif zipfile.is_zipfile(source):
            members = _read_zip(source, Path(scratch), limits, run)
        else:
            raise IntakeError(f"{source}: not a zip file or a folder")
        hints = [source.stem if source.is_file() else source.name]
        candidates = _classify(members, assignments, hints, source.name == "submitted", run)
        _resolve(candidates, run)
    return run.report()


def discover(course: Path, assignment: str | None = None,
             student: str | None = None) -> list[Submission]:
    """The submissions in `course/submitted/` now, sorted by (assignment, student)."""
    from autograder.assignments import ASSIGNMENTS

    found = []
    root = Path(course) / "submitted"
    if not root.is_dir():
        return []
    for student_dir in sorted(root.iterdir()):
        if not student_dir.is_dir() or student_dir.name.startswith("."):
            continue
        if student is not None and student_dir.name != student:
            continue
        for folder in sorted(student_dir.iterdir()):
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            if assignment is not None and folder.name != assignment:
                continue
            known = ASSIGNMENTS.get(folder.name)
            notebook = _notebook_in(folder, known.notebook if known else None)
            if notebook is None:
                continue
            found.append(Submission(student_dir.name, folder.name, notebook,
                                    _read_timestamp(folder), notebook.name))
    return sorted(found, key=lambda s: (s.assignment, s.student))


def is_late(course: Path, submission: Submission) -> bool:
    """nbgrader's rule: late if submitted after the assignment's due date in the gradebook
    (plus the student's extension there, if any). No time or no due date: not late."""
    from nbgrader.api import MissingEntry

    ts = submission.timestamp
    if ts is None:
        return False
    if ts.tzinfo is not None:
        offset = ts.utcoffset()
        assert offset is not None  # an aware datetime has an offset
        ts = (ts - offset).replace(tzinfo=None)
    url, course_id = gradebook.course_gradebook(Path(course))
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        return False  # no gradebook yet: don't create one just to find no due date
    with gradebook.opened(url, course_id) as gb:
        try:
            duedate = gb.find_assignment(submission.assignment).duedate
        except MissingEntry:
            return False
        if duedate is None:
            return False
        try:
            extension = gb.find_submission(submission.assignment, submission.student).extension
        except MissingEntry:
            extension = None
        if extension is not None:
            duedate = duedate + extension
        return ts > duedate


# ------------------------------------------------------------------------ what one run does


@dataclass
class _Member:
    """A file found in the source: its name there, where its bytes are now, and its time."""

    name: str  # readable text, '/'-separated
    parts: tuple[str, ...]
    data: Path
    timestamp: datetime | None
    _digest: str | None = None

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = _digest(self.data)
        return self._digest


@dataclass
class _Candidate:
    student: str
    assignment: Assignment
    member: _Member
    timestamp: datetime | None
    display_name: str | None = None
    late_flag: bool = False
    order: int | None = None  # Canvas submission id: breaks ties between equal times

    def record(self, path: Path) -> Submission:
        return Submission(self.student, self.assignment.name, path, self.timestamp,
                          self.member.name, self.display_name, self.late_flag)


class _Run:
    """Collects the outcome and keeps copies of what is not accepted."""

    def __init__(self, course: Path, label: str):
        self.course = course
        self.label = label
        self.accepted: list[Submission] = []
        self.problems: list[Problem] = []
        self.superseded: list[Submission] = []
        self.ignored: list[str] = []

    def refuse(self, name: str, reason: str) -> None:
        self.problems.append(Problem(name, reason, None))

    def unmapped(self, member: _Member, reason: str) -> None:
        folder = self.course / INTAKE_DIR / "unmapped" / self.label
        parts = [_safe_component(p) for p in member.parts]
        target = folder.joinpath(*parts)
        if target.exists() and _digest(target) != member.digest:
            target = target.with_name(f"{Path(parts[-1]).stem}~{member.digest[:8]}"
                                      f"{Path(parts[-1]).suffix}")
        _copy_if_new(member.data, target, member.digest, self.course)
        self.problems.append(Problem(member.name, reason, target))

    def report(self) -> IntakeReport:
        return IntakeReport(
            accepted=sorted(self.accepted, key=lambda s: (s.assignment, s.student, s.original)),
            problems=sorted(self.problems, key=lambda p: (p.file, p.reason)),
            superseded=sorted(self.superseded, key=lambda s: (
                s.assignment, s.student, s.timestamp is not None, s.timestamp or _EPOCH,
                s.original)),
            ignored=sorted(set(self.ignored)),
        )


# ---------------------------------------------------------------------- reading the source


def _read_folder(source: Path, limits: Limits, run: _Run) -> list[_Member]:
    members, count, total = [], 0, 0
    for top, dirs, files in os.walk(source, followlinks=False):
        dirs.sort()
        here = Path(top)
        rel_top = tuple(_fs_text(p) for p in here.relative_to(source).parts)
        for d in list(dirs):
            rel = _join(rel_top + (_fs_text(d),)) + "/"
            junk = _junk(rel_top + (_fs_text(d), ""))
            if junk:  # not walked: a .git or checkpoints folder must not eat the file cap
                run.ignored.append(f"{rel} ({junk})")
                dirs.remove(d)
            elif (here / d).is_symlink():
                run.refuse(rel, "a symbolic link: not followed")
                dirs.remove(d)
        for f in sorted(files):
            path = here / f
            parts = rel_top + (_fs_text(f),)
            name = _join(parts)
            count += 1
            if count > limits.max_files:
                raise IntakeError(f"{source}: more than max_files={limits.max_files} files")
            junk = _junk(parts)
            if junk:
                run.ignored.append(f"{name} ({junk})")
                continue
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                run.refuse(name, "a symbolic link: not followed")
                continue
            if not stat.S_ISREG(st.st_mode):
                run.refuse(name, "not a regular file")
                continue
            if st.st_size > limits.max_file_bytes:
                run.refuse(name, f"too large: {st.st_size} bytes, over max_file_bytes="
                                 f"{limits.max_file_bytes} (left in the source)")
                continue
            try:
                path.open("rb").close()
            except OSError as exc:
                run.refuse(name, f"cannot be read ({exc.strerror})")
                continue
            total += st.st_size
            if total > limits.max_total_bytes:
                raise IntakeError(f"{source}: over max_total_bytes={limits.max_total_bytes}")
            when = _EPOCH + timedelta(microseconds=st.st_mtime_ns // 1000)
            members.append(_Member(name, parts, path, when))
    return members


def _read_zip(source: Path, scratch: Path, limits: Limits, run: _Run) -> list[_Member]:
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IntakeError(f"{source}: not a readable zip file ({exc})") from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.max_files:
            raise IntakeError(f"{source}: {len(infos)} files, over max_files={limits.max_files}")
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_total_bytes:
            raise IntakeError(f"{source}: unpacks to {declared} bytes, over max_total_bytes="
                              f"{limits.max_total_bytes}")
        members, total = [], 0
        for index, info in enumerate(infos):
            name = _zip_name(info)
            parts, unsafe = _clean_parts(name)
            if unsafe:
                run.refuse(name, f"refused: {unsafe}")
                continue
            name = _join(parts)
            junk = _junk(parts)
            if junk:
                run.ignored.append(f"{name} ({junk})")
                continue
            kind = stat.S_IFMT(info.external_attr >> 16)
            if kind == stat.S_IFLNK:
                run.refuse(name, "refused: a symbolic link")
                continue
            if kind not in (0, stat.S_IFREG):
                run.refuse(name, "refused: not a regular file")
                continue
            if info.flag_bits & 0x1:
                run.refuse(name, "encrypted: cannot be read")
                continue
            too_big = _too_big(info.file_size, info.compress_size, limits)
            if too_big:
                run.refuse(name, f"refused: {too_big}")
                continue
            target = scratch / f"{index:06d}"
            try:
                size = _extract(zf, info, target, limits, total)
            except _Refused as exc:
                target.unlink(missing_ok=True)
                run.refuse(name, f"refused: {exc}")
                continue
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                    RuntimeError, OSError) as exc:
                target.unlink(missing_ok=True)
                run.refuse(name, f"corrupt or unsupported zip entry ({exc})")
                continue
            total += size
            members.append(_Member(name, parts, target, _zip_time(info)))
        return members


class _Refused(Exception):
    pass


def _too_big(size: int, compressed: int, limits: Limits) -> str | None:
    if size > limits.max_file_bytes:
        return f"too large: {size} bytes, over max_file_bytes={limits.max_file_bytes}"
    if size > RATIO_FLOOR and size > limits.max_ratio * max(compressed, 1):
        return (f"compression ratio {size / max(compressed, 1):.0f}, over max_ratio="
                f"{limits.max_ratio:g} (a zip bomb?)")
    return None


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: Limits,
             total: int) -> int:
    """Stream one member to `target`, counting real bytes (headers can lie)."""
    size = 0
    with zf.open(info) as src, target.open("wb") as out:
        while chunk := src.read(_CHUNK):
            size += len(chunk)
            if size > info.file_size:
                raise _Refused("larger than its header says")
            too_big = _too_big(size, info.compress_size, limits)
            if too_big:
                raise _Refused(too_big)
            if total + size > limits.max_total_bytes:
                raise IntakeError(f"{zf.filename}: over max_total_bytes={limits.max_total_bytes}")
            out.write(chunk)
    return size


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The member's name as text: UTF-8 if flagged, or if the Info-ZIP Unicode Path field
    carries it, or if the raw bytes are UTF-8; else cp437 (the zip default)."""
    name = info.orig_filename
    if not info.flag_bits & 0x800:
        raw = name.encode("cp437")  # Python decoded unflagged names as cp437: get the bytes back
        for header, data in _extra_fields(info.extra):
            if header == 0x7075 and len(data) > 5 and data[0] == 1:
                if struct.unpack("<I", data[1:5])[0] == binascii.crc32(raw):
                    try:
                        name = data[5:].decode("utf-8")
                        break
                    except UnicodeDecodeError:
                        pass
        else:
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
    return unicodedata.normalize("NFC", name)


def _zip_time(info: zipfile.ZipInfo) -> datetime | None:
    for header, data in _extra_fields(info.extra):
        if header == 0x5455 and len(data) >= 5 and data[0] & 1:  # extended timestamp, UTC
            return _EPOCH + timedelta(seconds=struct.unpack("<i", data[1:5])[0])
    try:
        when = datetime(*info.date_time)
    except (TypeError, ValueError):
        return None
    return None if when == _ZIP_NO_TIME else when


def _extra_fields(extra: bytes):
    i = 0
    while i + 4 <= len(extra):
        header, size = struct.unpack("<HH", extra[i:i + 4])
        yield header, extra[i + 4:i + 4 + size]
        i += 4 + size


def _clean_parts(name: str) -> tuple[tuple[str, ...], str | None]:
    """A member name's path parts, or why it is unsafe. Backslashes count as separators."""
    if "\x00" in name:
        return (), "a NUL byte in the name"
    text = name.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return (), "an absolute path"
    parts = tuple(p for p in text.split("/") if p not in ("", "."))
    if ".." in parts:
        return (), "the path climbs out of the target (..)"
    if not parts:
        return (), "an empty name"
    return parts, None


_JUNK_DIRS = {"__macosx": "macOS resource forks", ".ipynb_checkpoints": "Jupyter checkpoints"}
_JUNK_FILES = {".ds_store": "macOS folder metadata", "thumbs.db": "Windows thumbnails",
               "desktop.ini": "Windows folder settings"}


def _junk(parts: tuple[str, ...]) -> str | None:
    for part in parts[:-1]:
        if part.casefold() in _JUNK_DIRS:
            return _JUNK_DIRS[part.casefold()]
        if part.startswith("."):
            return "hidden folder"
    last = parts[-1].casefold()
    if last in _JUNK_FILES:
        return _JUNK_FILES[last]
    if last.startswith("._"):
        return "macOS resource fork"
    if last.startswith("."):
        return "hidden file"
    return None


# --------------------------------------------------------------- mapping files to students


_CANVAS = re.compile(r"^(?P<name>.+?)_(?:(?P<late>late)_)?(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$",
                     re.IGNORECASE)


def _classify(members: list[_Member], assignments: list[Assignment], hints: list[str],
              root_is_submitted: bool, run: _Run) -> list[_Candidate]:
    by_name = {a.name: a for a in assignments}
    candidates: list[_Candidate] = []
    units: dict[tuple[str, ...], list[_Member]] = {}
    stamped = {m.parts[:-1] for m in members if m.parts[-1] == TIMESTAMP_FILE}
    loose = []
    for m in members:
        prefix = _unit_prefix(m.parts, by_name, stamped, root_is_submitted)
        if prefix:
            units.setdefault(prefix, []).append(m)
        else:
            loose.append(m)
    for prefix, files in sorted(units.items()):
        try:
            found = _from_unit(prefix, files, by_name[prefix[-1]], assignments, run)
        except Exception as exc:  # one bad file must never stop intake for the others
            _failed(files, exc, run)
            continue
        candidates += [c for c in found if _bounded(c.member, run)]
    for m in loose:
        try:
            one = _from_file(m, assignments, hints, run)
        except Exception as exc:
            _failed([m], exc, run)
            continue
        if one is not None and _bounded(one.member, run):
            candidates.append(one)
    return candidates


def _bounded(m: _Member, run: _Run) -> bool:
    """Whether a notebook is within the size and depth any parser may be given; if not, it is
    a Problem (a broken but small notebook is stored: the grader says what is wrong with it)."""
    try:
        read_bounded(m.data, m.name)
    except InvalidNotebook as exc:
        run.unmapped(m, exc.reason)
        return False
    return True


def _failed(members: list[_Member], exc: Exception, run: _Run) -> None:
    """Report an unexpected failure on these files (and keep a copy if that still works)."""
    reason = f"could not be taken in ({exc.__class__.__name__}: {str(exc)[:200]})"
    for m in members:
        try:
            run.unmapped(m, reason)
        except Exception:  # the copy is what failed: the report must still name the file
            run.refuse(m.name, reason)


def _unit_prefix(parts, by_name, stamped, root_is_submitted) -> tuple[str, ...] | None:
    """`(..., <student>, <assignment>)` if the file sits in an nbgrader submission folder."""
    for i in range(1, len(parts) - 1):
        if parts[i] not in by_name:
            continue
        prefix = parts[:i + 1]
        if (i >= 2 and parts[i - 2] == "submitted") or (i == 1 and root_is_submitted) \
                or prefix in stamped:
            return prefix
    return None


def _from_unit(prefix, files, assignment, assignments, run) -> list[_Candidate]:
    raw_student = prefix[-2]
    inner = {m.parts[len(prefix):]: m for m in files}
    stamp = inner.pop((TIMESTAMP_FILE,), None)
    notebooks = {rel: m for rel, m in inner.items() if _is_notebook(rel[-1])}
    for rel, m in inner.items():
        if rel not in notebooks:
            run.ignored.append(f"{m.name} (not a notebook: only the notebook is collected)")
    student, why = _student_id(raw_student)
    if student is None:
        for m in notebooks.values():
            run.unmapped(m, why)
        return []
    top = {rel: m for rel, m in notebooks.items() if len(rel) == 1}
    chosen = top.get((assignment.notebook,))
    if chosen is None:
        named = [m for rel, m in top.items()
                 if _assignment_by_name(rel[0], assignments) is assignment]
        if len(named) == 1:
            chosen = named[0]
        elif len(top) == 1:
            chosen = next(iter(top.values()))
    if chosen is None:
        for m in notebooks.values():
            run.unmapped(m, f"cannot tell which notebook is {student}'s {assignment.name} "
                            f"submission ({len(notebooks)} notebooks in the folder)")
        return []
    for m in notebooks.values():
        if m is not chosen:
            run.unmapped(m, f"an extra notebook in {student}'s {assignment.name} submission "
                            f"(took {chosen.name})")
    when = _parse_timestamp(stamp.data) if stamp else None
    return [_Candidate(student, assignment, chosen, when or chosen.timestamp)]


def _from_file(m: _Member, assignments, hints, run) -> _Candidate | None:
    filename = m.parts[-1]
    canvas = _CANVAS.match(filename)
    if canvas:
        filename = canvas["file"]
    if not _is_notebook(filename):
        run.unmapped(m, f"not a notebook ({Path(filename).suffix or 'no extension'})")
        return None
    folders = list(m.parts[:-1])
    assignment = _assignment_by_name(filename, assignments)
    if canvas:
        student, display = canvas["user"], canvas["name"]
    elif assignment is not None:  # <student>/<assignment>.ipynb
        owners = [f for f in folders if _assignment_by_name(f, assignments) is None
                  and f != "submitted"]
        if not owners:
            run.unmapped(m, f"cannot tell the student: {filename!r} is named after the "
                            f"assignment and sits in no student's folder")
            return None
        student, display = owners[-1], None
    else:  # <student>.ipynb
        student, display = Path(filename).stem, None
    student_id, why = _student_id(student)
    if student_id is None:
        run.unmapped(m, why)
        return None
    why_not = ""
    if assignment is None:
        assignment, why_not = _assignment_by_content(m, assignments)
    if assignment is None:
        for hint in reversed(folders + hints):
            assignment = _assignment_by_name(hint, assignments)
            if assignment:
                break
    if assignment is None:
        run.unmapped(m, f"cannot tell the assignment: the name {filename!r} matches no "
                        f"assignment and {why_not}")
        return None
    return _Candidate(student_id, assignment, m, m.timestamp, display,
                      bool(canvas and canvas["late"]), int(canvas["sub"]) if canvas else None)


_COPY_MARKS = {"copy", "final", "v", "version", "draft", "rev", "revised", "new", "latest",
               "updated", "fixed", "done", "finished", "complete", "completed", "submission",
               "submissions", "submitted", "submit"}


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+|\d+", unicodedata.normalize("NFC", text).casefold())


def _assignment_by_name(filename: str, assignments: list[Assignment]) -> Assignment | None:
    """The assignment a name stands for: `VTDF`, `vtdf (1)`, `vtdf-2`, `vtdf_final`,
    `Copy of vtdf`, `vtdf-Copy1` all stand for vtdf; `alice_vtdf` does not."""
    stem = filename[:-len(".ipynb")] if filename.lower().endswith(".ipynb") else filename
    keys: dict[str, Assignment] = {}
    for a in assignments:
        for key in ("".join(_tokens(a.name)), "".join(_tokens(Path(a.notebook).stem))):
            keys.setdefault(key, a)
    tokens = _tokens(stem)
    while tokens[:2] == ["copy", "of"]:
        tokens = tokens[2:]
    while tokens:
        if "".join(tokens) in keys:
            return keys["".join(tokens)]
        if not (tokens[-1] in _COPY_MARKS or tokens[-1].isdigit()):
            return None
        tokens.pop()
    return None


def _assignment_by_content(m: _Member, assignments) -> tuple[Assignment | None, str]:
    try:
        nb = read_json(m.data, m.name)  # size and depth checked before parsing
    except InvalidNotebook as exc:
        return None, f"its content cannot be read: {exc.reason}"
    cells = nb.get("cells") if isinstance(nb, dict) else None
    ids = set()
    for cell in cells if isinstance(cells, list) else []:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        grader = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(grader, dict) and isinstance(grader.get("grade_id"), str):
            ids.add(grader["grade_id"])
    scores = {a.name: len(ids & {c.id for c in a.checks}) for a in assignments}
    best = max(scores.values(), default=0)
    if best == 0:
        return None, "its cells carry no grade id of any assignment"
    top = [a for a in assignments if scores[a.name] == best]
    if len(top) > 1:
        return None, f"its grade ids match several assignments ({', '.join(a.name for a in top)})"
    return top[0], ""


_UNSAFE_ID = re.compile(r"[^\w.@+-]")


def _student_id(raw: str) -> tuple[str | None, str]:
    """A safe nbgrader student id (a folder name) from `raw`, or None and why not.
    Spaces become `_`; control characters (tab and newline too) and anything else unusual are
    refused, never guessed at."""
    controls = sorted({c for c in raw if unicodedata.category(c) in ("Cc", "Cf")})
    if controls:  # tabs, newlines, escapes, bidi overrides: never in an honest name
        return None, (f"unsafe student id {raw!r}: contains control characters "
                      f"{''.join(controls)!r}")
    text = re.sub(r"\s+", "_", unicodedata.normalize("NFC", raw).strip())
    if not text:
        return None, f"unsafe student id {raw!r}: empty"
    if text.startswith(FORMULA_START):
        return None, (f"unsafe student id {raw!r}: starts with {text[0]!r}, which spreadsheets "
                      "read as a formula")
    if text in (".", "..") or text.startswith("."):
        return None, f"unsafe student id {raw!r}: a dot name"
    bad = sorted(set(_UNSAFE_ID.findall(text)))
    if bad:
        return None, f"unsafe student id {raw!r}: contains {''.join(bad)!r}"
    if len(text.encode()) > 100:
        return None, f"unsafe student id {raw!r}: longer than 100 bytes"
    return text, ""


# ------------------------------------------------------------ choosing and storing, per pair


@dataclass
class _Existing:
    folder: Path
    notebook: Path
    timestamp: datetime | None
    digest: str


def _resolve(candidates: list[_Candidate], run: _Run) -> None:
    groups: dict[tuple[str, str], list[_Candidate]] = {}
    for c in candidates:
        groups.setdefault((c.student, c.assignment.name), []).append(c)
    for (student, name), group in sorted(groups.items()):
        group.sort(key=lambda c: c.member.name)
        try:
            _resolve_one(student, name, group, run)
        except Exception as exc:  # e.g. a full disk: report these files, go on with the others
            _failed([c.member for c in group], exc, run)


def _resolve_one(student: str, name: str, group: list[_Candidate], run: _Run) -> None:
    """Choose among one student's submissions of one assignment, and store the winner."""
    assignment = group[0].assignment
    folder = run.course / "submitted" / student / name
    if not _inside(folder, run.course / "submitted"):
        for c in group:
            run.unmapped(c.member, f"the folder for {student}'s {name} leaves the course")
        return
    existing = _existing(folder, assignment)
    top_key = max([_order(c.timestamp) for c in group]
                  + ([_order(existing.timestamp)] if existing else []))
    top = [c for c in group if _order(c.timestamp) == top_key]
    older = [c for c in group if _order(c.timestamp) != top_key]
    on_top = existing if existing is not None and _order(existing.timestamp) == top_key else None
    existing_on_top = on_top is not None
    digests = {c.member.digest for c in top} | ({on_top.digest} if on_top is not None else set())
    if len(digests) > 1 and not existing_on_top and all(c.order is not None for c in top):
        # Canvas: the later submission id wins a tie
        last = max(c.order for c in top if c.order is not None)
        older += [c for c in top if c.order != last]
        top = [c for c in top if c.order == last]
        digests = {c.member.digest for c in top}
    for c in older:
        _supersede_copy(c, run)
    if len(digests) > 1:
        when = _format_timestamp(top_key[1]) if top_key[0] else "no known time"
        for c in top:
            run.unmapped(c.member, f"ambiguous: {len(digests)} different notebooks for "
                                   f"{student}'s {name} at the same time ({when})")
        return
    winner = next((c for c in top if on_top is None or c.member.digest == on_top.digest),
                  None)
    for c in top:
        if c is not winner:
            assert winner is not None  # top always has a winner when it is not empty
            run.ignored.append(f"{c.member.name} (the same notebook as {winner.member.name})")
    if winner is None:
        return  # what is in submitted/ now is newer than anything in this source
    if existing is not None and not existing_on_top:
        _supersede_existing(existing, student, name, run)
    if on_top is not None:  # already stored (an earlier intake, or nbgrader's own collect)
        run.accepted.append(winner.record(on_top.notebook))
        return
    target = folder / assignment.notebook
    _store(winner, folder, target)
    run.accepted.append(winner.record(target))


def _order(ts: datetime | None) -> tuple[bool, datetime]:
    return (ts is not None, ts or _EPOCH)  # no known time: older than any time


def _existing(folder: Path, assignment: Assignment) -> _Existing | None:
    notebook = _notebook_in(folder, assignment.notebook) if folder.is_dir() else None
    if notebook is None:
        return None
    return _Existing(folder, notebook, _read_timestamp(folder), _digest(notebook))


def _store(c: _Candidate, folder: Path, target: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(target, Path(c.member.data).read_bytes())
    stamp = folder / TIMESTAMP_FILE
    if c.timestamp is not None:
        atomic_write(stamp, _format_timestamp(c.timestamp) + "\n")
    else:
        stamp.unlink(missing_ok=True)


def _superseded_folder(run: _Run, student: str, name: str, when: datetime | None,
                       digest: str) -> Path:
    label = when.strftime("%Y%m%dT%H%M%S.%fZ") if when else "no-time"
    return run.course / INTAKE_DIR / "superseded" / student / name / f"{label}-{digest[:8]}"


def _supersede_copy(c: _Candidate, run: _Run) -> None:
    folder = _superseded_folder(run, c.student, c.assignment.name, c.timestamp, c.member.digest)
    target = folder / _safe_component(c.member.parts[-1])
    _copy_if_new(c.member.data, target, c.member.digest, run.course)
    stamp = folder / TIMESTAMP_FILE
    if c.timestamp is not None and not stamp.is_file():
        atomic_write(stamp, _format_timestamp(c.timestamp) + "\n")
    run.superseded.append(c.record(target))


def _supersede_existing(e: _Existing, student: str, name: str, run: _Run) -> None:
    """Move everything in the submission folder aside (nothing is deleted)."""
    folder = _superseded_folder(run, student, name, e.timestamp, e.digest)
    folder.mkdir(parents=True, exist_ok=True)
    for item in sorted(e.folder.iterdir()):
        target = folder / item.name
        if target.exists():
            if item.is_file() and target.is_file() and _digest(item) == _digest(target):
                item.unlink()
                continue
            target = folder / f"{item.name}~{time.time_ns()}"
        shutil.move(str(item), str(target))
    run.superseded.append(Submission(student, name, folder / e.notebook.name, e.timestamp,
                                     e.notebook.name))


# ------------------------------------------------------------------------------- utilities


def _notebook_in(folder: Path, expected: str | None) -> Path | None:
    if expected and (folder / expected).is_file():
        return folder / expected
    found = sorted(p for p in folder.iterdir() if p.is_file() and _is_notebook(p.name)
                   and not p.name.startswith("."))
    return found[0] if found else None


def _is_notebook(name: str) -> bool:
    return name.lower().endswith(".ipynb")


def _format_timestamp(ts: datetime) -> str:
    """nbgrader's default `timestamp_format` ("%Y-%m-%d %H:%M:%S.%f %Z") in UTC."""
    return ts.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


def _parse_timestamp(path: Path) -> datetime | None:
    try:
        with path.open("rb") as fh:
            text = fh.read(1000).decode("utf-8").strip()
        return parse_time(text) if text else None
    except (ValueError, OverflowError, TypeError, OSError):
        return None


def _read_timestamp(folder: Path) -> datetime | None:
    stamp = folder / TIMESTAMP_FILE
    return _parse_timestamp(stamp) if stamp.is_file() else None


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _copy_if_new(src: Path, target: Path, digest: str, course: Path) -> None:
    if not _inside(target, course / INTAKE_DIR):
        raise AssertionError(f"refusing to write outside the intake folder: {target}")
    if target.is_file() and _digest(target) == digest:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, src.read_bytes())


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _fs_text(name: str) -> str:
    """A folder entry's name as text: its bytes as UTF-8 if they are, else cp1252."""
    raw = os.fsencode(name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return unicodedata.normalize("NFC", text)


def _join(parts) -> str:
    return "/".join(parts)


def _safe_component(name: str) -> str:
    """A name that is safe as one path component on any common file system."""
    text = re.sub(r'[\x00-\x1f<>:"/\\|?*]', "_", name).rstrip(" .")
    while len(text.encode()) > 200:
        text = text[:-1]
    return text if text not in ("", ".", "..") else "_"


def _source_label(source: Path) -> str:
    return _safe_component(_fs_text(source.name) or "source")
