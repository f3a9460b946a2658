"""The library page's other views: importing a Hugging Face ``config.json`` (what was read,
what was assumed, the model it makes), and saving, loading and sharing scenarios and the whole
user library. Everything a user supplies is checked by the core's loaders; a refusal is one
message naming the field, shown as text."""
from __future__ import annotations

import dataclasses
import functools
import json
import time

import pandas as pd
import streamlit as st

from costmodel import library
from costmodel.errors import InputError, check_slug
from costmodel.hf_config import MAX_CONFIG_BYTES, read_config

from dashboard.widgets import editors, draw, sidebar
from dashboard.export import report
from dashboard.user_library import store
from dashboard.state.scenario import MAX_SCENARIO_BYTES, Scenario, parse_scenario

MESSAGE = editors.SAVED  # a confirmation to show after the rerun a save or load causes
RERUN = "_library_rerun_app"  # a load's callback asks for one run of the whole app (the sidebar shows what it set)
PROBLEM = "_library_problem"  # a refusal found in a callback, shown on the next run


def confirmation() -> None:
    """The message of the last save or load, once (or why it was refused). After a load, first
    one run of the whole app: the load's button is in the page fragment, whose own rerun would
    leave the sidebar showing the old inputs."""
    if st.session_state.pop(RERUN, False):
        st.rerun(scope="app")
    message = st.session_state.pop(MESSAGE, None)
    if message:
        st.success(draw.escape(message), icon=":material/check_circle:")
    problem = st.session_state.pop(PROBLEM, None)
    if problem:
        st.error(draw.escape(problem), icon=":material/error:")


def _problem(err: InputError) -> None:
    st.error(draw.input_error(err), icon=":material/error:")


# --- Hugging Face config.json ---------------------------------------------------------------------
def import_config(scenario: Scenario) -> None:
    """Upload or paste a config.json; show the model it makes, the keys read and the values
    assumed; save it to the library or open it in the model editor."""
    st.markdown("Upload a Hugging Face `config.json` or paste its text. Supported: Llama and Mistral, "
                "Qwen2/Qwen3 dense and MoE, Mixtral, DeepSeek-V3 and Kimi K2, Llama 4, gpt-oss, GLM-4.5, ERNIE 4.5 "
                "MoE and Step-3; another architecture with the standard fields imports as dense GQA (and says so).")
    upload = st.file_uploader("config.json", type=["json"], key="hf_upload", max_upload_size=1,
                              help=f"At most {MAX_CONFIG_BYTES:,} bytes.")
    pasted = st.text_area("…or paste the JSON", key="hf_paste", height=120, max_chars=MAX_CONFIG_BYTES)
    text = upload.getvalue() if upload is not None else (pasted or "").strip()
    if not text:
        return
    left, right = st.columns(2)
    slug = left.text_input("Slug (empty: from the config)", key="hf_slug", max_chars=64).strip() or None
    name = right.text_input("Name (empty: from the config)", key="hf_name", max_chars=100).strip() or None
    source = f"Hugging Face config.json ({upload.name})" if upload is not None else "Hugging Face config.json (pasted)"
    try:
        imported = read_config(text, name=name, source=source)
    except InputError as err:
        _problem(err)
        return
    model, slug_problem = imported.model, None
    try:  # a slug that cannot be used is said beside its field; the preview stays
        model = dataclasses.replace(model, slug=check_slug(slug, "slug")) if slug else model
        if model.slug in library.models():
            raise InputError("slug", f"{model.slug!r} is a library model; give the import another slug")
    except InputError as err:
        slug_problem = err
        left.error(draw.input_error(err), icon=":material/error:")
    st.markdown(f"**{draw.escape(model.name)}** ({draw.code(model.slug)}): {draw.escape(imported.family)}, "
                f"architecture {draw.code(imported.architecture)}.")
    editors.model_figures(model, scenario.context)
    read, assumed = st.columns(2)
    with read:
        st.caption(f"Read from the file ({len(imported.read)} keys)")
        draw.table(pd.DataFrame({"key": [k for k, _ in imported.read],
                                   "value": [json.dumps(v) for _, v in imported.read]}), height=240)
    with assumed:
        st.caption(f"Assumed ({len(imported.assumed)}): not in the file")
        draw.table(pd.DataFrame({"what": [w for w, _ in imported.assumed], "why": [y for _, y in imported.assumed]}),
                     height=240)
    save, edit = st.columns(2)
    if save.button("Save to your library", key="hf_save", type="primary", width="stretch",
                   disabled=slug_problem is not None):
        editors.save_to_library(lambda: store.save_model(model), f"Saved model {model.slug}: selectable on every page.")
    edit.button("Open in the model editor", key="hf_edit", width="stretch",
                on_click=functools.partial(editors.seed_model, model, False),
                help="Fills the model editor (tab 'Models') with this model to change it before saving.")


# --- scenarios and the library file ----------------------------------------------------------------
def scenarios(scenario: Scenario) -> None:
    """Save the current scenario by name, load or delete a saved one, load one from a file,
    and export or import the whole user library as one file."""
    lib = store.load()
    name_box, save_box = st.columns([3, 1], vertical_alignment="bottom")
    name = name_box.text_input("Save the current scenario as", key="sc_name", max_chars=64,
                               placeholder="e.g. h20 attention at 32k")
    if save_box.button("Save", key="sc_save", type="primary", width="stretch", disabled=not name.strip()):
        editors.save_to_library(lambda: store.save_scenario(name, report.report_dict(scenario)),
                       f"Saved scenario {name.strip()}.")
    if lib.scenarios:
        pick_box, load_box, delete_box = st.columns([3, 1, 1], vertical_alignment="bottom")
        pick = pick_box.selectbox("Saved scenarios", lib.scenarios, key="sc_pick")
        load_box.button("Load", key="sc_load", width="stretch", on_click=_load_saved, args=(pick,),
                        help="Sets every input (sidebar, chip sliders, AFD page) as saved.")
        if delete_box.button("Delete", key="sc_delete", width="stretch"):
            editors.save_to_library(lambda: store.delete_scenario(pick), f"Deleted scenario {pick}.")
    else:
        st.caption("No saved scenario yet.")
    upload = st.file_uploader("Load a scenario file (the sidebar's Download → Scenario (JSON))", type=["json"],
                              key="sc_upload", max_upload_size=5)
    if upload is not None:
        st.button("Load this file", key="sc_upload_load", on_click=_load_file, args=(upload.getvalue(), upload.name))
    st.divider()
    st.markdown(f"**Your library** is in {draw.code(store.folder())} ({len(lib.chips)} chips, "
                f"{len(lib.models)} models, {len(lib.scenarios)} scenarios; set `{store.ENV}` to move it).")
    for problem in lib.problems:
        st.warning("Not read: " + draw.escape(problem), icon=":material/warning:")
    left, right = st.columns(2)
    left.download_button("Export the library (one JSON file)", data=store.export_bytes,
                         file_name="decode-codesign-library.json", mime="application/json", key="lib_export",
                         on_click="ignore", icon=":material/download:", width="stretch")
    upload = right.file_uploader("Import a library file", type=["json"], key="lib_upload", max_upload_size=5)
    if upload is not None and right.button("Import", key="lib_import", width="stretch"):
        try:
            done = store.import_bytes(upload.getvalue(), progress=_progress(right))
        except InputError as err:
            _problem(err)
            return
        except OSError as err:
            st.error(f"Could not write the user library: {draw.escape(err.strerror or str(err))}")
            return
        st.session_state[MESSAGE] = ("Imported " + ", ".join(done)) if done else "Nothing new in that file."
        st.rerun()


PROGRESS_AFTER_S = 1.0  # a progress bar for work that takes longer than this


def _progress(box):
    """A ``progress(done, total)`` callback that shows a progress bar in ``box`` once the work
    has taken more than PROGRESS_AFTER_S (a short import shows none)."""
    start, bar = time.monotonic(), []

    def progress(done: int, total: int) -> None:
        if not bar and time.monotonic() - start > PROGRESS_AFTER_S:
            bar.append(box.progress(0.0))
        if bar:
            bar[0].progress(min(done / max(total, 1), 1.0), text=f"Importing: {done:,} of {total:,} steps")

    return progress


def _load_saved(name: str) -> None:
    try:
        data = store.read_scenario(name)
    except InputError as err:
        st.session_state[PROBLEM] = f"{err.field}: {err.message}"
        return
    _load_file(data, f"scenario {name}")


def _load_file(data: bytes, label: str) -> None:
    """Load a scenario file (a button's callback: before the widgets are drawn): its own chips
    and models join the user library, each under a slug of its own (a file's version of a
    library record, or of one the user saved, under a new slug: nothing saved is replaced),
    then every input is set from it. A refusal is kept for the next run to show."""
    try:
        if len(data) > MAX_SCENARIO_BYTES:
            raise InputError(label, f"larger than {MAX_SCENARIO_BYTES:,} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(label, "not UTF-8 text") from None
        lib = store.load()
        loaded, warnings = parse_scenario(text, label, lib.chips, lib.models)
        _keep_customs(loaded, lib)
    except InputError as err:
        st.session_state[PROBLEM] = f"{err.field}: {err.message}"
        return
    except OSError as err:
        st.session_state[PROBLEM] = f"could not write the user library: {err.strerror or err}"
        return
    sidebar.load(loaded)
    st.session_state[MESSAGE] = f"Loaded {label}." + "".join(f" Note: {w}." for w in warnings)
    st.session_state[RERUN] = True


def _keep_customs(loaded: Scenario, lib: store.UserLibrary) -> None:
    """Save a loaded scenario's custom records in the user library (each under a slug of its
    own already: ``Scenario.kept_apart``), those not saved yet."""
    for records, have, save in ((loaded.custom_chips, lib.chips, store.save_chip),
                                (loaded.custom_models, lib.models, store.save_model)):
        saved = set(have)
        for record in records:
            if record not in saved:
                save(record)
