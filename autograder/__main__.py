"""``python -m autograder``: the same commands as the ``autograder`` script."""

from .cli import main

main()
