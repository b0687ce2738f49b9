"""``python -m autograder``: the same commands as the ``autograder`` script."""

from autograder.cli import main

main()
