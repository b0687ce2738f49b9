"""Auto-grading for the "Optimisation for Deep Learning" exercises.

The grading pipeline, one module per stage, in the order a submission goes through it:

1. ``load``      — read a notebook or ``.py`` file and pick out the answer cells (``extract``).
2. ``sandbox``   — run the student's code in a separate, limited process.
3. ``runner``    — inside that process: call the student's code on each case, record what it did.
4. ``expect``    — what the reference solutions do on the same cases (instructor side), or the
                   shipped public expectations (student side).
5. ``compare``   — student against reference, within tolerances that follow from dtype and steps.
6. ``diagnose``  — which known mistake, if any, the student's behaviour matches.
7. ``report``    — one result object, rendered as text, JSON, CSV, HTML and Gradescope's format.

``spec`` holds the table of tests and ``cases`` the table of cases: adding an algorithm is one
reference function in ``solutions/reference``, one stub cell, one row in ``spec.TESTS``.
"""

__version__ = "0.1.0"
