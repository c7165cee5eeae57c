"""The answer key: pure functions of the exhibit data, one module per assignment."""
