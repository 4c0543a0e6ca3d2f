# Vault policy of the External Secrets Operator of the production cluster: read Eldo's production
# secret (KV v2 under the `secret` mount), nothing else. Bound to the Kubernetes auth role
# external-secrets of auth/kubernetes-production (deploy/terraform/modules/vault-access).
path "secret/data/eldo/production" {
  capabilities = ["read"]
}

path "secret/metadata/eldo/production" {
  capabilities = ["read"]
}
