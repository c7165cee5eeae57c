# The course is this folder: source/, release/ and, at grading time, submitted/, autograded/,
# feedback/ beside this file. The gradebook defaults to SQLite at <course root>/gradebook.db;
# set c.CourseDirectory.db_url to any SQLAlchemy URL to use another database.
c = get_config()  # noqa: F821 (injected by traitlets)
c.CourseDirectory.course_id = "platform-paradox"
