"""The Latent page's neighbours panel (AppTest): a selected sample's neighbours in code space and
input space, the share of its label, the measure over random samples and the Projector download."""

import json
import re

import pytest

from tests.builders import open_page

pytestmark = pytest.mark.slow  # every test here takes more than ~2 s (see pytest.ini)


def test_the_latent_page_shows_a_selected_samples_neighbours_and_the_projector_download():
    at = open_page("aecore_app/app_pages/latent.py", {"view": "pca", "sel": "3500,3501"}, timeout=300)
    assert any("Neighbours in code space" in h.value for h in at.subheader), [h.value for h in at.subheader]
    shares = [m.value for m in at.markdown if "share its label" in m.value]
    assert len(shares) == 2, shares  # code space and input space
    same = [int(re.search(r"(\d+) of 8 share", text).group(1)) for text in shares]
    assert same[0] >= 6  # sample #3500 is a 7 of the MNIST sample; its code-space neighbours are mostly 7s
    at.selectbox(key="latent.nb_point").set_value(3501).run()
    assert not at.exception
    maps = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith("latent.nb_map")]
    assert maps, "the neighbours are not shown on the map"
    star = [trace for trace in maps[0]["data"] if trace.get("marker", {}).get("symbol") == "star"]
    assert star and star[0]["customdata"] == [3501]  # the picked sample, where it lies
    at.button(key="latent.nb_measure").click().run()
    assert not at.exception
    agreement = [i.value for i in at.info if "random samples" in i.value]
    assert agreement and re.search(r"\d+% of the 8 nearest", agreement[0])
    at.session_state["latent.tab"] = "downloads"  # the tab a click opens (only the open tab is drawn)
    at.run()
    assert [b for b in at.get("download_button") if b.proto.id.endswith("latent.dl.projector")] or \
        any("Projector" in b.proto.label for b in at.get("download_button"))
