"""Auto-grading for the "Optimisation for Deep Learning" exercises.

The folders follow a submission through the grader, in order. In brackets, where each part runs:
on the student's machine (the self-check and the notebook's test cells), in the sandboxed child
(next to student code), or in the grader (the instructor's process).

- ``loading/``: read a notebook or ``.py`` file and keep what the answers need. [all three]
- ``sandbox/``: the fork server and one confined child per submission. [grader, child]
- ``checks/``: per kind of check (``kind.CheckKind``), its cases, ``run`` (records what student
  code does, through ``runner``) and ``judge``. [all three]
- ``verdict/``: which side this is (``sources``); the expectations (``expect``, ``cases``); what
  the child sent, checked whole (``observations``); the one function that scores a test
  (``judges.verdict``), the comparison and the diagnosis. [grader; student, on public data]
- ``reports/``: one result (``result``), rendered as text, Markdown, HTML, JSON, CSV,
  Gradescope's results and the class view; flags for the instructor. [grader; student: text]
- ``course/``: authoring the public data, building the student release, shards. [instructor]

Top level: the commands (``cli``, ``batch``, ``defaults``), the table of tests (``spec``), shared
formats (``floats``, ``files``), the modules a notebook imports by name (``notebook``,
``selfcheck``, ``sketch``, ``surfaces``) and ``boundary``: the one declaration of which files the
student's machine and the sandboxed child may read (the release and the sandbox both build from
it; every other file is the instructor's alone).

Adding an algorithm is one reference function in ``solutions/reference``, one stub cell, one row in
``spec.TESTS``; a new kind of check is one module in ``checks/`` and one ``CheckKind`` row.
"""

from pathlib import Path

__version__ = "0.1.0"

# Where the package lives: its data, fonts and, in a checkout, ``../solutions``.
PACKAGE_DIR = Path(__file__).resolve().parent
