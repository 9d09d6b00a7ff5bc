"""The prefill engine and its HTTP API: resolve a form's subjects, fill fields, audit releases."""
