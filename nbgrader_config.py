# The course is this folder: source/, release/ and, at grading time, submitted/, autograded/,
# feedback/ beside this file. The gradebook defaults to SQLite at <course root>/gradebook.db;
# set c.CourseDirectory.db_url to any SQLAlchemy URL to use another database.
import os as _os
import sys as _sys
from pathlib import Path as _Path

c = get_config()  # noqa: F821 (injected by traitlets)
c.CourseDirectory.course_id = "platform-paradox"

# nbgrader's gradebook runs the `alembic` command by name. A server started as
# `.venv/bin/jupyter lab` without activating the venv does not have it on PATH, and formgrader
# then fails on every page: put this Python's own bin folder first.
_BIN = _os.path.dirname(_sys.executable)
if _BIN not in _os.environ.get("PATH", "").split(_os.pathsep):
    _os.environ["PATH"] = _BIN + _os.pathsep + _os.environ.get("PATH", "")
_COURSE = _Path(__file__).resolve().parent  # traitlets runs a config file with __file__ set

# What an unanswered answer cell holds in the release. The text is defined once, in
# autograder/kernel_checks.py: `autograder check` requires it in every answer cell, and the
# grader knows an untouched stub by its NotImplementedError. Without the package nbgrader
# writes its own stub, which `autograder check` then reports.
try:
    from autograder.kernel_checks import CODE_STUB as _CODE_STUB
except ImportError:
    pass
else:
    c.ClearSolutions.code_stub = {"python": _CODE_STUB}


# The exchange (release_assignment, fetch, submit, list; formgrader and the Assignment List).
# By default a folder of this course, exchange/ (gitignored), made on first use with the
# permissions nbgrader's release_assignment gives an exchange root (rwxrwxrwx). A server shared
# by several users (JupyterHub) sets c.Exchange.root in a system-wide nbgrader_config.py
# (see `jupyter --paths`); this default then stays out of its way (README.md, "The exchange").
def _exchange_set_elsewhere() -> bool:
    """Does another nbgrader_config.py on Jupyter's config path set Exchange.root?"""
    try:
        from jupyter_core.paths import jupyter_config_path
        from traitlets.config.loader import PyFileConfigLoader
    except ImportError:
        return False
    for folder in map(_Path, jupyter_config_path()):
        other = folder / "nbgrader_config.py"
        if not other.is_file() or other.resolve() == _Path(__file__).resolve():
            continue
        try:
            found = PyFileConfigLoader(other.name, str(folder)).load_config()
        except Exception:  # nbgrader reports a broken config file itself
            continue
        if "root" in found.get("Exchange", {}):
            return True
    return False


if not _exchange_set_elsewhere():
    c.Exchange.root = str(_COURSE / "exchange")
    if not (_COURSE / "exchange").is_dir():
        try:
            (_COURSE / "exchange").mkdir()
            (_COURSE / "exchange").chmod(0o777)  # as nbgrader makes it: every user may submit
        except OSError:
            pass  # a read-only course folder: nbgrader then says the exchange is missing

# Student notebooks are untrusted HTML: formgrader and generate_feedback render autograded/
# notebooks in the instructor's browser (issue 14, item 5). The grader already strips active
# content from every graded notebook (autograder/grading/sanitize.py); this is the second layer.
# nbconvert >= 7: sanitize_html stops the HTML templates (nbgrader's formgrade and feedback
# templates extend nbconvert's classic one) from emitting student JavaScript and widgets and
# passes text/html and text/markdown outputs through the `clean_html` filter.
c.HTMLExporter.sanitize_html = True
try:
    # nbconvert's own clean_html (bleach) escapes table tags, which turns every DataFrame into
    # tag soup; the grader's nh3 sanitizer keeps tables. Without the package: bleach, still safe.
    from autograder.grading.sanitize import clean_html as _clean_html
except ImportError:
    pass
else:
    c.HTMLExporter.filters = {"clean_html": _clean_html}

# Late work (autograder/grading/late.py). Set due dates with `nbgrader db assignment add vtdf
# --duedate "2025-10-06 17:00:00 UTC"` and extensions in formgrader (or Gradebook.grant_extension).
# The penalty is nbgrader's late-submission plugin, as `nbgrader autograde` uses it; the default
# (nbgrader's LateSubmissionPlugin, penalty_method 'none') records lateness but takes no points.
# To take every point of a late submission:
#     c.LateSubmissionPlugin.penalty_method = "zero"
# To take 10% of the score per day (or part of a day) late, never below 0:
#     c.AssignLatePenalties.plugin_class = "autograder.grading.late.SubtractPerDay"
#     c.SubtractPerDay.percent_per_day = 10
