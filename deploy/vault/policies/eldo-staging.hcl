# Vault policy of the External Secrets Operator of the staging cluster: read Eldo's staging
# secret (KV v2 under the `secret` mount), nothing else. Bound to the Kubernetes auth role
# external-secrets of auth/kubernetes-staging (deploy/terraform/modules/vault-access).
path "secret/data/eldo/staging" {
  capabilities = ["read"]
}

path "secret/metadata/eldo/staging" {
  capabilities = ["read"]
}
