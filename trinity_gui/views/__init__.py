"""The views of the main window; each takes the `AppContext` in its constructor."""
