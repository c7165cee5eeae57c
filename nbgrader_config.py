# The course is this folder: source/, release/ and, at grading time, submitted/, autograded/,
# feedback/ beside this file. The gradebook defaults to SQLite at <course root>/gradebook.db;
# set c.CourseDirectory.db_url to any SQLAlchemy URL to use another database.
c = get_config()  # noqa: F821 (injected by traitlets)
c.CourseDirectory.course_id = "platform-paradox"

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
