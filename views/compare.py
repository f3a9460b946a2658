"""Compare scenarios: the current one (and its baseline), saved ones and scenario files side by
side: the headline figures as one table with the differences, the main charts overlaid. Content:
``dashboard.content.compare``."""
import streamlit as st

from costmodel.errors import InputError

from dashboard.content import compare
from dashboard.state.baseline import effective, without
from dashboard.state.parameters import COMPARE_KEYS
from dashboard.state.scenario import parse_scenario
from dashboard.user_library import store
from dashboard.widgets import downloads, draw, frame, link_checks

st.title("Compare scenarios")
st.markdown("Two to four scenarios side by side: the current one (and its baseline, when it has one), your saved "
            "scenarios and scenario files. Each figure is the one its own page shows for that scenario; the "
            "differences are against the first column.")
user = store.load()
link_checks.choices(COMPARE_KEYS[0], user.scenarios)
saved = st.multiselect("Saved scenarios", user.scenarios, key=COMPARE_KEYS[0], bind="query-params",
                       max_selections=compare.MAX_SCENARIOS - 1)
files = st.file_uploader("Scenario files (JSON)", type="json", accept_multiple_files=True, key="cmp_files")


def others() -> list:
    """(name, scenario) of the saved scenarios and files chosen; a file that cannot be read is named."""
    out = []
    for name in saved:
        try:
            out.append((name, parse_scenario(store.read_scenario(name).decode(), f"saved scenario {name}",
                                             user.chips, user.models)[0]))
        except (InputError, UnicodeDecodeError) as err:
            st.error(draw.input_error(err) if isinstance(err, InputError) else f"{draw.escape(name)}: not text")
    for upload in files or ():
        try:
            out.append((upload.name, parse_scenario(upload.getvalue().decode(), upload.name, user.chips,
                                                    user.models)[0]))
        except (InputError, UnicodeDecodeError) as err:
            st.error(draw.input_error(err) if isinstance(err, InputError) else f"{draw.escape(upload.name)}: not text")
    return out


def body(scenario) -> None:
    chosen = others()
    named = [("current", without(scenario))]
    base = effective(scenario)
    if base is not None and len(chosen) < compare.MAX_SCENARIOS - 1:
        named.append(("baseline", base))
    named = (named + chosen)[:compare.MAX_SCENARIOS]
    if len(named) < 2:
        st.info("Choose a saved scenario or a scenario file above, or pin a baseline in the sidebar, to compare; "
                "until then, the current scenario alone.")
    content = compare.view(named)
    st.subheader("Headline figures")
    figures = content.tables["figures"]
    draw.table(figures.astype({name: str for name, _ in named}))  # numbers and words in one column: shown as text
    downloads.table_download(content.tables["figures"], "figures", scenario, content.page)
    for name in content.charts:
        draw.plotly(content.charts[name], f"cmp_{name}")
        downloads.chart_downloads(content.charts[name], name, scenario, content.page)
    frame.publish(scenario, content)


frame.live(body)
