"""Editors of the user's own chips and models: every chip field from its declaration (label,
unit, range, step), a model as layer groups (attention design and dimensions, dense FFN or
MoE), each started blank or from a known record, with what follows from it shown live
(ridge points; KV bytes per token, parameters, attention intensity). Saving writes the
user library (``dashboard.userlib``); the record is then selectable on every page.

Widget state lives in ``st.session_state`` under ``ce_*`` (chip) and ``me_*`` (model) keys,
kept across page switches, so a half-edited record is not lost."""
from __future__ import annotations

import dataclasses

import streamlit as st

from costmodel import attention as attn_mod, ffn as ffn_mod
from costmodel.attention import GQA, LinearAttention
from costmodel.chips import CHIP_FIELDS, FIELD_BY_NAME, PEAK_FIELDS, Chip
from costmodel.decode import decode_token
from costmodel.errors import InputError
from costmodel.model import AttentionGroup, FFNGroup, ModelSpec

from dashboard.content import labels
from dashboard.widgets import draw
from dashboard.user_library import store

KEEP = "session"  # editor widgets keep their values across page switches
# A second unit a user has at hand for a chip field: {field: (unit, SI value of one unit)}. A NIC
# is sold in Gb/s; the field is declared in GB/s. Both inputs are drawn and kept equal.
OTHER_UNITS = {"net_bytes_per_s": ("Gb/s", 1e9 / 8)}
SAVED = "_library_message"  # a confirmation the library page shows after the rerun a save causes
SELECT = "_select_saved"  # (sidebar selector, slug) a save adds to the selection on the next run
CHIP_TEXT = {"slug": "Slug (lower-case, digits, '.', '_', '-')", "name": "Name", "vendor": "Vendor"}
BLANK = "(blank)"

# --- chips ----------------------------------------------------------------------------------------


def _chip_key(name: str) -> str:
    return f"ce_{name}"


def seed_chip(chip: Chip | None) -> None:
    """Put ``chip``'s values (display units) into the chip editor; None: a blank chip."""
    state = st.session_state
    for name in (*CHIP_TEXT, "source", "notes"):
        state[_chip_key(name)] = "" if chip is None else getattr(chip, name)
    if chip is not None and not chip.slug.endswith("-custom"):
        state[_chip_key("slug")] = f"{chip.slug}-custom"[:64]
        state[_chip_key("name")] = f"{chip.name} (custom)"
    for spec in CHIP_FIELDS:
        state[_chip_key(spec.name)] = None if chip is None else spec.shown(getattr(chip, spec.name))
    for name in OTHER_UNITS:
        _sync_other_unit(name)
    state[_chip_key("assumed")] = [] if chip is None else sorted(chip.assumed)


def _other_key(name: str) -> str:
    return _chip_key(f"{name}_other_unit")


def _sync_other_unit(name: str) -> None:
    """The field's value in its other unit from the declared one (a callback of the latter)."""
    value, scale = st.session_state.get(_chip_key(name)), FIELD_BY_NAME[name].scale
    st.session_state[_other_key(name)] = None if value is None else float(f"{value * scale / OTHER_UNITS[name][1]:.6g}")


def _sync_declared_unit(name: str) -> None:
    """The field's declared value from its other unit (a callback of the other unit's input)."""
    value, spec = st.session_state.get(_other_key(name)), FIELD_BY_NAME[name]
    st.session_state[_chip_key(name)] = None if value is None else spec.shown(value * OTHER_UNITS[name][1])


REQUIRED_TEXT = tuple(f.name for f in dataclasses.fields(Chip) if f.name not in FIELD_BY_NAME
                      and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)  # slug, ...


def missing_fields() -> list[str]:
    """The chip editor's required fields still empty, by label (what saving needs, said before)."""
    state = st.session_state
    text = [name.capitalize() for name in REQUIRED_TEXT if not (state.get(_chip_key(name)) or "").strip()]
    return text + [spec.label for spec in CHIP_FIELDS if spec.required and state.get(_chip_key(spec.name)) is None]


def edit_chip(chip: Chip) -> None:
    """Put a custom ``chip`` into the editor under its own slug (to change it)."""
    seed_chip(chip)
    st.session_state[_chip_key("slug")], st.session_state[_chip_key("name")] = chip.slug, chip.name


def chip_from_editor(fill_missing: bool = False) -> Chip:
    """The chip the editor describes (InputError naming the first invalid field). With
    ``fill_missing``, a required field still empty takes a placeholder: the error then names a
    value that was given."""
    state = st.session_state
    values = {name: (state.get(_chip_key(name)) or "").strip() for name in (*CHIP_TEXT, "source", "notes")}
    for spec in CHIP_FIELDS:
        value = state.get(_chip_key(spec.name))
        if value is None and fill_missing and spec.required:
            value = spec.minimum
        values[spec.name] = None if value is None else spec.check(value, spec.title, shown=True)
    if fill_missing:
        values.update({name: values[name] or "placeholder" for name in REQUIRED_TEXT})
    return Chip(**values, assumed=frozenset(state.get(_chip_key("assumed")) or ()))


def _chip_inputs() -> None:
    """The chip editor's inputs: the text fields, every declared field with its unit (a second
    unit where one is at hand), the source, the estimated fields and the notes."""
    cols = st.columns(3)
    for col, (name, label) in zip(cols, CHIP_TEXT.items()):
        col.text_input(label, key=_chip_key(name), max_chars=100 if name != "slug" else 64, persist_state=KEEP)
    cols = st.columns(3)
    for i, spec in enumerate(CHIP_FIELDS):
        box = cols[i % 3]
        if spec.name in OTHER_UNITS:
            box, other = box.columns(2)
        box.number_input(
            spec.title + ("" if spec.required else " (empty: not supported)"), min_value=float(spec.minimum),
            max_value=float(spec.maximum), value=None, step=float(spec.step), key=_chip_key(spec.name),
            persist_state=KEEP, format=labels.NUMBER_FORMAT, help=spec.description + ".",
            on_change=_sync_other_unit if spec.name in OTHER_UNITS else None, args=(spec.name,))
        if spec.name in OTHER_UNITS:
            unit, scale = OTHER_UNITS[spec.name]
            other.number_input(f"…or in {unit}", min_value=spec.minimum * spec.scale / scale,
                               max_value=spec.maximum * spec.scale / scale, value=None, step=1.0,
                               key=_other_key(spec.name), persist_state=KEEP, format=labels.NUMBER_FORMAT,
                               on_change=_sync_declared_unit, args=(spec.name,),
                               help=f"The same figure in {unit}, as a NIC is sold (8 bits per byte).")
    st.text_area("Source (where each figure comes from)", key=_chip_key("source"), max_chars=2000,
                 persist_state=KEEP, height=80)
    left, right = st.columns(2)
    left.multiselect("Estimated fields", [s.name for s in CHIP_FIELDS], key=_chip_key("assumed"),
                     format_func=labels.field_label, persist_state=KEEP,
                     help="Fields that are estimates rather than published figures.")
    right.text_input("Notes", key=_chip_key("notes"), max_chars=500, persist_state=KEEP)


def _chip_check() -> Chip | None:
    """The chip the editor describes, or None: what is missing or wrong said first; for a valid
    chip its ridge points live and a warning when it has no scale-up figure."""
    missing = missing_fields()
    try:
        chip = chip_from_editor()
    except InputError as err:
        chip = None
        if missing:  # said from the start, and what is wrong with a value given (a slug that is not one)
            st.info(draw.escape("Required before saving, still empty: " + ", ".join(missing) + "."),
                    icon=":material/edit:")
            try:
                chip_from_editor(fill_missing=True)
                err = None
            except InputError as given:
                err = given
        if err is not None:
            st.warning(f"Not yet a valid chip · {draw.input_error(err)}", icon=":material/edit:")
    if chip is not None:
        ridges = [(fmt.upper(), chip.peak_flops(fmt) / chip.mem_bw_bytes_per_s) for fmt in PEAK_FIELDS
                  if chip.peak_flops(fmt) is not None]
        draw.key_figures([(f"Ridge point {fmt}", f"{ridge:,.0f}", "FLOPs per byte of HBM traffic")
                        for fmt, ridge in ridges], width=200,
                       footnote="Attention or FFN work below a ridge point is memory-bound on this chip.")
        if chip.scaleup_bytes_per_s is None:
            st.warning(draw.escape(
                f"No scale-up link figure: what an attention layout splits across an instance's GPUs (tp, afd) then "
                f"goes over the scale-out network ({chip.net_bytes_per_s / 1e9:g} GB/s per GPU), as the model "
                "assumes for a chip without one. Give the NVLink-class figure if the chip has a scale-up fabric."),
                icon=":material/warning:")
    return chip


def chip_editor(known: dict[str, Chip], custom: set[str]) -> None:
    """The chip editor: start from blank or a known chip, every field with its unit, the ridge
    points live, save to (or delete from) the user library."""
    start, load = st.columns([3, 1], vertical_alignment="bottom")
    origin = start.selectbox("Start from", [BLANK, *known], key="ce_origin",
                             format_func=lambda s: s if s == BLANK else labels.option_label(
                                 f"{s.upper()} · {known[s].name}", s in custom))
    load.button("Load into the editor", key="ce_load", width="stretch",
                on_click=lambda: (edit_chip if origin in custom else seed_chip)(known.get(origin)),
                help="Fills the fields below; a library chip is cloned under a new slug.")
    if _chip_key("slug") not in st.session_state:
        seed_chip(None)
    for name in OTHER_UNITS:
        if _other_key(name) not in st.session_state:
            _sync_other_unit(name)
    _chip_inputs()
    slug = (st.session_state.get(_chip_key("slug")) or "").strip()
    chip = _chip_check()
    save, delete = st.columns(2)
    if save.button("Save to your library", key="ce_save", type="primary", disabled=chip is None, width="stretch"):
        save_to_library(lambda: store.save_chip(chip), f"Saved chip {chip.slug}: added to the sidebar's chips, "
                                                         "selectable on every page.", select=("chips", chip.slug))
    if delete.button(f"Delete {draw.escape(slug) or 'chip'} from your library", key="ce_delete",
                     disabled=slug not in custom,
                     width="stretch", help="Only your own chips can be deleted."):
        save_to_library(lambda: store.delete("chip", slug), f"Deleted chip {slug}.")


def save_to_library(action, message: str, key: str = SAVED, select: tuple[str, str] | None = None) -> None:
    """Run a user-library write (``action``); on success keep ``message`` under ``key`` for the
    next run to show and rerun the app, else show a clear error (never a traceback).
    ``select``: (sidebar selector, slug) to add to that selection on the next run."""
    try:
        action()
    except InputError as err:
        st.error(draw.input_error(err), icon=":material/error:")
        return
    except OSError as err:
        st.error(f"Could not write the user library in {draw.code(store.folder())}: "
                 f"{draw.escape(err.strerror or str(err))}", icon=":material/error:")
        return
    st.session_state[key] = message
    if select is not None:
        st.session_state[SELECT] = select
    st.rerun()


# --- models ---------------------------------------------------------------------------------------
# Attention designs a user chooses from: (variant kind, fixed values, window kind)
DESIGNS = {"MFA": ("mfa", {}, None), "MLA": ("mla", {}, None), "GQA": ("gqa", {}, None),
           "MHA": ("gqa", {"n_kv": "n_q"}, None), "MQA": ("gqa", {"n_kv": 1}, None),
           "Sliding-window GQA": ("gqa", {}, "sliding"), "Chunked GQA": ("gqa", {}, "chunked"),
           "Linear": ("linear", {}, None)}
FIELD_LABELS = {
    "n_q": "Query heads", "n_kv": "KV heads", "head_dim": "Head dim", "q_lora_rank": "Query low-rank (0: none)",
    "n_heads": "Heads", "kv_lora_rank": "KV latent rank", "qk_nope_dim": "QK dim without RoPE",
    "qk_rope_dim": "QK RoPE dim", "v_head_dim": "V head dim", "key_dim": "Key dim", "value_dim": "Value dim",
    "output_gate": "Output gate", "flops_per_state_element": "FLOPs per state element",
    "window": "Window (tokens)", "intermediate": "Intermediate size", "n_routed": "Routed experts",
    "top_k": "Experts per token (top-k)", "expert_intermediate": "Expert intermediate size",
    "n_shared": "Shared experts", "shared_intermediate": "Shared expert intermediate (0: as routed)",
}
FFN_KINDS = {"Dense": "dense", "MoE": "moe"}
KV_FORMATS = ("fp8", "bf16", "fp4", "fp32")
MAX_GROUPS = 4
FIXED = ("hidden", "window", "window_kind")  # set by the model or the design, not per field
# A new group's dimensions: shapes of published models (Step-3's MFA, DeepSeek-V3's MLA, a
# Llama-class GQA, MiniMax's lightning attention, a Llama-class FFN, DeepSeek-V3's experts).
STARTING = {"n_q": 32, "n_kv": 8, "head_dim": 128, "q_lora_rank": 1536, "n_heads": 128, "kv_lora_rank": 512,
            "qk_nope_dim": 128, "qk_rope_dim": 64, "v_head_dim": 128, "key_dim": 128, "value_dim": 128,
            "intermediate": 14336, "n_routed": 256, "top_k": 8, "expert_intermediate": 2048, "n_shared": 1}


def _dims(kind: str, registry: dict, design_fixed: dict = {}) -> list[dataclasses.Field]:  # noqa: B006
    return [f for f in dataclasses.fields(registry[kind]) if f.name not in FIXED and f.name not in design_fixed]


def _design(attention) -> str:
    """The editor's design name of an attention spec."""
    if isinstance(attention, GQA):
        if attention.window is not None:
            return "Chunked GQA" if attention.window_kind == "chunked" else "Sliding-window GQA"
        return attention.label  # GQA, MHA or MQA
    return attention.label


def seed_model(model: ModelSpec | None, clone: bool = True) -> None:
    """Put ``model`` into the model editor (None: a small dense GQA to start from); a clone
    gets a new slug."""
    state = st.session_state
    if model is None:
        model = ModelSpec(slug="my-model", name="My model", hidden=4096, vocab=128000, source="my own design",
                          attention_groups=(AttentionGroup(32, GQA(hidden=4096, n_q=32, n_kv=8, head_dim=128)),),
                          ffn_groups=(FFNGroup(32, ffn_mod.DenseFFN(hidden=4096, intermediate=14336)),))
        clone = False
    state.update({"me_slug": f"{model.slug}-custom"[:64] if clone else model.slug,
                  "me_name": f"{model.name} (custom)" if clone else model.name,
                  "me_hidden": model.hidden, "me_vocab": model.vocab, "me_tie": model.tie_embeddings,
                  "me_source": model.source, "me_notes": model.notes,
                  "me_attn_groups": len(model.attention_groups), "me_ffn_groups": len(model.ffn_groups)})
    for i, group in enumerate(model.attention_groups[:MAX_GROUPS]):
        a = group.attention
        state.update({f"me_a{i}_layers": group.layers, f"me_a{i}_design": _design(a), f"me_a{i}_kv": group.kv_dtype,
                      f"me_a{i}_window": a.window or 4096})
        for f in dataclasses.fields(a):
            if f.name not in FIXED:
                state[f"me_a{i}_{f.name}"] = getattr(a, f.name)
    for i, group in enumerate(model.ffn_groups[:MAX_GROUPS]):
        state.update({f"me_f{i}_layers": group.layers, f"me_f{i}_kind": "MoE" if group.ffn.kind == "moe" else "Dense"})
        for f in dataclasses.fields(group.ffn):
            if f.name != "hidden":
                state[f"me_f{i}_{f.name}"] = getattr(group.ffn, f.name)


def _number_field(box, key: str, label: str, default) -> None:
    if isinstance(default, bool):
        box.checkbox(label, key=key, persist_state=KEEP)
    elif isinstance(default, float):
        box.number_input(label, min_value=0.0, step=1.0, key=key, persist_state=KEEP, format=labels.NUMBER_FORMAT)
    else:
        box.number_input(label, min_value=0, step=1, key=key, persist_state=KEEP)


def _default(field: dataclasses.Field):
    """A new group's value of ``field``; 0 stands for a None default ('as the others')."""
    if field.name in STARTING:
        return STARTING[field.name]
    if field.default is not dataclasses.MISSING and field.default is not None:
        return field.default
    return 0.0 if field.type in ("float", float) else 0


def _value(field: dataclasses.Field, value):
    """An editor value as the spec takes it: 0 back to None where None is the default."""
    return None if field.default is None and value == 0 else value


def _ensure(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def model_editor(known: dict[str, ModelSpec], custom: set[str], context: int) -> None:
    """The model editor: start from blank or a known model, the layer groups' designs and
    dimensions, what follows from them at ``context`` tokens live, save or delete."""
    start, load = st.columns([3, 1], vertical_alignment="bottom")
    origin = start.selectbox("Start from", [BLANK, *known], key="me_origin",
                             format_func=lambda s: s if s == BLANK else labels.option_label(known[s].name, s in custom))
    load.button("Load into the editor", key="me_load", width="stretch",
                on_click=lambda: seed_model(known.get(origin), clone=origin not in custom),
                help="Fills the fields below; a library model is cloned under a new slug.")
    if "me_slug" not in st.session_state:
        seed_model(None)
    cols = st.columns(4)
    cols[0].text_input(CHIP_TEXT["slug"], key="me_slug", max_chars=64, persist_state=KEEP)
    cols[1].text_input("Name", key="me_name", max_chars=100, persist_state=KEEP)
    cols[2].number_input("Hidden size", min_value=1, step=128, key="me_hidden", persist_state=KEEP)
    cols[3].number_input("Vocabulary", min_value=1, step=1024, key="me_vocab", persist_state=KEEP)
    st.checkbox("Input embedding and LM head share weights (tied)", key="me_tie", persist_state=KEEP)
    left, right = st.columns(2)
    with left:
        st.markdown("**Attention layer groups**")
        n_attn = st.number_input("Attention groups", 1, MAX_GROUPS, step=1, key="me_attn_groups", persist_state=KEEP)
        for i in range(int(n_attn)):
            _attention_group(i)
    with right:
        st.markdown("**FFN layer groups**")
        n_ffn = st.number_input("FFN groups", 1, MAX_GROUPS, step=1, key="me_ffn_groups", persist_state=KEEP)
        for i in range(int(n_ffn)):
            _ffn_group(i)
    st.text_area("Source", key="me_source", max_chars=2000, persist_state=KEEP, height=68)
    st.text_input("Notes", key="me_notes", max_chars=500, persist_state=KEEP)
    try:
        model = model_from_editor()
    except InputError as err:
        st.warning(f"Not yet a valid model · {draw.input_error(err)}",
                   icon=":material/edit:")
        model = None
    if model is not None:
        model_figures(model, context)
    save, delete = st.columns(2)
    if save.button("Save to your library", key="me_save", type="primary", disabled=model is None, width="stretch"):
        save_to_library(lambda: store.save_model(model), f"Saved model {model.slug}: selectable on every page.")
    slug = (st.session_state.get("me_slug") or "").strip()
    if delete.button(f"Delete {draw.escape(slug) or 'model'} from your library", key="me_delete",
                     disabled=slug not in custom,
                     width="stretch", help="Only your own models can be deleted."):
        save_to_library(lambda: store.delete("model", slug), f"Deleted model {slug}.")


def _attention_group(i: int) -> None:
    box = st.container(border=True)
    c1, c2, c3 = box.columns(3)
    _ensure(f"me_a{i}_layers", 1)
    _ensure(f"me_a{i}_design", "GQA")
    _ensure(f"me_a{i}_kv", "fp8")
    c1.number_input(f"Layers (group {i + 1})", min_value=1, step=1, key=f"me_a{i}_layers", persist_state=KEEP)
    design = c2.selectbox("Design", list(DESIGNS), key=f"me_a{i}_design", persist_state=KEEP)
    c3.selectbox("KV stored as", KV_FORMATS, key=f"me_a{i}_kv", format_func=str.upper, persist_state=KEEP,
                 help="Storage format of this group's KV cache (linear attention: its state).")
    kind, fixed, window = DESIGNS[design]
    fields_ = _dims(kind, attn_mod.VARIANTS, fixed)
    cols = box.columns(3)
    for k, f in enumerate(fields_):
        _ensure(f"me_a{i}_{f.name}", _default(f))
        _number_field(cols[k % 3], f"me_a{i}_{f.name}", FIELD_LABELS.get(f.name, f.name), _default(f))
    if window:
        _ensure(f"me_a{i}_window", 4096)
        cols[len(fields_) % 3].number_input(FIELD_LABELS["window"], min_value=1, step=128, key=f"me_a{i}_window",
                                            persist_state=KEEP)


def _ffn_group(i: int) -> None:
    box = st.container(border=True)
    c1, c2 = box.columns(2)
    _ensure(f"me_f{i}_layers", 1)
    _ensure(f"me_f{i}_kind", "Dense")
    c1.number_input(f"Layers (group {i + 1})", min_value=1, step=1, key=f"me_f{i}_layers", persist_state=KEEP)
    kind = c2.selectbox("FFN", list(FFN_KINDS), key=f"me_f{i}_kind", persist_state=KEEP)
    cols = box.columns(3)
    for k, f in enumerate(_dims(FFN_KINDS[kind], ffn_mod.VARIANTS)):
        default = _default(f)
        _ensure(f"me_f{i}_{f.name}", default)
        _number_field(cols[k % 3], f"me_f{i}_{f.name}", FIELD_LABELS.get(f.name, f.name), default)


def model_from_editor() -> ModelSpec:
    """The model the editor describes (InputError naming the first invalid field)."""
    state = st.session_state
    hidden = state.get("me_hidden")
    attention_groups, ffn_groups = [], []
    for i in range(int(state.get("me_attn_groups") or 1)):
        kind, fixed, window = DESIGNS[state[f"me_a{i}_design"]]
        values = {f.name: _value(f, state.get(f"me_a{i}_{f.name}")) for f in _dims(kind, attn_mod.VARIANTS, fixed)}
        values.update({name: (values["n_q"] if value == "n_q" else value) for name, value in fixed.items()})
        if window:
            values.update(window=state.get(f"me_a{i}_window"), window_kind=window)
        spec = _labelled(f"attention group {i + 1}", attn_mod.VARIANTS[kind], hidden=hidden, **values)
        attention_groups.append(AttentionGroup(state[f"me_a{i}_layers"], spec, state[f"me_a{i}_kv"]))
    for i in range(int(state.get("me_ffn_groups") or 1)):
        kind = FFN_KINDS[state[f"me_f{i}_kind"]]
        values = {f.name: _value(f, state.get(f"me_f{i}_{f.name}")) for f in _dims(kind, ffn_mod.VARIANTS)}
        spec = _labelled(f"FFN group {i + 1}", ffn_mod.VARIANTS[kind], hidden=hidden, **values)
        ffn_groups.append(FFNGroup(state[f"me_f{i}_layers"], spec))
    return ModelSpec(slug=(state.get("me_slug") or "").strip(), name=(state.get("me_name") or "").strip(),
                     hidden=hidden, vocab=state.get("me_vocab"), tie_embeddings=bool(state.get("me_tie")),
                     source=(state.get("me_source") or "").strip(), notes=(state.get("me_notes") or "").strip(),
                     attention_groups=tuple(attention_groups), ffn_groups=tuple(ffn_groups))


def _labelled(where: str, cls, **values):
    """cls(**values), its InputError's field prefixed with ``where`` (which group)."""
    try:
        return cls(**values)
    except InputError as err:
        raise InputError(f"{where}: {err.field}", err.message) from None


def model_figures(model: ModelSpec, context: int) -> None:
    """What follows from a model, live: KV bytes per token and per request at ``context``,
    parameters, attention intensity, per layer group."""
    token = decode_token(model, context)
    params = model.params()
    kv = float(token.kv_bytes)
    intensity = float(token.attention_intensity) if kv else float("inf")
    draw.key_figures([
        ("KV per token", labels.si(kv / context, "B"), f"per context token, all {model.layers} layers"),
        ("KV per request", labels.si(kv, "B"), f"at {labels.tokens(context)} context (sidebar)"),
        ("Parameters", f"{params.total / 1e9:,.1f} B", f"{params.activated / 1e9:,.1f} B activated per token"),
        ("Attention intensity", "no KV" if kv == 0 else f"{intensity:,.0f}",
         f"FLOPs per KV byte at {labels.tokens(context)}, {model.attention_label}"),
    ], width=220, footnote="KV in each group's own format; parameters count embedding and LM head "
                           "(activated: the LM head, not the embedding lookup).")
    rows = []
    for group in model.attention_groups:
        a = group.attention
        rows.append({"layers": group.layers, "attention": _design(a) if a.window is None else f"{_design(a)} ({a.window:,})",
                     "KV elements per token per layer": a.kv_elements_per_token(),
                     "core FLOPs per context token per layer": a.core_flops_per_context_token(),
                     "projection parameters per layer (M)": round(a.linear_params() / 1e6, 2),
                     "KV format": group.kv_dtype.upper(),
                     "state elements (linear)": a.state_elements() if isinstance(a, LinearAttention) else 0.0})
    draw.table(_frame(rows))


def _frame(rows):
    import pandas as pd

    return pd.DataFrame(rows)
