"""Stage 7: one result object (``result``) rendered as text, Markdown and HTML (``report``), JSON,
CSV (``gradebook``), Gradescope's results and the class view; the flags for the instructor.

Rendering a result needs neither torch nor the filesystem (``tests/test_report.py`` checks it in
a fresh process). ``paths`` walks the report pictures' paths in the sandboxed child.
"""
