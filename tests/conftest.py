"""Shared by every test folder: this folder on sys.path, so ``hostile_names`` (the hostile-name
list and what each output must not let through) is importable from unit, app and browser tests."""
