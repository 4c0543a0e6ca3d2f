# What the External Secrets Operator of one cluster may read in Vault, and how it logs in:
# the policy deploy/vault/policies/eldo-<environment>.hcl, and a Kubernetes auth method
# (mounted at kubernetes-<environment>) whose role `external-secrets` accepts the token of
# the external-secrets service account of that cluster only. The ClusterSecretStore of
# deploy/cluster/<environment>/cluster-secret-store.yaml uses exactly these names.

terraform {
  required_version = ">= 1.6"
  required_providers {
    vault = {
      source  = "hashicorp/vault"
      version = "~> 4.5"
    }
  }
}

variable "environment" {
  type = string
}

variable "kubernetes_host" {
  description = "The cluster's API server URL, for Vault's TokenReview calls."
  type        = string
}

variable "kubernetes_ca_cert" {
  type = string
}

locals {
  policy = "eldo-${var.environment}"
}

resource "vault_policy" "eldo" {
  name   = local.policy
  policy = file("${path.module}/../../../vault/policies/eldo-${var.environment}.hcl")
}

resource "vault_auth_backend" "kubernetes" {
  type = "kubernetes"
  path = "kubernetes-${var.environment}"
}

resource "vault_kubernetes_auth_backend_config" "this" {
  backend            = vault_auth_backend.kubernetes.path
  kubernetes_host    = var.kubernetes_host
  kubernetes_ca_cert = var.kubernetes_ca_cert
  # Vault reviews each login with the caller's own token (Kubernetes >= 1.21).
  disable_local_ca_jwt = true
}

resource "vault_kubernetes_auth_backend_role" "external_secrets" {
  backend                          = vault_auth_backend.kubernetes.path
  role_name                        = "external-secrets"
  bound_service_account_names      = ["external-secrets"]
  bound_service_account_namespaces = ["external-secrets"]
  token_policies                   = [vault_policy.eldo.name]
  token_ttl                        = 900
  audience                         = "vault"
}

output "auth_path" {
  value = vault_auth_backend.kubernetes.path
}

output "policy" {
  value = vault_policy.eldo.name
}
