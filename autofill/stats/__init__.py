"""Prefill coverage statistics: a prefill observer that counts, and the programme's indicators.

Nothing here holds personal data: a prefill is counted by form, minute and field status only.
"""
