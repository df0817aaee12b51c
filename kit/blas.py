"""One BLAS thread for the service (imported by the `liveq` command before numpy loads).

numpy's OpenBLAS starts a thread per core, and each spins for a while after every product: in
the service (a matrix-vector product per new question) that spinning took most of the second
core from the event loop and the database — the service's CPU at 20 new questions a second
was 148 % of a core, and 79 % with one thread, answering no slower. A value already in the
environment wins.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
