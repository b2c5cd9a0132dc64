"""The app's pages: scripts Streamlit runs by path (see aecore_app/app.py); they only lay out."""
