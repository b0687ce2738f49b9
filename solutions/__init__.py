"""The instructor's side: reference solutions, hidden cases, mistakes and the answer key.

Nothing in this folder ships to students (see ``autograder.course.release``).
"""
