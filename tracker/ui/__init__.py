"""The Streamlit dashboard: ``pages/`` (one module per page, thin), and the Streamlit-free helpers they use
(``dashboard_data``: frames, text and files for the pages; ``charts``: plotly figures)."""
