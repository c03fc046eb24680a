"""The public API's request and response models, one module per noun."""
