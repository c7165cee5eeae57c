"""Late work: nbgrader's late-submission penalty, computed as `nbgrader autograde` computes it.

The policy is nbgrader's own plugin, configured in the course's `nbgrader_config.py`:
`c.AssignLatePenalties.plugin_class` names the plugin (default nbgrader's LateSubmissionPlugin,
whose `penalty_method` is 'none'; 'zero' takes every point of a late submission) and the plugin
takes its own settings, e.g. `c.SubtractPerDay.percent_per_day` for the example plugin below.

How late: the gradebook's `SubmittedAssignment.total_seconds_late` (the submission's timestamp
after the assignment's due date plus the student's extension; 0 when on time or without a due
date). The penalty: `plugin.late_submission_penalty(student, score, seconds_late)` on the
notebook's score in the gradebook, kept between 0 and that score (AssignLatePenalties'
`_check_late_penalty`), so the score after the penalty is never below 0. It is stored in
`SubmittedNotebook.late_submission_penalty`, where `nbgrader export` and formgrader read it.

When it is computed:

* at grading time (`gradebook.record`, the grader's counterpart of `nbgrader autograde`, whose
  AssignLatePenalties runs at that point too), on the score then in the gradebook: the autograded
  part plus any hand grades already entered;
* again when grades go out (`with_penalties`, after `gradebook.with_hand_grades`), on the final
  score with the hand grades from formgrader, written back to the gradebook so `nbgrader export`
  agrees. Stock nbgrader recomputes only when autograde runs again, so without this a hand grade
  entered after grading would not be penalized; and an extension granted after grading is taken
  into account here too.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry, SubmittedNotebook
from nbgrader.plugins import BasePlugin
from nbgrader.preprocessors import AssignLatePenalties
from traitlets import Float
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.grading.results import SubmissionResult

DAY = 24 * 3600


class LatePolicyError(ValueError):
    """The course's late-submission plugin cannot be loaded; the message names the config."""


class SubtractPerDay(BasePlugin):
    """An example policy: take `percent_per_day` of the score for each day or part of a day
    late, never more than the whole score. Point nbgrader at it with
    `c.AssignLatePenalties.plugin_class = "autograder.grading.late.SubtractPerDay"`."""

    percent_per_day = Float(10.0, help="Percent of the score taken per day (or part of a "
                                       "day) late.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float:
        days = math.ceil(total_seconds_late / DAY)
        return round(score * min(1.0, days * self.percent_per_day / 100), 6)


def course_config(course: Path) -> Config:
    """The course's nbgrader_config.py, loaded as `gradebook.course_gradebook` loads it."""
    course = Path(course)
    if (course / "nbgrader_config.py").is_file():
        return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return Config()


def course_plugin(course: Path | None) -> BasePlugin:
    """The course's late-submission plugin, made as nbgrader's AssignLatePenalties makes it
    (`plugin_class(parent=self)`, so the plugin reads its own settings from the same config).
    No course: nbgrader's default, which gives no penalty."""
    config = course_config(course) if course is not None else Config()
    try:
        assigner = AssignLatePenalties(config=config)
        assigner.init_plugin()
    except Exception as exc:  # a misspelt class stops grading with one line, not a traceback
        raise LatePolicyError(f"{Path(course or '.') / 'nbgrader_config.py'}: the late-submission "
                              f"plugin cannot be loaded ({exc.__class__.__name__}: {exc})") from None
    return assigner.plugin_inst


def course_of_gradebook(url: str) -> Path | None:
    """The course folder whose nbgrader_config.py names this SQLite gradebook in its own folder
    (nbgrader's default, `<course>/gradebook.db`), else None: how `gradebook.record`, which is
    given the gradebook but not the course, finds the policy when the caller does not pass it."""
    from autograder.grading.gradebook import course_gradebook  # imports this module

    if not url.startswith("sqlite:///"):
        return None
    path = Path(url[len("sqlite:///"):]).resolve()
    try:
        named, _ = course_gradebook(path.parent)
    except Exception:  # a broken config: no policy found, as for any other gradebook
        return None
    same = named.startswith("sqlite:///") and Path(named[len("sqlite:///"):]).resolve() == path
    return path.parent if same else None


def penalty(plugin: BasePlugin, student: str, score: float, seconds_late: float) -> float | None:
    """The plugin's penalty for a score, kept in [0, score] as nbgrader keeps it; None when the
    submission is on time or the plugin gives none (nbgrader then stores no penalty)."""
    if seconds_late <= 0:
        return None
    given = plugin.late_submission_penalty(student, score, seconds_late)
    if given is None:
        return None
    return float(min(max(given, 0.0), score))  # AssignLatePenalties._check_late_penalty


def assess(gb: Gradebook, notebook: SubmittedNotebook, plugin: BasePlugin) -> tuple[float, float]:
    """Seconds late and penalty of a submitted notebook, the penalty stored on it (not committed).
    The notebook's grades must be flushed: its score is computed by the database from them."""
    gb.db.flush()
    gb.db.expire(notebook, ["score"])  # a column computed by SQL: read it again
    seconds = float(notebook.assignment.total_seconds_late)
    given = penalty(plugin, notebook.student.id, float(notebook.score or 0.0), seconds)
    notebook.late_submission_penalty = given
    return seconds, given or 0.0


def with_penalties(results: list[SubmissionResult], course: Path,
                   db: str | None = None) -> list[SubmissionResult]:
    """Results with lateness and penalty recomputed on the gradebook's current scores (hand
    grades included) and extensions, the penalties written back to the gradebook. Use on the
    results that go out, after `gradebook.with_hand_grades`; a submission the gradebook does not
    hold is returned as it is."""
    from autograder.assignments import get
    from autograder.grading import gradebook

    url, course_id = gradebook.course_gradebook(course)
    plugin = course_plugin(course)
    out = []
    with gradebook.opened(db or url, course_id) as gb:
        for result in results:
            try:
                notebook = gb.find_submission_notebook(Path(get(result.assignment).notebook).stem,
                                                       result.assignment, result.student)
            except (MissingEntry, KeyError):
                out.append(result)
                continue
            seconds, given = assess(gb, notebook, plugin)
            out.append(replace(result, late=seconds > 0, seconds_late=seconds,
                               late_penalty=given))
        gb.db.commit()
    return out


__all__ = ["LatePolicyError", "SubtractPerDay", "assess", "course_plugin",
           "course_of_gradebook", "penalty", "with_penalties"]
