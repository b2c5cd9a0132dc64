"""Distributed and streamed training: strategies, the chunk stream, mirrored and multi-worker runs.

Logical CPU devices must be configured before TensorFlow initialises, so the mirrored and
multi-worker checks run in fresh subprocesses.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from aecore.training import distributed
from aecore.presets import TrainConfig

from tests.builders import ROOT

TINY = TrainConfig(n_components=3, hidden_units=(16,), epochs=2, batch_size=64, random_state=0)


def _env(**extra):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_CONFIG", None)
    return {**env, **extra}


def _last_json(stdout: str) -> dict:
    return json.loads([line for line in stdout.splitlines() if line.startswith("{")][-1])


@pytest.fixture(scope="module")
def digits_npy(tmp_path_factory, digits):
    path = tmp_path_factory.mktemp("npy") / "digits.npy"
    np.save(path, digits.X)
    return path


# --------------------------------------------------------------------------- the chunk stream


def test_batch_stream_visits_every_training_row_once_per_pass():
    rows = np.arange(60, dtype=np.float32).reshape(30, 2)
    skip = np.array([3, 17])
    stream = distributed._batch_stream(rows, 0, 30, skip, batch_size=4, chunk_rows=7, seed=0,
                                       pipeline_id=0, n_pipelines=1)
    first_pass = np.concatenate([next(stream) for _ in range(7)])  # 28 rows = one pass.
    assert all(len(b) == 4 for b in np.split(first_pass, 7))
    assert sorted(first_pass[:, 0] // 2) == [i for i in range(30) if i not in (3, 17)]
    assert not np.array_equal(first_pass[:, 0], np.sort(first_pass[:, 0]))  # Shuffled.


def test_batch_stream_gives_each_pipeline_its_own_chunks():
    rows = np.arange(40, dtype=np.float32).reshape(20, 2)
    seen = []
    for pipeline in (0, 1):
        stream = distributed._batch_stream(rows, 0, 20, np.empty(0, int), batch_size=5,
                                           chunk_rows=5, seed=0, pipeline_id=pipeline, n_pipelines=2)
        seen.append({int(v) // 2 for _ in range(2) for v in next(stream)[:, 0]})
    assert seen[0].isdisjoint(seen[1]) and seen[0] | seen[1] == set(range(20))


# --------------------------------------------------------------------------- in this process


def test_fit_streaming_returns_a_fitted_reducer(digits_npy, digits):
    heard = []
    reducer = distributed.fit_streaming(digits_npy, TINY, "none", rows=(0, 1500),
                                        progress=lambda epoch, logs: heard.append((epoch, logs)))
    assert [e for e, _ in heard] == [1, 2] and "val_loss" in heard[0][1]
    assert reducer.transform(digits.X).shape == (1797, 3)
    assert reducer.reconstruct(digits.X[:5]).shape == (5, 64)
    assert reducer.n_epochs_ == 2 and reducer.output_activation_ == "sigmoid"
    assert reducer.architecture_.n_features == 64 and reducer.n_features_in_ == 64


def test_fit_streaming_reads_image_stacks(tmp_path, digits):
    path = tmp_path / "images.npy"
    np.save(path, digits.X[:200].reshape(-1, 8, 8))
    config = TINY.replace(kind="conv", filters=(4, 8), hidden_units=())
    reducer = distributed.fit_streaming(path, config, batch_size=32)
    assert reducer.architecture_.image_shape == (8, 8)
    assert reducer.transform(digits.X[:3]).shape == (3, 3)


@pytest.mark.parametrize("call, match", [
    (lambda p: distributed.fit_streaming(str(p) + ".csv", TINY), "existing .npy file"),
    (lambda p: distributed.fit_streaming(p, TINY, "teleport"), "strategy='teleport'"),
    (lambda p: distributed.fit_streaming(p, TINY, rows=(100, 50)), "rows="),
    (lambda p: distributed.fit_streaming(p, TINY.replace(n_components=64)), "n_components=64"),
    (lambda p: distributed.fit_streaming(p, TINY, batch_size=0), "batch_size=0"),
    (lambda p: distributed.fit_streaming(p, {"kind": "dense"}), "TrainConfig"),
])
def test_bad_streaming_arguments_are_refused(digits_npy, call, match):
    with pytest.raises(ValueError, match=match):
        call(digits_npy)


def test_pickled_npy_is_refused(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}] * 20, dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="not a plain numeric"):
        distributed.fit_streaming(path, TINY)


def test_nan_rows_are_refused(tmp_path):
    X = np.random.default_rng(0).random((50, 4)).astype(np.float32)
    X[7, 2] = np.nan
    np.save(tmp_path / "nan.npy", X)
    with pytest.raises(ValueError, match="NaN"):
        distributed.fit_streaming(tmp_path / "nan.npy", TINY.replace(n_components=2))


def test_multi_worker_needs_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs the TF_CONFIG"):
        distributed.make_strategy("multi-worker")


@pytest.mark.parametrize("value, match", [
    ("{not json", "not valid JSON"),
    ('{"cluster": {}, "task": {"type": "worker", "index": 0}}', "must list the workers"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}', "index < number"),
])
def test_bad_tf_config_is_refused(monkeypatch, value, match):
    monkeypatch.setenv("TF_CONFIG", value)
    with pytest.raises(ValueError, match=match):
        distributed.read_tf_config()


def test_chief_is_worker_zero(monkeypatch):
    config = {"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert not distributed.is_chief()
    config["task"]["index"] = 0
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert distributed.is_chief()


def test_bad_split_count_is_refused():
    with pytest.raises(ValueError, match="n_devices=0"):
        distributed.split_cpu(0)


# --------------------------------------------------------------------------- subprocesses

MIRRORED = textwrap.dedent("""
    import json, sys
    import numpy as np
    from aecore.training.distributed import fit_streaming, make_strategy, split_cpu
    from aecore.presets import TrainConfig

    devices = split_cpu(2)
    strategy = make_strategy("mirrored")
    config = TrainConfig(n_components=8, hidden_units=(64,), epochs=10, batch_size=64,
                         early_stopping=False, random_state=0)
    X = np.load(sys.argv[1])
    mirrored = fit_streaming(sys.argv[1], config, strategy)
    default = fit_streaming(sys.argv[1], config, "none")
    in_memory = config.to_reducer().fit(X)
    try:
        split_cpu(3)
        late = "no error"
    except ValueError as exc:
        late = str(exc)
    print(json.dumps({"devices": devices, "replicas": strategy.num_replicas_in_sync,
                      "mirrored": -mirrored.score(X), "default": -default.score(X),
                      "in_memory": -in_memory.score(X), "late": late}))
""")


@pytest.mark.slow
def test_mirrored_on_two_logical_cpus_matches_the_default_strategy(digits_npy):
    out = subprocess.run([sys.executable, "-c", MIRRORED, str(digits_npy)], capture_output=True,
                         text=True, env=_env(), cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = _last_json(out.stdout)
    assert result["replicas"] == 2 and len(result["devices"]) == 2
    # Same global batches, gradients averaged over both replicas: the same model up to
    # floating-point summation order, and as good as AutoencoderReducer.fit in memory.
    assert result["mirrored"] == pytest.approx(result["default"], rel=0.02)
    assert result["mirrored"] <= 1.15 * result["in_memory"]
    assert result["mirrored"] < 0.03  # Predicting the mean image scores about 0.06.
    assert "too late" in result["late"]


WORKER = textwrap.dedent("""
    import json, sys
    import numpy as np
    from aecore.training.distributed import fit_streaming, is_chief, make_strategy
    from aecore.presets import TrainConfig

    strategy = make_strategy("multi-worker")
    config = TrainConfig(n_components=8, hidden_units=(64,), epochs=8, batch_size=64,
                         early_stopping=False, random_state=0)
    reducer = fit_streaming(sys.argv[1], config, strategy)
    X = np.load(sys.argv[1])
    print(json.dumps({"chief": is_chief(), "replicas": strategy.num_replicas_in_sync,
                      "mse": -reducer.score(X), "first_weight": float(reducer.autoencoder_.weights[0].numpy().ravel()[0])}))
""")


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_train_one_model(digits_npy):
    workers = [f"localhost:{port}" for port in _free_ports(2)]
    procs = [subprocess.Popen(
        [sys.executable, "-c", WORKER, str(digits_npy)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=_env(TF_CONFIG=json.dumps({"cluster": {"worker": workers},
                                       "task": {"type": "worker", "index": i}})))
        for i in range(2)]
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr[-3000:]
        results.append(_last_json(stdout))
    assert [r["chief"] for r in results] == [True, False]
    assert all(r["replicas"] == 2 for r in results)
    # Synchronous training: both workers end with identical weights, and a useful model.
    assert results[0]["first_weight"] == results[1]["first_weight"]
    assert results[0]["mse"] == results[1]["mse"] < 0.04
