"""The dashboard's server (``python -m dashboard serve``): Streamlit's own server for app.py with the
link guard in front of it."""
