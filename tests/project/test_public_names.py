"""The names people import keep working where the README, the docs and saved notebooks use them,
although the library now has subpackages (issue 30)."""

import importlib

import pytest

import aecore

#: (module, name): where a name was imported from before the library had subpackages.
PUBLIC = [("aecore", "AutoencoderReducer"), ("aecore.data", "load_mnist_sample"),
          ("aecore.data", "load_dataset"), ("aecore.data", "train_test_split"),
          ("aecore.data", "Dataset"), ("aecore.runs", "load_run"), ("aecore.runs", "list_runs"),
          ("aecore.figures", "codings_scatter"), ("aecore.figures", "reconstruction_grid"),
          ("aecore.figures", "TEMPLATE"), ("aecore.models", "build"), ("aecore.models", "Architecture"),
          ("aecore.cli", "main"), ("aecore.metrics", "cluster_scores")]


@pytest.mark.parametrize("module, name", PUBLIC, ids=lambda value: str(value))
def test_a_public_name_imports_where_it_did(module, name):
    assert getattr(importlib.import_module(module), name) is not None


@pytest.mark.parametrize("old, new", [("projection", "aecore.maps.projection"), ("encoding", "aecore.runs.encoding"),
                                      ("run_saving", "aecore.runs.saving"), ("runs", "aecore.runs"),
                                      ("data", "aecore.data"), ("figures", "aecore.figures")])
def test_the_old_submodule_names_answer_from_their_new_homes(old, new):
    assert getattr(aecore, old).__name__ == new
    assert old in dir(aecore)


def test_a_facade_lists_its_names_and_refuses_others():
    from aecore import runs

    assert "load_run" in dir(runs) and "load_run" in runs.__all__
    with pytest.raises(AttributeError, match="no attribute 'load_rum'"):
        runs.load_rum  # noqa: B018
