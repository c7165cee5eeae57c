"""What grading a class produces for people and other programs.

* `write_feedback(results, course)`: one HTML page per student and assignment, in nbgrader's
  feedback layout (`<course>/feedback/<student>/<assignment>/<notebook stem>.html`).
* `write_exports(results, out_dir, students=None, canvas_ids=None)`: grades.csv (nbgrader's
  export columns plus `status`), items.csv, canvas.csv (Canvas gradebook import), results.json.
* `write_report(results, out)`: the instructor's report, one self-contained HTML page.

Anything that could not be graded is exported blank with its status, never as a zero
(`exports.exportable_score` is the one place that decides).
"""

from autograder.outputs.exports import exportable_score, submission_status, write_exports
from autograder.outputs.feedback import render_feedback, write_feedback
from autograder.outputs.report import (
    common_wrong_values,
    discrimination_index,
    item_statistics,
    needs_attention,
    status_counts,
    write_report,
)

__all__ = [
    "write_feedback", "render_feedback", "write_exports", "exportable_score",
    "submission_status", "write_report", "item_statistics", "discrimination_index",
    "common_wrong_values", "status_counts", "needs_attention",
]
