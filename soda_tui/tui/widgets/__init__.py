"""The dashboard's widgets: repository pane, pane grid, status line, run log view."""
