"""The user's own library: custom chips, models and saved scenarios as readable files, each
written whole or not at all. No Streamlit."""
