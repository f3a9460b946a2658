"""The co-design explorer's inputs as widgets (two rows above the tabs), each bound to the URL and
checked there first (``link_checks``), and the folded form that saves a design of the plane to the
user library as a custom model."""
from __future__ import annotations

import streamlit as st

from costmodel.design_space import FAMILIES, FAMILY_LABELS, MTP_ACCEPTED, base_design, own_family
from costmodel.errors import InputError
from costmodel.model import ModelSpec

from dashboard.content import labels
from dashboard.content.codesign import PLANES, SPECS, CodesignView, design_spec, dim_options, own_dim
from dashboard.state.codesign_inputs import KEYS, LOAD_KEY, CodesignInputs
from dashboard.state.scenario import Scenario
from dashboard.user_library import store
from dashboard.widgets import draw, editors, link_checks

URL = "query-params"


def _own_dims(model: ModelSpec) -> dict:
    """{widget key: value} of the fixed dimensions at ``model``'s own (head dim, RoPE dim)."""
    own = own_family(model)
    return {KEYS["head_dim"]: own_dim(model, own if own != "mla" else "gqa"), KEYS["qk_rope_dim"]: own_dim(model, "mla")}


def _base_changed(known: dict) -> None:
    """A new base model (the selector's callback): the family and the fixed dimensions go to
    its own (bound widgets: set through their state, which also sets the URL)."""
    model = known[st.session_state[KEYS["base"]]]
    st.session_state[KEYS["family"]] = own_family(model)
    st.session_state.update(_own_dims(model))


def widget_state(inputs: CodesignInputs, scenario: Scenario) -> dict:
    """{widget key: value} that shows ``inputs`` in the page's widgets (``scenario``: the known
    models, and the sidebar's first chip where ``inputs.chip`` is None)."""
    model = scenario.known_models()[inputs.base]
    family = inputs.family or own_family(model)
    return {KEYS["base"]: inputs.base, KEYS["family"]: family, **_own_dims(model),
            KEYS[PLANES[family][2][0]]: inputs.dim or own_dim(model, family), KEYS["kv_bits"]: inputs.kv_bits,
            KEYS["tokens_per_step"]: inputs.tokens_per_step, KEYS["mtp_accept"]: inputs.mtp_accept, KEYS["chip"]: inputs.chip or scenario.chips[0],
            KEYS["price_usd_per_hour"]: inputs.price_usd_per_hour}


def _apply_loaded(scenario: Scenario) -> None:
    """Put a loaded scenario's inputs (``LOAD_KEY``) into the widgets, before they are drawn."""
    inputs = st.session_state.pop(LOAD_KEY, None)
    if inputs is not None and inputs.base in scenario.known_models():
        st.session_state.update(widget_state(inputs, scenario))


def _index(key: str, options: list, value) -> int | None:
    """A widget's default index, or None when its state holds a value already (set by a
    callback or a loaded link): passing both makes Streamlit warn."""
    return None if key in st.session_state else options.index(value)


def _plane_row(row1, scenario: Scenario) -> tuple:
    """The first row: base model, family, the plane's fixed dimension, the chip of the chip and
    model views; (base slug, model, its own family, family, dimension, chip slug)."""
    known, chips = scenario.known_models(), scenario.known_chips()
    show_model = labels.model_options(known)
    link_checks.choice(KEYS["base"], map(show_model, known), show=show_model)
    default_base = CodesignInputs.base if CodesignInputs.base in known else next(iter(known))
    base = row1[0].selectbox("Base model (its body: layers, hidden, FFN)", list(known),
                             index=list(known).index(default_base), key=KEYS["base"], bind=URL,
                             format_func=show_model, on_change=_base_changed, args=(known,),
                             help="Library or your own; the design space replaces the attention of its softmax "
                                  "layers (each keeps its window; linear-attention layers stay).")
    model = known[base]
    own = own_family(model)
    families = list(FAMILIES)
    spec = SPECS["family"]
    link_checks.choice(KEYS["family"], [FAMILY_LABELS[f] for f in families], show=FAMILY_LABELS.get)
    family = row1[1].radio(f"{spec.label} (base: {FAMILY_LABELS[own]})", families,
                           index=_index(KEYS["family"], families, own),
                           horizontal=True, key=KEYS["family"], bind=URL, format_func=FAMILY_LABELS.get,
                           help=spec.description + ".")
    dim_name, dim_label, _ = PLANES[family][2]
    options = list(dim_options(model, family))
    link_checks.choice(KEYS[dim_name], map(str, options))
    for other in {PLANES[f][2][0]: f for f in reversed(families)}.values():  # the other planes' dimension keys:
        if PLANES[other][2][0] != dim_name:  # not drawn here, a bad value is still named and dropped
            link_checks.choice(KEYS[PLANES[other][2][0]], map(str, dim_options(model, other)))
    dim = row1[2].selectbox(f"{dim_label} of the plane", options,
                            index=_index(KEYS[dim_name], options, own_dim(model, family)),
                            key=KEYS[dim_name], bind=URL, format_func=str,
                            help=("Head dim of every query and KV head" if family != "mla" else
                                  "RoPE key dim shared by the heads (cached with the latent)")
                            + "; the plane's axes are the others.")
    show_chip = labels.chip_option
    link_checks.choice(KEYS["chip"], map(show_chip, chips), show=show_chip)
    first = scenario.chips[0]
    chip = row1[3].selectbox("Chip for the chip and model views", list(chips), index=list(chips).index(first),
                             key=KEYS["chip"], bind=URL, format_func=show_chip,
                             help="What this chip wants from a model; what the base model wants from it "
                                  "(sensitivity, iso-cost price).")
    return base, model, own, family, dim, chip


def _step_row(row2, chip: str) -> tuple:
    """The second row: KV precision, tokens per step, accepted tokens, the iso-cost price;
    (kv bits, tokens per step, accepted tokens, price)."""
    show_chip = labels.chip_option
    spec = SPECS["kv_bits"]
    link_checks.choice(KEYS["kv_bits"], map(str, spec.options))
    kv_bits = row2[0].radio(spec.label, list(spec.options), index=_index(KEYS["kv_bits"], list(spec.options), 8),
                            horizontal=True,
                            key=KEYS["kv_bits"], bind=URL, format_func=str, help=spec.description + ".")
    spec = SPECS["tokens_per_step"]
    usable = link_checks.number(KEYS["tokens_per_step"], spec.minimum, spec.maximum, True, spec.label)
    mtp = row2[1].slider(spec.title, int(spec.minimum), int(spec.maximum), step=1, key=KEYS["tokens_per_step"],
                         bind=URL if usable else None, help=spec.description + ".")
    spec = SPECS["mtp_accept"]
    usable = link_checks.number(KEYS["mtp_accept"], spec.minimum, spec.maximum, False, spec.label)
    accept = row2[2].number_input(spec.title, min_value=float(spec.minimum), max_value=float(spec.maximum), value=None,
                                  step=float(spec.step), key=KEYS["mtp_accept"], bind=URL if usable else None,
                                  disabled=mtp == 1,
                                  placeholder=f"published: {MTP_ACCEPTED.get(int(mtp), float(mtp)):g}",
                                  help=spec.description + ". Capped at the tokens per step.", format=labels.NUMBER_FORMAT)
    spec = SPECS["price_usd_per_hour"]
    usable = link_checks.number(KEYS["price_usd_per_hour"], spec.minimum, spec.maximum, False, spec.label)
    price = row2[3].number_input(spec.title, min_value=float(spec.minimum), max_value=float(spec.maximum), value=None,
                                 step=float(spec.step), key=KEYS["price_usd_per_hour"], bind=URL if usable else None,
                                 placeholder=f"{show_chip(chip)}'s own", help=spec.description + ".",
                                 format=labels.NUMBER_FORMAT)
    return kv_bits, mtp, accept, price


def inputs(scenario: Scenario) -> CodesignInputs:
    """Draw the page's inputs (two rows above the tabs), each bound to the URL and checked
    before its widget; return the CodesignInputs they describe."""
    _apply_loaded(scenario)
    row1, row2 = st.columns(4), st.columns(4)
    base, model, own, family, dim, chip = _plane_row(row1, scenario)
    kv_bits, mtp, accept, price = _step_row(row2, chip)
    return CodesignInputs(base=base, family=None if family == own else family,
                          dim=None if dim == own_dim(model, family) else int(dim), kv_bits=int(kv_bits),
                          tokens_per_step=int(mtp), mtp_accept=None if mtp == 1 else accept, chip=chip,
                          price_usd_per_hour=price)


SAVED = "_codesign_saved"


def save_design(view: CodesignView, scenario: Scenario) -> None:
    """A folded form: pick a design of the plane (x, y; the other values are the plane's),
    see what it costs, and save it to the user library as a custom model (then selectable on
    every page). Drawn only while open."""
    message = st.session_state.pop(SAVED, None)
    if message:
        st.success(draw.escape(message), icon=":material/check_circle:")
    r, p = view.resolved, view.plane
    box = st.expander("Send a design to the dashboard as a custom model", key="cod_send", on_change="rerun",
                      icon=":material/add_circle:")
    if not box.open:
        return
    own = base_design(r.base, r.family)
    with box:
        left, right, action = st.columns([1, 1, 2], vertical_alignment="bottom")
        x = left.selectbox(p.x_title, p.x, index=p.x.index(own[p.x_name]), key="cod_send_x")
        y = right.selectbox(p.y_title, p.y, index=p.y.index(own[p.y_name]), key="cod_send_y")
        try:
            model = design_spec(r, x, y)
        except InputError as err:
            st.error(draw.input_error(err), icon=":material/error:")
            return
        i, j = p.x.index(x), p.y.index(y)
        costs = ", ".join(f"{c} ${p.total[j, i, k]:.4f}" for k, c in enumerate(p.chips))
        exists = model.slug in {m.slug for m in scenario.custom_models}
        st.caption(draw.escape(
            f"{model.name}: {p.intensity[j, i]:.0f} FLOPs per KV byte, {p.kv_per_token[j, i] / 1e3:.1f} kB of KV per "
            f"context token; per 1M tokens: {costs}. Saved as {model.slug}"
            + (" (replaces your model of that slug)" if exists else "") + "."))
        if action.button("Save to your library", key="cod_save", type="primary", icon=":material/save:"):
            editors.save_to_library(lambda: store.save_model(model), (
                f"Saved {model.name} as {model.slug}: selectable as a model in the sidebar, as this page's base, on "
                "the AFD page and in the exports."), SAVED)
