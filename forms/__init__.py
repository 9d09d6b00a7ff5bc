"""The form-schema engine: schema model, validation, transforms, versioned store, catalog."""
