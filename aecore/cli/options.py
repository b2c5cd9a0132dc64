"""The command line's options, drawn from the params schema (:mod:`aecore.params`): one
``--name`` per setting with ``cli=True``, its help saying the setting's real default and readable
bounds, and refused values explained in the command line's own words (the option, not
``name=``)."""

from __future__ import annotations

from ..params import KIND_DEFAULTS, SETTINGS, SPARSITY_WEIGHTS, Setting, _number, parse_text


def add_arguments(parser, settings=None) -> None:
    """Add a ``--name`` option per command-line setting to an ``argparse`` parser.

    Every option defaults to ``None`` (meaning: the preset's value); the help says the setting's
    own default and limits.
    """
    import argparse

    for s in settings or [s for s in SETTINGS if s.cli]:
        names = [s.flag] + ([s.cli_alias] if s.cli_alias else [])
        limits = "" if s.type in (bool, str) else f"; {s.bounds()}"
        help_text = f"{s.help} (default: {default_text(s)}{limits})".replace("%", "%%")
        if s.type is bool:
            parser.add_argument(*names, dest=s.name, action=argparse.BooleanOptionalAction,
                                default=None, help=help_text)
        elif s.type is str:
            parser.add_argument(*names, dest=s.name, choices=s.choices, default=None, help=help_text)
        else:
            parser.add_argument(*names, dest=s.name, type=_cli_type(s), default=None,
                                metavar=s.name.upper(), help=help_text)


def default_text(setting: Setting) -> str:
    """A setting's default as a person reads it: ``"100 (most kinds), 50 for conv, 2000 for
    linear"`` where ``None`` stands for the kind's default, never ``"None"``."""
    if setting.default is not None:
        if setting.type is tuple:
            return ",".join(map(str, setting.default)) or "none"
        return str(setting.default)
    if setting.name == "sparsity_weight":
        return ", ".join(f"{weight:g} for sparsity {name}" for name, weight in SPARSITY_WEIGHTS.items())
    per_kind = {kind: values[setting.name] for kind, values in KIND_DEFAULTS.items()
                if setting.name in values}
    if not per_kind:
        return {"random_state": "a new seed at every fit"}.get(setting.name, "the kind's default")
    common = max(set(per_kind.values()), key=list(per_kind.values()).count)
    others = [f"{_number(value, grouped=True)} for {kind}" for kind, value in per_kind.items()
              if value != common]
    return ", ".join([f"{_number(common, grouped=True)} (most kinds)"] + others)


def _cli_type(setting: Setting):
    """An argparse ``type`` that parses and checks one setting's text."""
    import argparse

    def parse(text: str):
        try:
            return parse_text(setting, text)
        except ValueError:
            raise argparse.ArgumentTypeError(cli_message(setting, text)) from None

    parse.__name__ = setting.type.__name__
    return parse


def cli_message(setting: Setting, text: str) -> str:
    """What a command line says about a refused value, in its own words: ``"--epochs -1 must be
    a whole number from 1 to 5,000; e.g. --epochs 100"`` (the option, not ``epochs=``)."""
    what = {int: "a whole number", float: "a number",
            tuple: "whole numbers separated by commas, each"}.get(setting.type, "a value")
    bounds = setting.bounds()
    if " to " in bounds and not setting.choices:
        bounds = "from " + bounds
    example = setting.example if setting.example is not None else setting.default
    if setting.type is tuple:
        example = ",".join(map(str, example or ())) or "512,256"
    shown = text if text.strip() else repr(text)
    return f"{setting.flag} {shown} must be {what} {bounds}; e.g. {setting.flag} {example}"
