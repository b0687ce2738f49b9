"""Stages 4-6: which side this is (``sources``), the cases and the reference's expectations, what
the child sent checked whole (``observations``), the one function that scores a test
(``judges.verdict``), the comparison and the diagnosis.

In the grader; on a student's machine too, with the shipped public data, where
``engine.grade_namespace`` runs and judges in one process (no sandbox). ``grade``, the sandboxed
path, is the instructor's alone (``boundary``).
"""
