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
