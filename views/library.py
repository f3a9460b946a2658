"""Your chips and models: editors, Hugging Face config.json import, saved scenarios and the
user library as one file. What is saved here is selectable on every page."""
import streamlit as st
from dashboard.widgets import draw, editors, frame, library_views

TABS = ["Chips", "Models", "Import config.json", "Scenarios and library file"]

st.title("Your chips and models")
st.markdown("Add a chip or a model (from scratch, by cloning a library one, or from a Hugging Face `config.json`); "
            "it is saved in your library and appears in every chip and model selector: the sidebar, the AFD "
            "pools, the chip-pair search and the exports.")


def body(scenario) -> None:
    library_views.confirmation()
    custom_chips = {c.slug for c in scenario.custom_chips}
    custom_models = {m.slug for m in scenario.custom_models}
    tab, box = draw.open_tab(TABS, "lib_tab")
    with box:
        if tab == TABS[0]:
            editors.chip_editor(scenario.known_chips(), custom_chips)
        elif tab == TABS[1]:
            editors.model_editor(scenario.known_models(), custom_models, scenario.context)
        elif tab == TABS[2]:
            library_views.import_config(scenario)
        else:
            library_views.scenarios(scenario)


frame.live(body)
