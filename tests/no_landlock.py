"""Run a command as on a machine without Landlock: a seccomp filter answers ENOSYS to Landlock's
three system calls (444-446 on x86-64 and arm64), as a container's seccomp profile may.

    python tests/no_landlock.py -m autograder grade ...   (arguments go to this Python)
"""

from __future__ import annotations

import ctypes
import os
import sys

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
LOAD_NR, JGE, JGT, RET = 0x20, 0x35, 0x25, 0x06
ENOSYS, RET_ERRNO, RET_ALLOW = 38, 0x00050000, 0x7FFF0000


class Filter(ctypes.Structure):
    _fields_ = (
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint32),
    )


class Program(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter)))


def refuse_landlock() -> None:
    rules = (Filter * 5)(
        Filter(LOAD_NR, 0, 0, 0),  # the system call's number
        Filter(JGE, 0, 2, 444),  # below 444: allow
        Filter(JGT, 1, 0, 446),  # above 446: allow
        Filter(RET, 0, 0, RET_ERRNO | ENOSYS),
        Filter(RET, 0, 0, RET_ALLOW),
    )
    program = Program(len(rules), rules)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "no_new_privs")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "seccomp")


if __name__ == "__main__":
    refuse_landlock()
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
