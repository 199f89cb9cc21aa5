#!/usr/bin/env python3
"""measure.py OUT CMD...: run CMD with its standard output in OUT (standard error in OUT.err) and print
"cpu_ms wall_ms" of that process: CPU time = user + system from wait4's rusage (microseconds, unlike
GNU time's hundredths), wall time from a monotonic clock around fork and wait. The exit status is not
checked here: the caller reads OUT."""

import os
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    err = os.open(out + ".err" if out != "/dev/null" else "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(err, 2)
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(f"{(usage.ru_utime + usage.ru_stime) * 1000:.2f} {wall * 1000:.2f}")
