"""What each page shows, as data and with no Streamlit: ``<page>.content(scenario)`` builds a
``page.PageContent`` (charts as Plotly figure dicts, tables, headline lines), computed on first
access and cached on frozen inputs (``compute``); ``charts/`` holds the figure builders. The pages
draw it, the export writes it."""
