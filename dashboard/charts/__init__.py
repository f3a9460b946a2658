"""Plotly figure builders, one module per page topic. Each takes computed numbers (costmodel
objects) and returns a go.Figure in the shared template; none computes costs itself."""
