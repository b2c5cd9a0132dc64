"""The guided tour: the seeds' story in order, each step a page with the settings to show.

Pure data (no Streamlit): the home page lists the steps, and each page shows the step it was
opened for (``?tour=N``) with what to look at and links to the previous and next steps. Titles and
explanations are the ``tour.<id>.title`` / ``tour.<id>.look`` strings in ``aecore/locales``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO = {"data": "mnist_sample", "preset": "recommended"}
#: Longest ``tour`` value read from a URL: a step number has one or two digits.
MAX_STEP_DIGITS = 3


@dataclass(frozen=True)
class Step:
    id: str
    page: str  # the app_pages file it opens
    params: dict = field(default_factory=dict)  # query parameters: the model and the view


#: The MNIST sample holds 500 digits of each class in order: #500 is its first 1, #3500 its first 7.
STEPS = (
    Step("linear", "app_pages/linear_3d.py", {"converge": "0"}),
    Step("mnist", "app_pages/reconstructions.py", {**DEMO, "show": "worst"}),
    Step("latent", "app_pages/latent.py", {**DEMO, "view": "umap", "dims": "2", "color": "label"}),
    Step("clusters", "app_pages/clusters.py", {**DEMO, "space": "umap", "method": "gmm", "clusters": "10"}),
    Step("denoising", "app_pages/generate.py", {"data": "mnist_sample", "preset": "denoising", "tab": "denoise",
                                                "level": "0.5"}),
    Step("vae", "app_pages/generate.py", {"data": "mnist_sample", "preset": "vae_2d", "tab": "walk",
                                          "from": "500", "to": "3500"}),
    Step("anomalies", "app_pages/anomalies.py", {**DEMO}),
)


def link_params(index: int) -> dict[str, str]:
    """The query parameters that open step ``index`` (0-based) of the tour."""
    return {**STEPS[index].params, "tour": str(index + 1)}


def step_from_params(params) -> int | None:
    """The 0-based step a URL's ``tour`` parameter names, or None (absent or invalid)."""
    text = params.get("tour")
    # Only ASCII digits: str.isdigit() also accepts "²" (which int() refuses) and "٣" (which
    # int() reads as 3); a link has no business spelling a step number either way.
    if not (isinstance(text, str) and 0 < len(text) <= MAX_STEP_DIGITS
            and text.isascii() and text.isdigit()):
        return None
    index = int(text) - 1
    return index if 0 <= index < len(STEPS) else None
