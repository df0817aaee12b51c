"""The YouTube live chat collector: parsing (parse.py), quota pacing (pacing.py), run.py."""
