# What the Helm values and Vault need from this environment.

output "helm_values" {
  description = "The environment-specific values of deploy/helm/eldo and deploy/kong."
  value = {
    eldo = {
      objectStorage = {
        enabled       = true
        bucket        = module.media.bucket
        privateBucket = module.media.private_bucket
        region        = local.region
      }
    }
    kong = {
      # Kong trusts X-Forwarded-For from the cluster's own network only.
      trusted_ips     = [module.network.cidr]
      storage_classes = module.cluster.storage_classes
    }
  }
}

output "kubernetes_api" {
  value = "https://${module.cluster.public_ip}:6443"
}

output "vault_secrets" {
  description = "To write into Vault at secret/eldo/staging (docs/deploy.md)."
  sensitive   = true
  value = {
    DATABASE_URL          = module.postgres.database_url
    REDIS_URL             = module.redis.redis_url
    AWS_ACCESS_KEY_ID     = module.media.access_key_id
    AWS_SECRET_ACCESS_KEY = module.media.secret_access_key
  }
}
