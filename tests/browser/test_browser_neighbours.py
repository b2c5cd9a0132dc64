"""Real browser: the Latent page's neighbours panel (code space vs input space) for samples a link
selects, and its Embedding Projector download, whose files the test reads back."""

import io
import re
import zipfile

import numpy as np
import pytest

from test_browser import _assert_no_exception, _open, _settle, _shot

pytestmark = pytest.mark.browser


def test_neighbours_panel_and_projector_export(server, page, tmp_path):  # noqa: F811
    _open(page, f"{server}/latent?view=pca&sel=" + ",".join(str(i) for i in range(3500, 3512)))
    page.get_by_text("Neighbours in code space and in input space").wait_for()
    _settle(page)
    _assert_no_exception(page)
    shares = page.get_by_text(re.compile(r"\d+ of 8 share its label")).all_inner_texts()
    assert len(shares) == 2, shares
    in_codes = int(re.search(r"(\d+) of 8", shares[0]).group(1))
    assert in_codes >= 6  # #3500 is a 7: most of its code-space neighbours are 7s
    # The app scrolls inside its own container: bring the panel to the top of the window to see it.
    page.get_by_text("Neighbours in code space and in input space").first.evaluate(
        "e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    _shot(page, "latent-neighbours")

    page.get_by_role("tab", name="Downloads").click()
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Embedding Projector files")).click()
    path = tmp_path / "projector.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert {"tensors.tsv", "metadata.tsv", "sprite.png", "projector_config.pbtxt",
                "codes.parquet"} <= set(archive.namelist())
        tensors = np.loadtxt(io.StringIO(archive.read("tensors.tsv").decode()), delimiter="\t")
        metadata = archive.read("metadata.tsv").decode().splitlines()
        config = archive.read("projector_config.pbtxt").decode()
        sprite = archive.read("sprite.png")
    assert tensors.shape == (5000, 10)  # every row of the MNIST sample, the demo model's 10 codes
    assert metadata[0] == "label\trow" and len(metadata) == 5001 and metadata[3501].split("\t") == ["7", "3500"]
    assert 'sprite {' in config and "single_image_dim: 28" in config
    from PIL import Image

    assert Image.open(io.BytesIO(sprite)).size == (71 * 28, 71 * 28)  # ceil(sqrt(5000)) = 71 a side
    _assert_no_exception(page)
