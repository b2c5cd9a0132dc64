"""Keras, imported once with TensorFlow's load-time notices kept out of the process's stderr.

While its shared libraries load, TensorFlow's C++ side prints info lines ("oneDNN custom operations
are on", absl's "before InitializeLog" note, the CPU-instructions note) before its logging has read
``TF_CPP_MIN_LOG_LEVEL``, so the variable cannot silence them and a server's log opened with them on
machines with AVX-512 and not on others. Every module of aecore imports Keras through
:func:`import_keras`; warnings and errors printed during the import are passed on unchanged, and
TensorFlow's later info lines (XLA's start-up notes during a first fit) are off unless
``TF_CPP_MIN_LOG_LEVEL`` is set in the environment.

:func:`random_tensor` is the random numbers a layer draws while training, from TensorFlow's own
generator.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

#: Info-level lines of absl/TensorFlow's native logging ("I0000 00:00:… port.cc:153] …"), absl's note
#: that it logs to stderr until initialised, and the continuation of the CPU-instructions note.
NOTICE = re.compile(r"^(I\d{4} \d\d:\d\d:\S+ +\d+ \S+:\d+\] |WARNING: All log messages before "
                    r"absl::InitializeLog\(\) is called|To enable the following instructions:)")

_LOCK = threading.Lock()


def import_keras():
    """Return the ``keras`` module, importing it (and TensorFlow) on first use with the load-time
    info lines filtered out of file descriptor 2."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        import keras

        return keras
    with _LOCK:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # read once, when TensorFlow loads
        flush_streams()
        saved = os.dup(2)
        try:
            with tempfile.TemporaryFile() as captured:
                os.dup2(captured.fileno(), 2)
                try:
                    import keras
                    import tensorflow  # noqa: F401  (Keras' backend, whose libraries print the notices)
                finally:
                    flush_streams()
                    os.dup2(saved, 2)
                    captured.seek(0)
                    kept = without_notices(captured.read().decode("utf-8", "replace"))
                    if kept:
                        os.write(2, kept.encode("utf-8"))
        finally:
            os.close(saved)
    return keras


def import_tensorflow():
    """Return the ``tensorflow`` module, imported through :func:`import_keras`."""
    import_keras()
    import tensorflow

    return tensorflow


def random_tensor(distribution: str, shape, seed_generator: keras.random.SeedGenerator):
    """Standard normal or uniform [0, 1) values, fresh at every training step.

    Uses TensorFlow's Philox generator: with a seed that changes every step, XLA on a CPU runs
    the default algorithm (that ``keras.random`` uses) about 40x slower, which made a denoising
    epoch on MNIST cost 4 s instead of 0.4 s.
    """
    tf = import_tensorflow()

    seed = tf.cast(tf.math.floormod(seed_generator.next(), 2**31 - 2), "int32")
    if distribution == "normal":
        return tf.random.stateless_normal(shape, seed=seed, alg="philox")
    return tf.random.stateless_uniform(shape, seed=seed, alg="philox")


def without_notices(text: str) -> str:
    """``text`` without the lines :data:`NOTICE` matches (everything else kept, in order)."""
    return "".join(line for line in text.splitlines(True) if not NOTICE.match(line))


def flush_streams() -> None:
    """Flush Python's stderr so its buffered text lands on the descriptor it was written for."""
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):  # closed or replaced by something without flush
        pass
