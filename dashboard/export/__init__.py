"""Files from page contents, with no Streamlit: PNG, SVG, PDF (through a warm headless chromium),
offline HTML, CSV, the one-file report and the bundle of a page or of all pages, and the folder the
headless ``python -m dashboard report`` writes."""
