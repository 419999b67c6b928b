"""Screen capture: grab, mask what is private, read the screen, keep frames bounded and encrypted."""
