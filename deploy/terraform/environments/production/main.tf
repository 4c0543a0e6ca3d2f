# Production: EKS across three zones, PostgreSQL on RDS (Multi-AZ) and Redis on
# ElastiCache (a replica, automatic failover), the uploads' S3 buckets reached with an IAM
# role bound to the app's service account (EKS Pod Identity: no key anywhere), and Vault's
# access for the cluster's External Secrets Operator.
# `terraform output -json helm_values` is what deploy/helm/eldo/values-production.yaml and
# deploy/kong/values-production.yaml say (tests/deploy/test_terraform.py compares them).

provider "aws" {
  region = local.region
  default_tags {
    tags = { Project = "eldo", Environment = local.environment }
  }
}

provider "vault" {
  address = "https://vault.eldo.fr"
}

provider "kubernetes" {
  host                   = module.cluster.cluster_endpoint
  cluster_ca_certificate = base64decode(module.cluster.cluster_certificate_authority_data)
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", module.cluster.cluster_name]
  }
}

locals {
  environment = "production"
  name        = "eldo-production"
  region      = "eu-west-3"
  cidr        = "10.30.0.0/16"
}

module "network" {
  source             = "../../modules/network"
  name               = local.name
  cidr               = local.cidr
  single_nat_gateway = false
}

module "cluster" {
  source     = "../../modules/eks-cluster"
  name       = local.name
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnet_ids
  node_count = { min = 3, max = 8, desired = 3 }
}

# The cluster's only StorageClass for the few volumes left (Kong's Redis): EBS gp3.
resource "kubernetes_storage_class_v1" "gp3" {
  metadata {
    name        = "gp3"
    annotations = { "storageclass.kubernetes.io/is-default-class" = "true" }
  }
  storage_provisioner    = "ebs.csi.aws.com"
  reclaim_policy         = "Retain"
  volume_binding_mode    = "WaitForFirstConsumer"
  allow_volume_expansion = true
  parameters             = { type = "gp3", encrypted = "true" }
}

module "postgres" {
  source                    = "../../modules/postgres"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.cluster.node_security_group_id]
  instance_class            = "db.m7g.large"
  allocated_storage         = 100
  multi_az                  = true
  max_connections           = 200
}

module "redis" {
  source                    = "../../modules/redis"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.cluster.node_security_group_id]
  node_type                 = "cache.m7g.large"
  replicas                  = 1
}

module "media" {
  source                    = "../../modules/media-storage"
  name                      = local.name
  s3_endpoint_id            = module.network.s3_endpoint_id
  access                    = "pod_identity"
  cluster_name              = module.cluster.cluster_name
  pod_identity_trust_policy = module.cluster.pod_identity_trust_policy
  namespace                 = "eldo-production"
  service_account           = "eldo"
}

module "vault" {
  source             = "../../modules/vault-access"
  environment        = local.environment
  kubernetes_host    = module.cluster.cluster_endpoint
  kubernetes_ca_cert = base64decode(module.cluster.cluster_certificate_authority_data)
}
