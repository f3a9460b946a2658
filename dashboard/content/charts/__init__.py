"""Plotly figure builders, one module per page topic. Each takes computed numbers (costmodel
objects) and returns a figure dict ({"data": [...], "layout": {...}}) in the shared template
(``dashboard.theme``); none computes costs itself."""
