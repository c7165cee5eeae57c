"""Grading a class: intake, isolated execution, checks outside the kernel, gradebook, outputs."""
