"""The batch grader's defaults, stated once: ``autograder grade --help`` shows them,
``batch.main`` and ``sandbox.Limits`` take them, and the README's table of limits says them
(``tests/test_defaults.py`` checks all four).
"""

TIMEOUT = 20.0  # seconds per test (and per reading of the file), wall-clock and CPU
MEMORY_MB = 2048  # MiB of memory per submission
BUDGET_TIMEOUTS = 6  # a whole submission's seconds, in per-test timeouts, when --budget is 0
BUDGET = 0.0  # seconds per whole submission; 0: BUDGET_TIMEOUTS x TIMEOUT
JOBS = 0  # submissions graded at once; 0: one per core
