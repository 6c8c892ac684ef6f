"""The reader's screens: the main three-pane screen, help, feed health and the search prompt."""
