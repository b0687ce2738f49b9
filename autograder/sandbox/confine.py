"""Confine a process before it runs student code: namespaces, limits, identity, filesystem.

Each step uses what the kernel allows without root, docker or a setuid helper, and degrades
gracefully: a step that is not permitted is skipped, and the list of protections that *are* active
goes into every result (``SubmissionResult.protections``).

Order matters (it is the order of the functions below):

1. ``new_namespaces`` (in the supervisor process, before it forks the guest): a network namespace
   (no interface but a downed loopback), a PID namespace (the guest is its init: when it dies,
   the kernel kills everything it started) and a mount namespace, where ``scratch_area`` mounts
   the guest's private folder as a tmpfs of ``Limits.disk_mb`` and ``Limits.files`` (elsewhere
   the grader watches the folder's size instead). As root directly; otherwise inside a user
   namespace. ``die_with_parent`` first: the supervisor dies with the fork server, which exits
   with the grader.
2. ``limit`` (in the guest): rlimits on address space (relative to the forked size), CPU time,
   processes, open files, file size (which caps the output file), and no core dumps.
3. ``drop_privileges``: a uid/gid of its own, no supplementary groups, not dumpable (no
   ``/proc/<pid>/mem`` or ``ptrace`` by anyone but root), killed when its supervisor dies.
4. ``landlock.restrict``: read-only access to the Python installation and the ``autograder``
   package, read-write access to a private temporary folder, nothing else (not ``solutions/``,
   not other submissions, not the grader's outputs, not ``/proc``); no TCP; no signals outside.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.util
import math
import os
import resource
import signal
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import boundary, defaults
from autograder.sandbox import kernels, landlock

CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWPID = 0x10000000, 0x40000000, 0x20000000
CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
MIB = 1 << 20

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Limits:
    """What one submission may use.

    Attributes:
        timeout: wall-clock seconds per test (and per loading of the submission); CPU seconds too.
        memory_mb: MiB of address space beyond what the forked interpreter already maps.
        processes: processes and threads its uid may hold at once.
        output_bytes: the largest file it may write, its captured stdout and stderr included.
        open_files: file descriptors.
        budget: wall-clock seconds, and CPU seconds, for the whole submission (loading and every
            test, retries included), on top of ``timeout`` per test; 0 for ``BUDGET_TIMEOUTS``
            timeouts. In a child's job: the CPU seconds the submission has left.
        disk_mb: MiB its private folder holds (every file it writes but its output).
        files: files and folders its private folder holds.
        unconfined: grade even without filesystem confinement (the instructor's explicit opt-in);
            otherwise a child that could not confine itself to its files grades nothing.
    """

    timeout: float = defaults.TIMEOUT
    memory_mb: int = defaults.MEMORY_MB
    processes: int = 64
    output_bytes: int = 8 * MIB
    open_files: int = 256
    budget: float = defaults.BUDGET
    disk_mb: int = 64
    files: int = 1024
    unconfined: bool = False

    @property
    def submission_seconds(self) -> float:
        """The budget of one submission, in wall-clock seconds and in CPU seconds."""
        return self.budget or BUDGET_TIMEOUTS * self.timeout


BUDGET_TIMEOUTS = defaults.BUDGET_TIMEOUTS  # a submission's default budget, in per-test timeouts


def die_with_parent() -> None:
    """The supervisor: SIGKILL when the fork server exits, and no share in keeping it alive.

    ``multiprocessing`` gives every child the fork server's liveness pipe; the fork server exits
    when the last copy closes, the grader's included. A supervisor that kept its copy would keep
    the fork server, and so itself, alive after the grader was killed.
    """
    import multiprocessing.forkserver

    server = multiprocessing.forkserver._forkserver
    # private: the liveness pipe's fd, which typeshed does not declare
    fd = server._forkserver_alive_fd  # type: ignore[attr-defined]
    server._forkserver_alive_fd = None  # type: ignore[attr-defined]
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
    parent = os.getppid()
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the fork server died before the line above
        os._exit(1)


def new_namespaces() -> tuple[list[str], bool]:
    """Enter new network and PID namespaces; (protections, whether the next child is a PID init)."""
    flags = CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS
    names = ["network namespace", "pid namespace", "mount namespace"]
    if _libc.unshare(flags) == 0:
        return names, True
    if _libc.unshare(CLONE_NEWUSER | flags) == 0:  # unprivileged: inside a user namespace
        _map_identity()
        return ["user namespace", *names], True
    if _libc.unshare(CLONE_NEWNET) == 0:
        return ["network namespace"], False
    return [], False


def scratch_area(folder: str, limits: dict, uid: int) -> list[str]:
    """Mount ``folder`` as a tmpfs of ``disk_mb`` MiB and ``files`` inodes, owned by the guest
    (uid ``uid``, or this process's own when the guest keeps it), in this process's mount
    namespace only; [] where that is not permitted (the grader then watches the folder)."""
    owner = uid if can_change_uid() else os.geteuid()
    group = uid if can_change_uid() else os.getegid()
    size, files = limits["disk_mb"], limits["files"]
    options = f"size={size}m,nr_inodes={files},mode=0700,uid={owner},gid={group}"
    if _libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return []  # no mount namespace of its own: mounting would show on the host
    if _libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()):
        return []
    return [f"disk {size} MiB in {files} files"]


def disk_used(folder: Path, limits: Limits) -> str | None:
    """Grader side, where no tmpfs holds the folder: how it exceeds ``limits``, if it does (it
    stops counting there, and follows no symbolic link)."""
    size = count = 0
    folders = [str(folder)]
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    count += 1
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    size += entry.stat(follow_symlinks=False).st_blocks * 512
                    if count > limits.files:
                        return f"more than {limits.files} files"
                    if size > limits.disk_mb * MIB:
                        return f"more than {limits.disk_mb} MiB"
        except OSError:  # removed meanwhile
            continue
    return None


def _map_identity() -> None:
    uid, gid = os.geteuid(), os.getegid()
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", "")):
        text = text or f"{gid} {gid} 1"
        with contextlib.suppress(OSError):
            Path(f"/proc/self/{name}").write_text(text)


def limit(limits: Limits, *, tests: int, can_set_uid: bool) -> list[str]:
    """Set the guest's rlimits; the protections now active.

    CPU time has a hard limit for the whole submission (SIGKILL past it), and ``cpu_budget`` sets
    a soft limit (SIGXCPU) before each test, one ``timeout`` from then.
    """
    mapped = _mapped_bytes()
    total_cpu = min(int(limits.timeout * (tests + 1)) + 1, math.ceil(limits.submission_seconds))
    rules = [
        (resource.RLIMIT_CORE, 0, "no core dumps"),
        (resource.RLIMIT_AS, mapped + limits.memory_mb * MIB, f"memory {limits.memory_mb} MiB"),
        (resource.RLIMIT_CPU, total_cpu, f"cpu {limits.timeout:g} s per test"),
        (resource.RLIMIT_FSIZE, limits.output_bytes, f"output {limits.output_bytes // MIB} MiB"),
        (resource.RLIMIT_NOFILE, limits.open_files, f"{limits.open_files} open files"),
    ]
    if can_set_uid:  # RLIMIT_NPROC counts per uid: meaningful only with a uid of its own
        rules.append((resource.RLIMIT_NPROC, limits.processes, f"{limits.processes} processes"))
    active = []
    for which, value, label in rules:
        try:
            hard = resource.getrlimit(which)[1]
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, cap))
            active.append(label)
        except (ValueError, OSError):
            continue
    return active


def cpu_budget(seconds: float) -> None:
    """Allow ``seconds`` more CPU time from now (SIGXCPU past it): called before each test."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    now = used.ru_utime + used.ru_stime
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    want = int(now + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (want, hard))


def _mapped_bytes() -> int:
    """The address space this process maps now (what RLIMIT_AS is relative to)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4096 * MIB


def can_change_uid() -> bool:
    """Whether dropping to another uid keeps the Python installation readable.

    Not so when Python lives in a folder only root may enter (``/root/.pyenv``): the guest then
    stays uid 0 but without any capability (``drop_privileges``).
    """
    if os.geteuid() != 0:
        return False
    for path in {sys.base_prefix, sys.prefix}:
        for folder in [Path(path), *Path(path).parents]:
            if not folder.stat().st_mode & 0o001:
                return False
    return True


def drop_privileges(uid: int, supervisor: int, *, change_uid: bool) -> list[str]:
    """Become ``uid`` (else uid 0 without capabilities), not dumpable, dying with the supervisor."""
    active = []
    if change_uid:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        active.append(f"uid {uid}")
    elif os.geteuid() == 0:
        _drop_capabilities()
        active.append("no capabilities")
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    active.append("not dumpable")
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != supervisor:  # the supervisor died before the line above
        os._exit(1)
    return active


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


def _drop_capabilities() -> None:
    """Empty the bounding, ambient, effective, permitted and inheritable capability sets."""
    for capability in range(64):
        _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def pids_cgroup(pid: int, name: str, limit: int) -> Path | None:
    """Put ``pid`` in a new pids cgroup of at most ``limit`` tasks (v1 or v2); None if impossible.

    The caller removes the folder (``os.rmdir``) once every task in it is gone.
    """
    for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        if not (base / "cgroup.procs").exists() or not os.access(base, os.W_OK):
            continue
        group = base / name
        try:
            group.mkdir()
            (group / "pids.max").write_text(str(limit))
            (group / "cgroup.procs").write_text(str(pid))
            return group
        except OSError:
            with contextlib.suppress(OSError):
                group.rmdir()
    return None


def remove_pids_cgroup(name: str) -> None:
    """Remove the cgroup ``pids_cgroup`` made, once its last task is gone (waits up to 1 s)."""
    for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        group = base / name
        for _ in range(100):
            if not group.is_dir():
                break
            try:
                group.rmdir()
            except OSError:
                time.sleep(0.01)


@functools.cache
def readable_paths() -> tuple[list[str], list[str]]:
    """What the guest may read: the Python installation and the system libraries, less
    ``withheld_paths()``, and the student's files of this package (``boundary``); and the folders
    it may only list.

    The repository root is *not* among them (it holds ``solutions/``), nor are the package's
    instructor-only modules. Landlock only allows (a rule covers everything beneath a folder), so a
    folder holding a withheld path is replaced by rules for each of its other entries; that folder
    itself, and this package's, may still be listed (Python's importer lists a folder to find a
    module in it; names are no secret), not read.
    """
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    roots |= {value for key, value in sysconfig.get_paths().items() if key != "data"}
    for entry in sys.path:
        if "site-packages" in entry or "dist-packages" in entry or entry.endswith(".zip"):
            roots.add(entry)
    roots |= {"/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib", "/etc/ld.so.cache"}
    roots |= {"/dev/urandom", "/dev/zero"}
    package = boundary.PACKAGE_DIR
    roots = {os.path.realpath(root) for root in roots if root and os.path.exists(root)}
    roots = {root for root in roots if not _beneath(root, str(package))}
    withheld = [*withheld_paths(), str(package)]
    listed: set[str] = {str(package)}
    allowed = {path for root in roots for path in _beneath_except(root, withheld, listed)}
    allowed |= {str(path) for path in boundary.student_files()}
    return sorted(allowed), sorted(listed)


def withheld_paths() -> list[str]:
    """Installed code a step function could hand its work to: torch's optimiser modules (their
    source and bytecode: removed from memory by ``kernels``, they must not be reloaded from disk)
    and other libraries' optimisers (scikit-learn's Adam)."""
    withheld = [str(kernels.OPTIM_DIR)]
    sklearn = importlib.util.find_spec("sklearn")
    if sklearn is not None and sklearn.submodule_search_locations:
        for folder in sklearn.submodule_search_locations:
            withheld.append(os.path.join(folder, "neural_network"))
    return [os.path.realpath(path) for path in withheld]


def _beneath(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _beneath_except(root: str, withheld: list[str], listed: set[str]) -> list[str]:
    """``root``, or, when a withheld path is beneath it, each of its entries that is not withheld
    (recursively): the paths to allow so that everything beneath ``root`` but ``withheld`` is.
    Folders split so go into ``listed``."""
    if any(_beneath(root, path) for path in withheld):
        return []
    if not any(_beneath(path, root) for path in withheld) or not os.path.isdir(root):
        return [root]
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return []
    listed.add(root)
    # Resolved: a rule on a link (``.venv/lib64``) covers what it points to.
    paths = sorted({os.path.realpath(os.path.join(root, entry)) for entry in entries})
    return [allowed for path in paths for allowed in _beneath_except(path, withheld, listed)]


@functools.cache
def readable_handles() -> tuple[tuple[int, bool, int], ...]:
    """``readable_paths()`` opened once (``O_PATH``) in the fork server, each with its rights:
    children inherit them."""
    readable, listed = readable_paths()
    read = landlock.EXECUTE | landlock.READ_FILE | landlock.READ_DIR
    return tuple(
        [(fd, is_dir, read) for fd, is_dir in landlock.open_paths(readable)]
        + [(fd, is_dir, landlock.READ_DIR) for fd, is_dir in landlock.open_paths(listed)]
    )


def confine_filesystem(private: str, handles: tuple[tuple[int, bool, int], ...]) -> list[str]:
    """Landlock: read (or list) ``readable_handles()``, write only ``private`` and /dev/null; the
    handles are closed afterwards (the child needs them no more)."""
    try:
        return landlock.restrict(write=[private, "/dev/null"], read_handles=handles)
    finally:
        for fd, _is_dir, _rights in handles:
            with contextlib.suppress(OSError):
                os.close(fd)


FILESYSTEM = "landlock-fs"


def confinement_problem(protections: list[str], limits: Limits) -> str | None:
    """Why a child's run must not count (it ran unconfined without the opt-in); None if it may."""
    if limits.unconfined or any(item.startswith(FILESYSTEM) for item in protections):
        return None
    return (
        "The grader could not confine your code to its own files on this machine (no Landlock), "
        "so it was not graded; your instructor has been told."
    )


def can_confine() -> bool:
    """Whether this kernel offers Landlock (filesystem confinement) to the children."""
    return landlock.abi_version() >= 1
