"""The Streamlit UI of the decode co-design dashboard: figure builders (``charts``), the shared
sidebar (``sidebar``), cached computations (``compute``) and labels (``labels``).

Dependencies point one way: pages -> dashboard -> costmodel."""
