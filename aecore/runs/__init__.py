"""Runs: a fitted reducer saved as a run directory and rebuilt from it (:mod:`.format`, :mod:`.saving`,
:mod:`.loading`), the runs folder, the shipped demo runs, and what a run is exported as."""

from .._lazy import lazy_exports

#: The names people import from this package (they lived here before it had submodules), and the
#: submodule that defines each; loaded on first use.
_PUBLIC = {
    "DEFAULT_RUNS_ROOT": "loading", "LoadedRun": "loading", "RUNS_ROOT_ENV": "loading",
    "architecture_from_dict": "loading", "attach_fitted": "loading", "check_size": "loading",
    "is_within": "loading", "list_runs": "loading", "load_codes": "loading",
    "load_latent_history": "loading", "load_run": "loading", "resolve_run": "loading",
    "runs_root": "loading",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
