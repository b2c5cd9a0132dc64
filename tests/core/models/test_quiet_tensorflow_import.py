"""Importing Keras through aecore keeps TensorFlow's load-time info lines out of stderr (the server's
log, a quiet command line) and passes everything else on."""

import os
import subprocess
import sys

import pytest

from aecore.models.backend import NOTICE, without_notices

# Lines TensorFlow 2.21 prints while it loads on a CPU with AVX-512 (copied from a server's log).
ONEDNN = ("I0000 00:00:1796588856.085972   31104 port.cc:153] oneDNN custom operations are on. You may see "
          "slightly different numerical results due to floating-point round-off errors.\n")
ABSL = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
CPU = ("I0000 00:00:1796588856.136102   31104 cpu_feature_guard.cc:227] This TensorFlow binary is "
       "optimized to use available CPU instructions in performance-critical operations.\n"
       "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild "
       "TensorFlow with the appropriate compiler flags.\n")


def test_the_load_time_info_lines_are_dropped_and_the_rest_kept():
    warning = "W0000 00:00:1796588856.1 31104 op_level_cost_estimator.cc:699] Error in PredictCost()\n"
    error = "E0000 00:00:1796588856.1 31104 cuda_driver.cc:1] failed call to cuInit\n"
    text = ABSL + ONEDNN + warning + CPU + "Traceback (most recent call last):\n" + error
    assert without_notices(text) == warning + "Traceback (most recent call last):\n" + error


def test_a_line_that_only_mentions_a_notice_is_kept():
    assert not NOTICE.match("my model says: I0000 00:00:1.0 1 port.cc:153] oneDNN\n")


@pytest.mark.slow
def test_a_fresh_process_that_builds_a_model_prints_no_tensorflow_info_lines():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = ("import sys; from aecore.models import Architecture, build; "
            "build(Architecture('dense', 8, 2, hidden_units=(4,))); "
            "print('done', file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            timeout=300, check=True)
    assert result.stderr.strip().splitlines()[-1] == "done"
    assert not [line for line in result.stderr.splitlines(True) if NOTICE.match(line)], result.stderr
