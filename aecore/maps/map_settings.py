"""The settings of a map a person may change, each declared once: t-SNE's perplexity and learning
rate, UMAP's number of neighbours and minimum distance.

Each is an :class:`aecore.params.Setting` (type, default, bounds, label key, link name), so the
checks and their error messages are the autoencoder settings' own. :mod:`aecore.maps.projection`
takes its defaults from here and checks every value it is given; the app's Latent space page draws
its controls, its link parameters and their help texts from the same declarations.
"""

from __future__ import annotations

from ..params import Setting

S = Setting
#: Method -> the settings of its map a person may change, in the order the app shows them. The
#: defaults are post 002's t-SNE settings and umap-learn's own neighbours and minimum distance.
MAP_SETTINGS: dict[str, tuple[Setting, ...]] = {
    "tsne": (
        S("perplexity", float, 15.0, "t-SNE's perplexity: about how many neighbours each point keeps "
          "close (clipped to a third of the rows on tiny maps)", low=2.0, high=100.0, step=1.0,
          label="latent.map_perplexity", url="perplexity", example=30.0),
        # openTSNE's "auto" (rows / 12) is kept for the library; the app offers numbers.
        S("learning_rate", float, 100.0, "t-SNE's learning rate (the step of its gradient descent)",
          low=10.0, high=2000.0, step=10.0, choices=("auto",), label="latent.map_tsne_lr", url="tsne_lr",
          example=200.0),
    ),
    "umap": (
        S("n_neighbors", int, 15, "UMAP's number of neighbours: more keeps more of the global "
          "shape, fewer more of the local detail (clipped to the rows - 1 on tiny maps)", low=2, high=200,
          step=1, label="latent.map_neighbors", url="neighbors", example=30),
        S("min_dist", float, 0.1, "UMAP's minimum distance between points on the map: smaller packs "
          "clusters tighter", low=0.0, high=1.0, step=0.05, label="latent.map_min_dist", url="min_dist",
          example=0.5),
    ),
}
del S


def defaults(method: str) -> dict:
    """The declared defaults of ``method``'s map settings (``{}`` for a method without any)."""
    return {setting.name: setting.default for setting in MAP_SETTINGS.get(method, ())}


def help_key(setting: Setting) -> str:
    """The key of a map setting's help text in the app's locales."""
    return f"latent.map_help_{setting.url}"


def check(method: str, settings: dict) -> dict:
    """``settings`` with every declared map setting of ``method`` checked (:meth:`Setting.check`:
    a ``ValueError`` naming the value, the limits and an example); other keys pass unchanged."""
    declared = {setting.name: setting for setting in MAP_SETTINGS.get(method, ())}
    return {name: declared[name].check(value) if name in declared else value for name, value in settings.items()}


def as_key(method: str, settings: dict | None) -> tuple:
    """``method``'s map settings as a cache key: plain ``(name, value)`` pairs in declared order,
    every setting present (a default left out and written out give the same key)."""
    values = {**defaults(method), **check(method, dict(settings or {}))}
    return tuple((setting.name, values[setting.name]) for setting in MAP_SETTINGS.get(method, ()))
