"""Run hostile student code: a fork server with torch preloaded, one confined child per submission.

``Sandbox(limits).run(submission, plan)`` returns each test's observations (or why there are
none); judging them is the grader's job, in its own process (``autograder.grade``). How a child is
confined: ``confine`` (namespaces, rlimits, uid) and ``landlock`` (filesystem, TCP, signals); what
runs in it: ``child``; the grader's side: ``supervisor``.
"""

from .confine import Limits
from .supervisor import PlannedTest, Run, Sandbox

__all__ = ["Limits", "PlannedTest", "Run", "Sandbox"]
