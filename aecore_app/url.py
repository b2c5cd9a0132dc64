"""The link format: typed query parameters, read with validation and written back compactly.

A shared link such as ``?data=mnist_sample&preset=recommended&k=2&view=umap&color=label`` reopens
the same model and the same view. Anything invalid or tampered with is dropped with a plain-words
reason, never an exception. Plain Python, tested without Streamlit; the model's parameters are in
:mod:`aecore_app.model_links`, a page's binding to its link in :mod:`aecore_app.page_link`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from aecore import params

#: Longest value we read from a URL; anything longer is tampering or a mistake.
MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class Param:
    """One query parameter: its name in the URL and how its text becomes a widget value.

    ``kind`` is ``"int"``, ``"float"``, ``"bool"``, ``"choice"`` (one of ``choices``),
    ``"ints"`` (comma-separated whole numbers, e.g. hidden units or selected rows) or ``"text"``
    (printable text, e.g. a search: the page reads it strictly and escapes it before showing it).
    A value is at most ``max_chars`` characters long.
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    max_items: int = 64
    min_items: int = 0
    max_chars: int = MAX_VALUE_CHARS

    def parse(self, text: str) -> Any:
        """The widget value for ``text``; ``ValueError`` in plain words when it is not valid."""
        if not isinstance(text, str) or len(text) > self.max_chars:
            raise ValueError(f"{self.name}: the value is too long (more than {self.max_chars} characters)")
        if self.kind == "text":
            if not text.isprintable():
                raise ValueError(f"{self.name}: the text holds characters that are not printable")
            return text
        if self.kind == "choice":
            for choice in self.choices:
                if str(choice) == text:
                    return choice
            raise ValueError(f"{self.name}={text!r} is not one of {', '.join(map(str, self.choices))}")
        if self.kind == "bool":
            if text in ("1", "true"):
                return True
            if text in ("0", "false"):
                return False
            raise ValueError(f"{self.name}={text!r} must be 1 or 0")
        if self.kind in ("int", "float", "ints") and not text.isascii():
            # int() and float() read other scripts' digits ("٣" is 3); links are written in ASCII.
            raise ValueError(f"{self.name}={text!r} is not a number written with the digits 0-9")
        if self.kind == "ints":
            try:
                values = params.parse_numbers(text)
            except ValueError:
                raise ValueError(f"{self.name}={text!r} must be whole numbers separated by commas") from None
            if len(values) > self.max_items:
                raise ValueError(f"{self.name} has more than {self.max_items} numbers")
            if len(values) < self.min_items:
                raise ValueError(f"{self.name} needs at least {self.min_items} number(s)")
            for v in values:
                self._check_range(v)
            return values
        try:
            value = int(text) if self.kind == "int" else float(text)
        except ValueError:
            raise ValueError(f"{self.name}={text!r} is not a number") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{self.name}={text!r} is not a finite number")
        self._check_range(value)
        return value

    def _check_range(self, value) -> None:
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ValueError(f"{self.name}={value} is outside {self.low:g}–{self.high:g}")

    def format(self, value) -> str:
        """The URL text of a widget value (the inverse of :meth:`parse`)."""
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "ints":
            return ",".join(str(int(v)) for v in value)
        if self.kind == "float":
            return f"{float(value):.6g}"
        return str(value)


def read(params: Mapping[str, str], spec: Mapping[str, Param]) -> tuple[dict, list[str]]:
    """Parse the parameters named in ``spec`` (widget key -> Param).

    Returns ``(values by widget key, problems)``; a parameter that is absent is simply left out,
    one that is invalid is left out and explained in ``problems``.
    """
    values, problems = {}, []
    for key, param in spec.items():
        if param.name not in params:
            continue
        try:
            values[key] = param.parse(params[param.name])
        except ValueError as exc:
            problems.append(str(exc))
    return values, problems


def write(values: Mapping[str, Any], spec: Mapping[str, Param]) -> dict[str, str]:
    """URL texts for the widget values present in ``values`` (by widget key)."""
    return {param.name: param.format(values[key]) for key, param in spec.items()
            if key in values and values[key] is not None}
