"""The JSON API's routes, one module per section of the dashboard."""
