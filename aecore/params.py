"""The settings of an autoencoder, each declared once.

Every setting of :class:`~aecore.AutoencoderReducer` is one :class:`Setting` in :data:`SETTINGS`:
its name, type, default, bounds or choices, documentation, the key of its label in the app's
locales, and its name in a shared link. Everything else is derived from this list:

- ``AutoencoderReducer.__init__`` (its signature and defaults), its docstring's Parameters and
  the per-setting checks its ``fit`` runs (:func:`check`);
- :class:`aecore.presets.TrainConfig`, the hashable config saved next to weights;
- the command line's ``train`` options (:func:`aecore.cli.options.add_arguments`);
- the app's link parameters and the Train page's settings form (in the app's UI package).

Adding a setting is one entry here plus its implementation in the model builders.
"""

from __future__ import annotations

import inspect
import math
import numbers
import textwrap
from dataclasses import dataclass, replace
from typing import Any, Optional

import numpy as np

#: Autoencoder kinds, in the order the app lists them.
KINDS = ("dense", "conv", "linear", "tied", "denoising", "contractive", "sparse", "vae", "wta")
#: Kinds greedy layer-wise training can stack.
GREEDY_KINDS = ("dense", "tied")
#: The hidden layers of the recommended stacked autoencoder (784-512-256-k), every default's source.
HIDDEN_UNITS = (512, 256)
#: Ways the denoising autoencoder corrupts its inputs (also :func:`aecore.models.noise.corrupt`).
NOISE_TYPES = ("gaussian", "dropout")
#: A VAE's layers: dense, or strided convolutions after keras-io's VAE (square grayscale images).
VAE_LAYERS = ("dense", "conv")
SPARSITY_TYPES = ("kl", "l1")
ACTIVATIONS = ("relu", "elu", "selu", "tanh")
CODE_ACTIVATIONS = ("linear", "relu", "elu", "selu", "tanh", "sigmoid")
OUTPUT_ACTIVATIONS = ("auto", "sigmoid", "linear")
LOSSES = ("mse", "binary_crossentropy")
#: Optimizer names and the ``keras.optimizers`` classes they build (by name: no Keras import here).
OPTIMIZERS = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "nadam": "Nadam"}
#: Longest list a tuple setting (hidden units, filters) may hold.
MAX_LAYERS = 8


@dataclass(frozen=True)
class Setting:
    """One setting: what it is, its limits, and where it appears.

    ``type`` is ``int``, ``float``, ``bool``, ``str`` (one of ``choices``), ``tuple`` (whole
    numbers, each within ``low``–``high``) or ``list`` (Keras callbacks). A number setting with
    ``choices`` also accepts those words (``contamination="auto"``). ``optional`` settings also accept ``None``, which
    means "the kind's default" (see :data:`aecore.reducer.KIND_DEFAULTS`). ``low_open`` /
    ``high_open`` make a bound exclusive. ``url`` is the setting's name in a shared link and the
    suffix of its widget key (``None``: not in links); ``form`` puts it on the Train page;
    ``cli`` makes it a ``python -m aecore train`` option (``--name-with-dashes``, plus
    ``cli_alias``); ``config`` makes it a :class:`~aecore.presets.TrainConfig` field (settings of
    the machine rather than of the model are not). ``kinds`` names the kinds a setting applies to
    (``None``: all); the Train page shows it only for those.
    """

    name: str
    type: type
    default: Any
    help: str
    doc: str = ""
    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple = ()
    optional: bool = False
    step: Optional[float] = None
    label: Optional[str] = None
    url: Optional[str] = None
    form: bool = False
    cli: bool = False
    cli_alias: Optional[str] = None
    config: bool = True
    example: Any = None
    kinds: Optional[tuple[str, ...]] = None
    #: Fewest numbers a tuple setting holds (a convolutional encoder needs one layer of filters).
    min_items: int = 0
    #: Most numbers a tuple setting holds.
    max_items: int = MAX_LAYERS

    @property
    def label_key(self) -> str:
        """The key of this setting's label in the app's locales."""
        return self.label or f"param.{self.name}"

    @property
    def flag(self) -> str:
        """Its command-line option."""
        return "--" + self.name.replace("_", "-")

    def describe(self) -> str:
        """What values it takes, in words: ``"an integer from 1 to 512"``."""
        if self.type is bool:
            return "True or False"
        if self.type is str:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.type is list:
            return "a list of keras.callbacks.Callback objects"
        what = {int: "an integer", float: "a number", tuple: "whole numbers"}[self.type]
        if self.type is tuple and self.max_items != MAX_LAYERS:
            what = f"{self.min_items} to {self.max_items} whole numbers"
        elif self.type is tuple and self.min_items:
            what = f"at least {self.min_items} whole number{'s' if self.min_items > 1 else ''}"
        words = "".join(f"{c!r} or " for c in self.choices)
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        if self.low is not None and self.high is not None:
            return f"{words}{what} in {left}{_number(self.low)}, {_number(self.high)}{right}"
        if self.low is not None:
            return f"{words}{what} {'>' if self.low_open else '>='} {_number(self.low)}"
        return words + what

    def bounds(self) -> str:
        """The limits as a reader says them, for help texts: ``"0 to 2,147,483,647"``."""
        if self.type in (bool, str, list):
            return self.describe()
        low = None if self.low is None else f"{_number(self.low, grouped=True)}"
        high = None if self.high is None else f"{_number(self.high, grouped=True)}"
        words = "".join(f"{c!r} or " for c in self.choices)
        if low is not None and high is not None and not (self.low_open or self.high_open):
            return f"{words}{low} to {high}"
        parts = ([f"{'above' if self.low_open else 'at least'} {low}"] if low is not None else []) + \
                ([f"{'below' if self.high_open else 'at most'} {high}"] if high is not None else [])
        return words + (" and ".join(parts) or "any number")

    def error(self, value) -> ValueError:
        """The ``ValueError`` for an invalid ``value``: the value, the limits and an example."""
        example = self.example if self.example is not None else self.default
        if self.type is tuple:
            example = ", ".join(str(v) for v in (example or HIDDEN_UNITS))
            example = f"({example})"
        none = ("" if not self.optional else " or None" if self.type is list
                else " or None (the kind's default)")
        return ValueError(f"{self.name}={value!r} must be {self.describe()}{none}, "
                          f"e.g. {self.name}={example}.")

    def in_range(self, value) -> bool:
        """Whether a number lies within the bounds."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return False
        return True

    def check(self, value):
        """``value`` as this setting's type; ``ValueError`` (see :meth:`error`) when invalid."""
        if value is None:
            if self.optional:
                return None
            raise self.error(value)
        if self.type is bool:
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise self.error(value)
        if self.type is str or (self.choices and isinstance(value, str)):
            if isinstance(value, str) and value in self.choices:
                return value
            raise self.error(value)
        if self.type is list:
            # Keras is not imported here (import aecore stays light): a callback is what Keras
            # would call, an object with set_model and the epoch hooks.
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not all(
                    callable(getattr(c, "set_model", None)) and callable(getattr(c, "on_epoch_end", None))
                    for c in value):
                raise self.error(value)
            return list(value)
        if self.type is tuple:
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise self.error(value)
            items = tuple(value)
            if not self.min_items <= len(items) <= self.max_items or not all(
                    isinstance(v, numbers.Integral) and not isinstance(v, bool) and self.in_range(v)
                    for v in items):
                raise self.error(value)
            return tuple(int(v) for v in items)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self.error(value)
        if self.type is int and not isinstance(value, numbers.Integral):
            raise self.error(value)
        if not math.isfinite(value) or not self.in_range(value):
            raise self.error(value)
        return self.type(value)


S = Setting
#: Every setting, in the order of the reducer's signature.
SETTINGS: tuple[Setting, ...] = (
    S("n_components", int, 2, "size of the latent code", low=1, high=512, label="train.latent_size",
      url="k", form=True, cli=True),
    S("kind", str, "dense", "autoencoder kind", choices=KINDS, label="train.kind", url="kind", form=True,
      cli=True, doc=(
          '``"linear"``: one linear layer each way (learns PCA\'s subspace). ``"dense"``: a stacked '
          'autoencoder. ``"conv"``: strided convolutions for square grayscale images (rows are '
          'flattened images). ``"tied"``: a stacked autoencoder whose decoder reuses the encoder\'s '
          'transposed kernels (about half the parameters). ``"denoising"``: a stacked autoencoder '
          'that sees corrupted inputs while training and must output the clean ones (see '
          '``noise``). ``"contractive"``: a stacked autoencoder whose loss adds the squared '
          'Frobenius norm of the encoder\'s Jacobian (see ``contractive_weight``). ``"sparse"``: sigmoid codes with a sparsity penalty (see ``sparsity``). '
          '``"vae"``: a variational autoencoder; ``transform`` returns the mean code and '
          ':meth:`sample` draws new rows. ``"wta"``: winner-take-all ReLU codes, each code unit '
          'keeping only its top ``wta_rate`` activations of a training batch.')),
    S("hidden_units", tuple, HIDDEN_UNITS, "widths of the encoder's hidden layers, e.g. 512,256",
      low=1, high=4096, label="train.hidden_units", url="hidden", form=True, cli=True,
      doc='The decoder mirrors them unless ``decoder_units`` says otherwise. Ignored by "linear".'),
    S("decoder_units", tuple, None, "widths of the decoder's hidden layers when they differ from "
      "hidden_units reversed", low=1, high=4096, optional=True, example=(),
      doc=('``None`` mirrors ``hidden_units``; ``()`` maps the code straight to the output, as seed '
           '002\'s dense network (784-64-784 after one 784-unit encoder layer). Kind "tied" must '
           'mirror (its decoder reuses the encoder\'s kernels), and so must greedy training.')),
    S("activation", str, "relu", "hidden-layer activation", choices=ACTIVATIONS, label="train.activation",
      url="act", form=True, cli=True),
    S("encoder_activation", str, None, "activation of the encoder's hidden layers when it differs "
      "from activation", choices=ACTIVATIONS, optional=True),
    S("code_activation", str, "linear", "activation of the code layer", choices=CODE_ACTIVATIONS),
    S("output_activation", str, "auto", "output activation", choices=OUTPUT_ACTIVATIONS,
      doc='"auto" uses a sigmoid when the training data lie in [0, 1] and a linear output otherwise.'),
    S("loss", str, "mse", "reconstruction loss", choices=LOSSES, label="train.loss", url="loss",
      form=True, cli=True),
    S("optimizer", str, "adam", "optimizer", choices=tuple(OPTIMIZERS), label="common.optimizer", url="opt",
      form=True, cli=True),
    S("learning_rate", float, None, "optimizer learning rate", low=1e-5, high=10.0, optional=True,
      label="common.learning_rate", url="lr", form=True, cli=True, example=0.001,
      doc="``None`` picks the kind's default (see ``KIND_DEFAULTS``)."),
    S("epochs", int, None, "maximum number of passes over the data", low=1, high=5000, optional=True,
      label="train.max_epochs", url="epochs", form=True, cli=True, example=100,
      doc="``None`` picks the kind's default."),
    S("batch_size", int, None, "rows per training step", low=1, high=65536, optional=True,
      label="train.batch_size", url="batch", form=True, cli=True, example=128),
    S("early_stopping", bool, True, "stop when the validation loss stops improving and keep the best "
      "weights; off: train all epochs and keep the last", label="train.early_stopping", url="es",
      form=True, cli=True, doc="Without a validation split the training loss is watched."),
    S("patience", int, None, "epochs without improvement before early stopping", low=1, high=1000,
      optional=True, example=10),
    S("validation_fraction", float, None, "share of the rows held out to monitor training", low=0.0,
      high=0.5, high_open=True, optional=True, example=0.1,
      doc="0 monitors the training loss; ``None`` picks the kind's default (0 for \"linear\", whose "
          "yardstick is the training fit)."),
    S("batch_norm", bool, False, "batch normalization after each hidden layer", label="train.batch_norm",
      url="bn", form=True, cli=True),
    S("dropout", float, 0.0, "dropout rate after each hidden layer", low=0.0, high=0.5, step=0.05,
      label="train.dropout", url="dropout", form=True, cli=True, example=0.1),
    S("image_shape", tuple, None, "(height, width) of the images for kind='conv'", low=1, high=4096,
      optional=True, config=False, example=(28, 28), doc='``None`` assumes square images.'),
    S("filters", tuple, (32, 64), "Conv2D filters for kind='conv' and a VAE's conv layers", low=1, high=1024,
      min_items=1, label="train.filters", url="filters", form=True, cli=True, kinds=("conv", "vae")),
    S("kernel_size", int, 3, "convolution kernel size for kind='conv' and a VAE's conv layers", low=1, high=15,
      label="train.kernel_size", url="kernel", form=True, cli=True, kinds=("conv", "vae")),
    S("greedy", bool, False, "greedy layer-wise training (kinds dense and tied)", doc=(
        "Train one shallow autoencoder per layer on the codes of the previous one (each for up to "
        "``epochs`` epochs) and stack them, instead of training the whole network at once. Progress "
        "epochs count on across the stages and ``history_`` gets a ``stage`` column; ``val_loss`` "
        "is always the whole stack's reconstruction error.")),
    S("greedy_finetune_epochs", int, 0, "end-to-end epochs after greedy stacking", low=0, high=5000,
      example=10),
    S("noise", str, "gaussian", "kind denoising: the noise added while training", choices=NOISE_TYPES,
      label="train.noise", url="ntype", form=True, cli=True, kinds=("denoising",),
      doc=("Add ``noise_level`` x N(0, 1) to every input value, or set a share ``noise_level`` of "
           "the input values to zero. Only while training; clipped to [0, 1] when the data lie there. "
           ":func:`aecore.models.noise.corrupt` makes the same noise for display.")),
    S("noise_level", float, 0.3, "noise standard deviation (gaussian) or share of zeroed values "
      "(dropout, below 1)", low=0.0, high=10.0, label="train.noise_level", url="nlevel", form=True,
      cli=True, kinds=("denoising",)),
    S("contractive_weight", float, 0.1, "kind contractive: weight of the encoder's Jacobian penalty",
      low=0.0, high=1000.0, label="train.contractive_weight", url="cw", form=True, cli=True,
      kinds=("contractive",), doc=(
          "The loss adds this weight times the squared Frobenius norm of the Jacobian of the codes "
          "with respect to the input, divided by the number of features (Rifai et al., ICML 2011), so "
          "it reads on the scale of the per-feature reconstruction loss. The norm is estimated with "
          "one random projection per row and step (unbiased), which about doubles the encoder's "
          "cost per row. 0 trains a plain stacked autoencoder.")),
    S("sparsity", str, "kl", "kind sparse: the sparsity penalty", choices=SPARSITY_TYPES,
      label="train.sparsity", url="sparsity", form=True, cli=True, kinds=("sparse",), doc=(
        "A KL divergence between ``sparsity_target`` and each code unit's mean activation over a "
        "batch, or an L1 penalty on the codes.")),
    S("sparsity_weight", float, None, "weight of the sparsity penalty", low=0.0, high=1000.0,
      optional=True, example=0.05, label="train.sparsity_weight", url="sw", form=True, cli=True,
      kinds=("sparse",), doc=(
          "``None`` picks 0.01 for \"kl\" and 0.001 for \"l1\" (Geron's 0.05 for \"kl\" was set "
          "against a cross-entropy loss, about ten times the MSE here).")),
    S("sparsity_target", float, 0.1, "target mean activation of each code unit (sparsity='kl')",
      low=0.0, high=1.0, low_open=True, high_open=True, label="train.sparsity_target", url="starget",
      form=True, cli=True, kinds=("sparse",)),
    S("kl_weight", float, 1.0, "kind vae: weight of the KL term (the beta of a beta-VAE)", low=0.0,
      high=1000.0, label="train.kl_weight", url="beta", form=True, cli=True, kinds=("vae",),
      doc="1 gives the evidence lower bound; more, a beta-VAE."),
    S("vae_layers", str, "dense", "kind vae: dense layers or conv (keras-io's VAE: strided Conv2D, Conv2DTranspose)",
      choices=VAE_LAYERS, label="train.vae_layers", url="vlayers", form=True, cli=True, kinds=("vae",)),
    S("wta_rate", float, 0.05, "kind wta: share of a batch's activations each code unit keeps", low=0.0,
      high=1.0, low_open=True, label="train.wta_rate", url="wta", form=True, cli=True, kinds=("wta",)),
    S("jit_compile", bool, True, "compile with XLA (about twice as fast on a CPU for these models)"),
    S("random_state", int, 0, "random seed: the same seed gives the same model", low=0, high=2**31 - 1,
      label="common.seed", url="seed", form=True, cli=True, cli_alias="--seed", optional=True,
      doc="``None`` draws a new seed at every fit."),
    S("contamination", float, "auto", "expected share of outliers, which sets the threshold of "
      "predict and decision_function", low=0.0, high=0.5, low_open=True, choices=("auto",),
      example=0.05, doc=(
          'As in ``sklearn.ensemble.IsolationForest``: ``fit`` sets ``offset_`` so that this share '
          'of the training rows scores below it; ``"auto"`` places it at the 95th percentile of '
          'the training rows\' reconstruction errors (about 5% of them flagged). It never changes '
          'the training.')),
    S("verbose", int, 0, "progress while fitting: 0 nothing, 1 a progress bar over the epochs "
      "(with loss and val_loss), 2 one line per epoch", low=0, high=2, config=False, example=1,
      doc="Written to standard error; the app and the tests keep the default 0."),
    S("callbacks", list, None, "Keras callbacks passed to the model's fit", optional=True,
      config=False, example="[keras.callbacks.CSVLogger('training.csv')]", doc=(
          "Each callback sees every epoch of the training (``on_epoch_end``, ...), after the "
          "reducer's own monitor. Greedy training passes them to every stage. They are not saved "
          "with a run.")),
)
del S

#: Settings that depend on the kind when left as ``None`` (see :func:`aecore.presets.resolved_training`).
#: Linear models see only a handful
#: of features, so they need a larger step and more passes to reach PCA's optimum.
KIND_DEFAULTS = {
    "linear": {"learning_rate": 0.02, "epochs": 2000, "batch_size": 1024, "patience": 100,
               "validation_fraction": 0.0},
    "dense": {"learning_rate": 1e-3, "epochs": 100, "batch_size": 128, "patience": 10,
              "validation_fraction": 0.1},
    "conv": {"learning_rate": 1e-3, "epochs": 50, "batch_size": 128, "patience": 8,
             "validation_fraction": 0.1},
}
# The other stacked kinds train like "dense".
KIND_DEFAULTS.update({kind: dict(KIND_DEFAULTS["dense"]) for kind in KINDS if kind not in KIND_DEFAULTS})

#: Default sparsity weight per penalty when ``sparsity_weight=None``.
SPARSITY_WEIGHTS = {"kl": 0.01, "l1": 1e-3}


#: Settings by name.
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
#: The Family page's hidden units: the same setting, kept smaller because every action there
#: trains several models at once and at least one hidden layer, which greedy stacking needs.
FAMILY_HIDDEN_UNITS = replace(BY_NAME["hidden_units"], high=2048, min_items=1, max_items=4)
#: The settings a TrainConfig holds.
CONFIG_SETTINGS = tuple(s for s in SETTINGS if s.config)
#: The settings on the Train page (and in links), in the form's order.
FORM_SETTINGS = tuple(s for s in SETTINGS if s.form)


def _number(value: float, grouped: bool = False) -> str:
    """A bound written in full (``2147483647``, not ``2.14748e+09``), grouped by thousands if asked."""
    if float(value).is_integer() and abs(value) >= 1000:
        return f"{int(value):,}" if grouped else f"{int(value)}"
    return f"{value:g}"


def number_text(value: float) -> str:
    """A bound as a reader says it: ``2,147,483,647``, ``0.5``, ``1e-05``."""
    return _number(value, grouped=True)


def check(values: dict) -> dict:
    """Each value checked against its setting (:meth:`Setting.check`); the first invalid one raises."""
    return {name: BY_NAME[name].check(value) if name in BY_NAME else value
            for name, value in values.items()}


def latent_size_fits(n_components: int, n_features: int) -> bool:
    """Whether a latent code is narrower than a row (a wider one could copy the row): every entry
    point (the reducer, the Train page, a model link) asks here, with its data's real width."""
    return n_components < n_features


def check_latent_size(n_components: int, n_features: int) -> None:
    """``ValueError`` naming the value, the limit and the fix unless :func:`latent_size_fits`."""
    if not latent_size_fits(n_components, n_features):
        raise ValueError(f"n_components={n_components} must be smaller than the number of features "
                         f"({n_features}); choose a smaller latent size or a dataset with more columns.")


def storing_init(**extra):
    """An ``__init__`` whose signature is the settings (``n_components`` first, the others by
    keyword, then ``extra`` keyword arguments with their defaults) and which only stores them, as
    scikit-learn expects; ``get_params`` and ``clone`` read the same signature."""
    kinds = {True: inspect.Parameter.POSITIONAL_OR_KEYWORD, False: inspect.Parameter.KEYWORD_ONLY}
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(s.name, kinds[s.name == "n_components"], default=s.default) for s in SETTINGS]
        + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value)
           for name, value in extra.items()])

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature
    return __init__


def numpydoc(settings=SETTINGS) -> str:
    """The numpydoc "Parameters" entries of ``settings`` (for the reducer's docstring)."""
    lines = []
    for s in settings:
        kind = {int: "int", float: "float", bool: "bool", tuple: "tuple of int",
                list: "list of keras.callbacks.Callback"}.get(s.type)
        if s.type is str:
            kind = "{" + ", ".join(f'"{c}"' for c in s.choices) + "}"
        elif s.choices:
            kind = " or ".join(f'"{c}"' for c in s.choices) + f" or {kind}"
        if s.optional:
            kind += " or None"
        lines.append(f"    {s.name} : {kind}, default={s.default!r}")
        text = s.help[0].upper() + s.help[1:] + "."
        limits = "" if s.type in (bool, str) else f" Valid: {s.describe()}."
        lines.append(textwrap.fill(f"{text}{limits} {s.doc}".rstrip(), width=96,
                                   initial_indent=" " * 8, subsequent_indent=" " * 8))
    return "\n".join(lines)


def parse_text(setting: Setting, text: str):
    """A setting's value from text, as typed in a form, a link or a command line.

    Whole numbers only in the digits 0-9; tuples as comma-separated whole numbers ("" or
    "none": empty). ``ValueError`` naming the setting when the text is not valid.
    """
    text = text.strip()
    if setting.type in (int, float, tuple) and not text.isascii():
        # int() and float() read other scripts' digits ("٣" is 3); settings are written in ASCII.
        raise ValueError(f"{setting.name}={text!r} is not a number written with the digits 0-9")
    try:
        if setting.type is tuple:
            value = () if text.lower() in ("", "none") else parse_numbers(text)
        elif setting.type is bool:
            value = {"1": True, "true": True, "0": False, "false": False}[text.lower()]
        elif setting.type is int:
            value = int(text)
        elif setting.type is float:
            value = float(text)
        else:
            value = text
    except (ValueError, KeyError):
        raise setting.error(text) from None
    return setting.check(value)


def parse_numbers(text: str) -> tuple[int, ...]:
    """Comma-separated whole numbers as a tuple (spaces and empty parts skipped): the one reader of
    layer lists, for forms, links and the command line; the setting checks the bounds."""
    return tuple(int(v) for v in text.replace(" ", "").split(",") if v != "")
