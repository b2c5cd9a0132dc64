"""Every default and every list of names is written once, in aecore.params (or one constant the
schema uses): a second copy of a literal fails here, before the copies can drift apart."""

import ast
from pathlib import Path

import pytest

from aecore.maps import cluster
from aecore import params, presets

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("aecore/**/*.py"), *ROOT.glob("aecore_app/*.py"), *ROOT.glob("aecore_app/app_pages/**/*.py")])

#: Lists of names, each with the one module allowed to write it out.
DECLARED = {
    "the recommended hidden layers": (params.HIDDEN_UNITS, "aecore/params.py"),
    "the autoencoder kinds": (params.KINDS, "aecore/params.py"),
    "the noise types": (params.NOISE_TYPES, "aecore/params.py"),
    "the sparsity penalties": (params.SPARSITY_TYPES, "aecore/params.py"),
    "the activations": (params.ACTIVATIONS, "aecore/params.py"),
    "the code activations": (params.CODE_ACTIVATIONS, "aecore/params.py"),
    "the losses": (params.LOSSES, "aecore/params.py"),
    "the optimizers": (tuple(params.OPTIMIZERS), "aecore/params.py"),
    "the clustering methods": (cluster.METHODS, "aecore/maps/cluster.py"),
    "post 002's networks": (presets.POST002_PRESETS, "aecore/presets.py"),
}
#: Dicts keyed by a whole list that say something of their own about each name (not a copy of
#: the list): (list, file) -> why.
PER_NAME_TEXTS = {
    ("the clustering methods", "aecore/budget.py"): "the budget's hint for each method",
    ("the clustering methods", "aecore_app/app_pages/clusters.py"): "each method's display name",
}


def _literals(tree: ast.AST):
    """Every tuple, list or set literal and every dict's keys, as tuples of their constants."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [key for key in node.keys if key is not None]
        else:
            continue
        if items and all(isinstance(item, ast.Constant) for item in items):
            yield node.lineno, tuple(item.value for item in items)


def _where(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("what", list(DECLARED))
def test_each_list_of_names_is_written_once(what):
    names, home = DECLARED[what]
    copies = [f"{_where(path)}:{line}" for path in SOURCES
              if _where(path) != home and (what, _where(path)) not in PER_NAME_TEXTS
              for line, values in _literals(ast.parse(path.read_text()))
              if set(names) <= set(values) and (len(names) > 1 or values == names)]
    assert not copies, (f"{what} {names!r} are declared in {home}; import them there instead of "
                        f"writing them again at {', '.join(copies)}")


def test_the_recommended_layers_are_one_constant():
    copies = [f"{_where(path)}:{line}" for path in SOURCES if _where(path) != "aecore/params.py"
              for line, values in _literals(ast.parse(path.read_text())) if values == params.HIDDEN_UNITS]
    assert not copies, f"use aecore.params.HIDDEN_UNITS instead of {params.HIDDEN_UNITS} at {copies}"
    assert params.BY_NAME["hidden_units"].default == params.HIDDEN_UNITS


def _parses_a_list_of_numbers(node: ast.AST) -> bool:
    """A comprehension of ``int(...)`` over ``something.split(",")``: a parser of layer lists."""
    if not isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return False
    element, source = node.elt, node.generators[0].iter
    return (isinstance(element, ast.Call) and getattr(element.func, "id", None) == "int"
            and isinstance(source, ast.Call) and getattr(source.func, "attr", None) == "split"
            and any(isinstance(arg, ast.Constant) and arg.value == "," for arg in source.args))


def test_one_parser_reads_lists_of_numbers():
    parsers = [f"{_where(path)}:{node.lineno}" for path in SOURCES
               for node in ast.walk(ast.parse(path.read_text())) if _parses_a_list_of_numbers(node)]
    assert len(parsers) == 1 and parsers[0].startswith("aecore/params.py:"), (
        f"lists of numbers are read by aecore.params.parse_numbers only; found {parsers}")


def test_the_one_parser_reads_what_the_copies_read():
    assert params.parse_numbers(" 512, 256 ") == (512, 256)
    assert params.parse_numbers("64,,32,") == (64, 32)
    assert params.parse_numbers("") == ()
    with pytest.raises(ValueError):
        params.parse_numbers("1e9")


def test_the_family_pages_limits_are_declared_with_the_setting():
    family = params.FAMILY_HIDDEN_UNITS
    assert (family.name, family.low, family.high, family.min_items, family.max_items) == (
        "hidden_units", 1, 2048, 1, 4)
    with pytest.raises(ValueError, match=r"hidden_units=\(\) must be 1 to 4 whole numbers in \[1, 2048\]"):
        params.parse_text(family, "")


def test_the_model_builders_default_to_the_settings():
    from aecore.models.builders import Architecture
    from aecore.models.shapes import NetworkShape

    architecture = Architecture(kind="dense", n_features=784, n_components=2)
    shape = NetworkShape(kind="dense", n_features=784, n_components=2)
    for name in ("hidden_units", "activation", "code_activation", "batch_norm", "dropout", "filters",
                 "kernel_size", "noise", "noise_level", "sparsity", "sparsity_target", "kl_weight",
                 "wta_rate", "contractive_weight"):
        assert getattr(architecture, name) == params.BY_NAME[name].default, name
    for name in ("hidden_units", "batch_norm", "filters", "kernel_size"):
        assert getattr(shape, name) == params.BY_NAME[name].default, name
    assert architecture.sparsity_weight == params.SPARSITY_WEIGHTS[params.BY_NAME["sparsity"].default]


def test_every_optimizer_name_builds_its_keras_optimizer():
    import keras

    from aecore.training.monitor import make_optimizer

    for name, class_name in params.OPTIMIZERS.items():
        optimizer = make_optimizer(name, 0.01)
        assert isinstance(optimizer, getattr(keras.optimizers, class_name))
    with pytest.raises(ValueError, match="optimizer='adagrad' must be one of"):
        make_optimizer("adagrad", 0.01)


# --------------------------------------------------------------------------- the latent size rule


def test_the_latent_size_rule_names_the_value_the_limit_and_the_fix():
    assert params.latent_size_fits(9, 10) and not params.latent_size_fits(10, 10)
    with pytest.raises(ValueError, match=r"n_components=10 must be smaller than the number of features \(10\); "
                                         "choose a smaller latent size"):
        params.check_latent_size(10, 10)


def test_a_built_in_datasets_width_is_read_from_the_data():
    from aecore.data import datasets as aedata

    for name in ("digits", "breast_cancer", "seed003_random"):
        assert aedata.builtin_n_features(name) == aedata.load_dataset(name).n_features
    for name, online in aedata.ONLINE_DATASETS.items():
        # Never a download: the width of data Keras fetches is declared with it.
        assert aedata.builtin_n_features(name, load=None) == online.n_features == 28 * 28


def test_a_model_link_checks_the_latent_size_against_the_datas_real_width():
    from aecore_app import model_links

    _, _, config, problems = model_links.model_from_params({"data": "breast_cancer", "k": "30"})
    assert config.n_components == model_links.form_config("recommended").n_components
    assert "30 features" in problems[0]
    _, _, config, problems = model_links.model_from_params({"data": "breast_cancer", "k": "29"})
    assert config.n_components == 29 and problems == []
