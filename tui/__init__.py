"""``dldoctor tui``: the interactive session (Textual).  ``tui.app.make_app`` builds it; imports no torch."""
