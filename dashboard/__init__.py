"""The decode co-design dashboard: a Streamlit app on the ``costmodel`` core.

Roles are subpackages; imports run one way, top to bottom, never back (a test holds it:
``tests/unit/test_architecture.py``), and only ``widgets`` uses Streamlit:

    pages.py       the page registry: slug (URL path, script views/<slug>.py), title, icon, content, tabs
    state/         what the user set: the Scenario, the page inputs, the URL's parameters, scenario files
    content/       what each page shows, as data (charts as figure dicts, tables, headlines); charts/
                   holds the Plotly figure builders
    export/        files from the content: images, CSV, report.html/pdf, bundles (the headless report)
    user_library/  the user's own chips, models and scenarios as files
    widgets/       Streamlit: the sidebar, page inputs, drawing, downloads, editors, link checks
    server/        the link guard in front of Streamlit's server (``python -m dashboard serve``)

app.py and views/ (beside this package) are the Streamlit scripts: app.py navigates over the
registry and draws the sidebar, each page script draws its content with ``widgets``."""
