"""Landlock through its three system calls (ctypes, no dependency): an allow-list of paths.

After ``restrict(read=..., write=...)`` the calling process and everything it starts can open
files only beneath the ``read`` paths (read and execute) and the ``write`` paths (everything), can
neither bind nor connect TCP sockets (Landlock ABI 4), and can neither signal nor reach abstract
Unix sockets of processes outside the sandbox (ABI 6). Files already open stay usable: the
channel to the grader, the capped output file. It needs no privilege, only ``no_new_privs``.

The system call numbers are those of x86-64 and arm64 (the same generic numbers: 444-446).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights, by the ABI version that introduced them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_V1 = (1 << 13) - 1  # execute ... make_sym
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # what applies to a file
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is missing or disabled."""
    version = _libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    return max(int(version), 0)


def _fs_rights(abi: int) -> int:
    rights = FS_V1
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def open_paths(paths: Iterable[str]) -> list[tuple[int, bool]]:
    """``O_PATH`` handles of ``paths`` (and whether each is a folder), to ``restrict`` with later:
    opened once in the fork server, a child adds its rules without resolving ~500 paths again."""
    handles = []
    for path in paths:
        try:
            handles.append((os.open(path, os.O_PATH | os.O_CLOEXEC), os.path.isdir(path)))
        except OSError:
            continue
    return handles


def restrict(
    *,
    read: Iterable[str] = (),
    write: Iterable[str],
    read_handles: Iterable[tuple[int, bool, int]] = (),
) -> list[str]:
    """Confine this process; the protections now active (empty when Landlock is unavailable).

    ``read_handles`` are ``open_paths`` results with the read rights of each (left open). Paths
    that do not exist are skipped. Raises ``OSError`` if the kernel refuses a step after the
    ruleset was created (the caller must then not run untrusted code).
    """
    abi = abi_version()
    if abi < 1:
        return []
    fs = _fs_rights(abi)
    attr = _RulesetAttr(fs, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0, 0)
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else 16
    ruleset = _libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path in read:
            _allow(ruleset, path, EXECUTE | READ_FILE | READ_DIR)
        for fd, is_dir, rights in read_handles:
            _add_rule(ruleset, fd, is_dir, rights & (EXECUTE | READ_FILE | READ_DIR), str(fd))
        for path in write:
            _allow(ruleset, path, fs)
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if _libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    active = [f"landlock-fs (ABI {abi})"]
    if abi >= 4:
        active.append("landlock-tcp")
    if abi >= 6:
        active.append("landlock-signals")
    return active


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        _add_rule(ruleset, fd, os.path.isdir(path), rights, path)
    finally:
        os.close(fd)


def _add_rule(ruleset: int, fd: int, is_dir: bool, rights: int, name: str) -> None:
    attr = _PathBeneathAttr(rights if is_dir else rights & FILE_RIGHTS, fd)
    if _libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(attr), 0) != 0:
        raise OSError(ctypes.get_errno(), f"landlock_add_rule({name}) failed")
