"""What every capability uses: the base types and catalogues, the stack model and its cross-section
rules (`stack`), the loader and its config errors, AWS policy documents, the AWS name limits, and the
Pulumi SDK internals the mocks rely on."""
