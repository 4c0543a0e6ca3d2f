# Staging: a k3s cluster on one EC2 instance, PostgreSQL on RDS and Redis on ElastiCache
# (small, single zone), the uploads' S3 buckets with an access key (k3s has no IAM role
# per pod), and Vault's access for the cluster's External Secrets Operator.
# `terraform output -json helm_values` is what deploy/helm/eldo/values-staging.yaml and
# deploy/kong/values-staging.yaml say (tests/deploy/test_terraform.py compares them).

provider "aws" {
  region = local.region
  default_tags {
    tags = { Project = "eldo", Environment = local.environment }
  }
}

provider "vault" {
  address = "https://vault.eldo.fr"
}

variable "admin_cidrs" {
  description = "Addresses allowed to reach k3s's API server."
  type        = list(string)
}

locals {
  environment = "staging"
  name        = "eldo-staging"
  region      = "eu-west-3"
  cidr        = "10.20.0.0/16"
}

module "network" {
  source             = "../../modules/network"
  name               = local.name
  cidr               = local.cidr
  single_nat_gateway = true
}

module "cluster" {
  source      = "../../modules/k3s-cluster"
  name        = local.name
  vpc_id      = module.network.vpc_id
  subnet_id   = module.network.public_subnet_ids[0]
  admin_cidrs = var.admin_cidrs
}

module "postgres" {
  source                    = "../../modules/postgres"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.cluster.security_group_id]
  instance_class            = "db.t4g.small"
  allocated_storage         = 20
  multi_az                  = false
  max_connections           = 100
}

module "redis" {
  source                    = "../../modules/redis"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.cluster.security_group_id]
  node_type                 = "cache.t4g.small"
  replicas                  = 0
}

module "media" {
  source         = "../../modules/media-storage"
  name           = local.name
  s3_endpoint_id = module.network.s3_endpoint_id
  access         = "access_key"
  namespace      = "eldo-${local.environment}"
}

module "vault" {
  source             = "../../modules/vault-access"
  environment        = local.environment
  kubernetes_host    = "https://${module.cluster.public_ip}:6443"
  kubernetes_ca_cert = var.kubernetes_ca_cert
}

variable "kubernetes_ca_cert" {
  description = "k3s's cluster CA (/var/lib/rancher/k3s/server/tls/server-ca.crt), once the node is up."
  type        = string
  default     = ""
}
