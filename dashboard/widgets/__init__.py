"""Everything Streamlit: the sidebar and its chip sliders, page inputs drawn from their
declarations, the checks of a link's values before a widget reads them, charts, tables, tabs and
key figures, the download menus, the chip and model editors and the library page's views."""
