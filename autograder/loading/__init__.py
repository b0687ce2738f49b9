"""Stage 1: read a notebook or ``.py`` file and keep what the answers need.

The batch grader only reads bytes; the sandboxed child parses them (``sandbox.reading``); the
self-check parses on the student's machine.
"""
