# A VPC over three availability zones: public subnets (load balancers, NAT), private
# subnets (nodes, RDS, ElastiCache), and an S3 gateway endpoint, through which the media
# server reads the public-uploads bucket (the bucket's policy names this endpoint).
# The well-kept community module rather than our own subnets and routes.

terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

variable "name" {
  type = string
}

variable "cidr" {
  type = string
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (staging) or one per zone (production)."
  type        = bool
}

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.16"

  name = var.name
  cidr = var.cidr
  azs  = local.azs

  private_subnets = [for i, _ in local.azs : cidrsubnet(var.cidr, 4, i)]
  public_subnets  = [for i, _ in local.azs : cidrsubnet(var.cidr, 4, i + 8)]

  enable_nat_gateway   = true
  single_nat_gateway   = var.single_nat_gateway
  enable_dns_hostnames = true

  # Load balancers of Kong's proxy Service land in the public subnets.
  public_subnet_tags  = { "kubernetes.io/role/elb" = 1 }
  private_subnet_tags = { "kubernetes.io/role/internal-elb" = 1 }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = module.vpc.vpc_id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = concat(module.vpc.private_route_table_ids, module.vpc.public_route_table_ids)
}

data "aws_region" "current" {}

output "vpc_id" {
  value = module.vpc.vpc_id
}

output "cidr" {
  value = var.cidr
}

output "private_subnet_ids" {
  value = module.vpc.private_subnets
}

output "public_subnet_ids" {
  value = module.vpc.public_subnets
}

output "s3_endpoint_id" {
  value = aws_vpc_endpoint.s3.id
}
