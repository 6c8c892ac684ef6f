"""The Textual user interface: screens, widgets and the contracts they build against."""
