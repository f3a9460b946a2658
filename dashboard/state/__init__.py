"""What the user set, with no Streamlit: the Scenario (one frozen value, serialized with a schema
version), the page inputs it carries, the URL parameters the inputs read, scenario files and the
custom records a link carries. Imports only the core and the page registry."""
