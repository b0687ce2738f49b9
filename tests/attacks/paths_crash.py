# Forge the untrusted "paths_result" message (any dict passes messages.check) in the paths phase,
# then "done" and exit: the parent's picture._valid() raises TypeError on an unhashable
# "surface" -> _write_student raises -> "not graded", no JSON, no grades.csv row, exit 1.
import json
import os
import stat
import traceback


def _channel_fd():
    for fd in range(3, 65536):
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            return fd
    return None


def _frame(message):
    data = json.dumps(message).encode()
    return len(data).to_bytes(4, "big") + data


def sgd_step(param, grad, state, *, lr):
    if any(f.name == "student_paths" for f in traceback.extract_stack()):
        fd = _channel_fd()
        bad = {"sgd": {"surface": [1], "points": [[0.0, 0.0], [1.0, 1.0]], "error": None}}
        data = _frame({"event": "paths_result", "paths": bad}) + _frame({"event": "done"})
        with open(fd, "wb", closefd=False) as channel:
            channel.write(data)
        os._exit(0)
    # wrong on purpose (a failing test gets a picture)
