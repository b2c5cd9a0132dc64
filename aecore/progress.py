"""Progress of a fit on standard error: one tqdm bar over the epochs, or one line per epoch.

:class:`EpochBar` is what ``aecore train`` shows and what ``AutoencoderReducer(verbose=1)``
shows in a notebook or a script; :class:`EpochLines` is ``verbose=2``. Both are plain
``progress(epoch, logs)`` listeners (see :mod:`aecore.training.monitor`), so neither knows about Keras.
"""

from __future__ import annotations

import sys
from typing import Callable, Optional

#: The log keys a progress display shows, in this order.
SHOWN_LOGS = ("loss", "val_loss")


def _shown(logs: dict) -> dict:
    """The losses worth showing, formatted to four significant digits."""
    return {key: f"{logs[key]:.4g}" for key in SHOWN_LOGS if key in logs}


class EpochBar:
    """A tqdm progress bar on standard error, one tick per epoch, showing loss and val_loss.

    Parameters
    ----------
    total : int
        The most epochs the fit can run (early stopping may end it sooner).
    disable : bool, default=False
        Show nothing (``aecore train --quiet``).
    """

    def __init__(self, total: int, disable: bool = False):
        from tqdm.auto import tqdm

        # tqdm.auto draws a widget in Jupyter and a text bar elsewhere; either way on stderr,
        # so that a script's standard output stays its own.
        self.bar = tqdm(total=total, unit="epoch", desc="training", file=sys.stderr,
                        disable=disable, dynamic_ncols=True)

    def __call__(self, epoch: int, logs: dict) -> None:
        self.bar.set_postfix(_shown(logs), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        """End the bar (safe to call twice)."""
        self.bar.close()


class EpochLines:
    """One line per epoch on standard error: ``epoch 3/100 - loss 0.0412 - val_loss 0.0437``."""

    def __init__(self, total: int, file=None):
        self.total = int(total)
        self.file = file

    def __call__(self, epoch: int, logs: dict) -> None:
        parts = [f"epoch {epoch}/{self.total}"] + [f"{key} {value}" for key, value in _shown(logs).items()]
        print(" - ".join(parts), file=self.file or sys.stderr, flush=True)

    def close(self) -> None:
        """Nothing to end: every line is complete when written."""


def for_verbosity(verbose: int, total: int) -> Optional[EpochBar | EpochLines]:
    """The display ``verbose`` asks for (0: ``None``, 1: :class:`EpochBar`, 2: :class:`EpochLines`)."""
    if verbose == 1:
        return EpochBar(total)
    if verbose == 2:
        return EpochLines(total)
    return None


def chain(*listeners: Optional[Callable[[int, dict], None]]) -> Optional[Callable[[int, dict], None]]:
    """One ``progress(epoch, logs)`` listener calling each given one in turn (``None``s skipped)."""
    present = [listener for listener in listeners if listener is not None]
    if len(present) <= 1:
        return present[0] if present else None

    def progress(epoch: int, logs: dict) -> None:
        for listener in present:
            listener(epoch, logs)

    return progress
