# The uploads' two S3 buckets (django-storages, MEDIA_STORAGE=s3) and who may use them:
#   <name>-media    public uploads: read by the media server through the VPC's S3 endpoint
#                   (the bucket policy names it), never from the Internet
#   <name>-private  staff-only documents: no reader but the application
# The application writes with an IAM role bound to its service account (EKS Pod Identity)
# or, on a cluster without it (k3s), with an IAM user's access key stored in Vault.

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

variable "s3_endpoint_id" {
  description = "The VPC's S3 gateway endpoint, the only way in for anonymous reads."
  type        = string
}

variable "access" {
  description = "pod_identity (EKS) or access_key (k3s)."
  type        = string
  validation {
    condition     = contains(["pod_identity", "access_key"], var.access)
    error_message = "access is pod_identity or access_key."
  }
}

variable "cluster_name" {
  description = "With pod_identity: the EKS cluster."
  type        = string
  default     = ""
}

variable "namespace" {
  type = string
}

variable "service_account" {
  type    = string
  default = "eldo"
}

variable "pod_identity_trust_policy" {
  type    = string
  default = ""
}

resource "aws_s3_bucket" "this" {
  for_each = toset(["media", "private"])
  bucket   = "${var.name}-${each.key}"
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each                = aws_s3_bucket.this
  bucket                  = each.value.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_policy" "media" {
  bucket = aws_s3_bucket.this["media"].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "MediaServerReadsThroughTheVpcEndpoint"
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.this["media"].arn}/*"
      Condition = { StringEquals = { "aws:SourceVpce" = var.s3_endpoint_id } }
    }]
  })
}

data "aws_iam_policy_document" "app" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = [for b in aws_s3_bucket.this : b.arn]
  }
  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for b in aws_s3_bucket.this : "${b.arn}/*"]
  }
}

resource "aws_iam_role" "app" {
  count              = var.access == "pod_identity" ? 1 : 0
  name               = "${var.name}-app"
  assume_role_policy = var.pod_identity_trust_policy
}

resource "aws_iam_role_policy" "app" {
  count  = var.access == "pod_identity" ? 1 : 0
  role   = aws_iam_role.app[0].id
  policy = data.aws_iam_policy_document.app.json
}

resource "aws_eks_pod_identity_association" "app" {
  count           = var.access == "pod_identity" ? 1 : 0
  cluster_name    = var.cluster_name
  namespace       = var.namespace
  service_account = var.service_account
  role_arn        = aws_iam_role.app[0].arn
}

resource "aws_iam_user" "app" {
  count = var.access == "access_key" ? 1 : 0
  name  = "${var.name}-app"
}

resource "aws_iam_user_policy" "app" {
  count  = var.access == "access_key" ? 1 : 0
  user   = aws_iam_user.app[0].name
  policy = data.aws_iam_policy_document.app.json
}

resource "aws_iam_access_key" "app" {
  count = var.access == "access_key" ? 1 : 0
  user  = aws_iam_user.app[0].name
}

output "bucket" {
  value = aws_s3_bucket.this["media"].bucket
}

output "private_bucket" {
  value = aws_s3_bucket.this["private"].bucket
}

output "access_key_id" {
  description = "AWS_ACCESS_KEY_ID for Vault (access_key only)."
  value       = one(aws_iam_access_key.app[*].id)
}

output "secret_access_key" {
  description = "AWS_SECRET_ACCESS_KEY for Vault (access_key only)."
  value       = one(aws_iam_access_key.app[*].secret)
  sensitive   = true
}
