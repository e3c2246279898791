"""The cyclic garbage collector's thresholds in the suite's processes.

Set by ``conftest`` before the application is imported (the controller, the workers and the servers
they run in-process) and by the zygote of ``yima_process`` (the commands and servers forked from it).
With Python's (700, 10, 10) a test process made about 2,900 collections over 780 tests, most while
it imported the application, and spent a tenth of its CPU in them, mostly in full collections that
walk the whole heap (the app, its models and schemas, fonts); (50,000, 20, 20) makes about 30, half
the collector's time, and a run of 927 tests on four workers took 8 % less CPU. Memory is ample
here; garbage in cycles is still collected, less often.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (50_000, 20, 20)


def apply() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
