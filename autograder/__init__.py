"""Open by Design, the course: case build, answer key, release build and grading."""

__version__ = "0.1.0"
