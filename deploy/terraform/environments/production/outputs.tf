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
      serviceAccount = { create = true, name = "eldo" }
    }
    kong = {
      # Kong trusts X-Forwarded-For from the VPC only (the load balancer's addresses).
      trusted_ips     = [module.network.cidr]
      storage_classes = module.cluster.storage_classes
    }
  }
}

output "cluster_name" {
  value = module.cluster.cluster_name
}

output "vault_secrets" {
  description = "To write into Vault at secret/eldo/production (docs/deploy.md)."
  sensitive   = true
  value = {
    DATABASE_URL = module.postgres.database_url
    REDIS_URL    = module.redis.redis_url
  }
}
