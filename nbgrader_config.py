"""nbgrader's configuration: this repository is the course directory.

From the repository root:

    nbgrader generate_assignment optimisation --force     # solutions/ -> assignments/

``solutions/optimisation/`` is the source assignment; nbgrader copies EVERY file in it into the
release, so that folder holds only what students get (the notebook and the public self-check).
``solutions/reference`` and the other instructor modules are not assignments: they hold no
notebook, so ``generate_assignment`` refuses them ("No notebooks were matched").

The gradebook (``gradebook.db`` here, ignored by git) is created on first use:
``generate_assignment`` adds the assignment to it, so no ``nbgrader db`` step is needed.
"""

from pathlib import Path

c = get_config()  # noqa: F821 -- provided by nbgrader when it reads this file

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.GenerateAssignment.create_assignment = True

# Never copied into a release: caches, logs and anything a local run leaves behind.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".pytest_cache",
    ".ruff_cache",
    "runs",  # TensorBoard logs of the notebook's experiment
    "*.db",
    "*.pt",
]

# The stub that replaces every solution region (the signature and docstring stay above it).
c.ClearSolutions.code_stub = {
    "python": (
        "# YOUR CODE HERE\n"
        'raise NotImplementedError("Replace this line with your answer, then run the test cell '
        'below to check it (or run pytest in this folder).")'
    )
}
