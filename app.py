"""Autoencoder Lab on Community Cloud and in a checkout (``streamlit run app.py``): the app itself,
its page registry included, is the package ``aecore_app`` (``aecore app`` runs it when installed)."""

from aecore_app.app import run

run()
