"""The offline machinery: the stack file reader, the offline config, the mocks, the synthesis of a
plan without the Pulumi CLI, the SDK imports, and the Terraform-plan form checkov reads."""
