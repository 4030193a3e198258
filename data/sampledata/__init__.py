"""The sample-data generator behind ``data/generate.py``: the hand-written text lives in
``data/text/`` (TOML), these modules turn it into the sample.

- ``texts``: reads the intents and the shared phrase tables
- ``identifiers``: made-up order numbers, amounts and PII (check digits from python-stdnum)
- ``render``: the small text operations (typos, slots, greetings) and the no-invented-facts rule
- ``conversations``, ``tickets``, ``evalsets``: the rows of each output file
- ``checks``: the structural checks every generation runs before writing
"""
