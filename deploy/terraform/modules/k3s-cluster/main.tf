# Staging's Kubernetes: k3s on one EC2 instance in a public subnet (its built-in
# local-path StorageClass, ReadWriteOnce; ServiceLB publishes Kong on the node's address).
# Traefik is disabled: Kong is the ingress controller. The kubeconfig is fetched once over
# SSM (docs/deploy.md, "An environment from nothing") for Argo CD's bootstrap.

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

variable "vpc_id" {
  type = string
}

variable "subnet_id" {
  type = string
}

variable "instance_type" {
  type    = string
  default = "t3.xlarge"
}

variable "k3s_version" {
  description = "A k3s release (https://github.com/k3s-io/k3s/releases), pinned."
  type        = string
  default     = "v1.31.6+k3s1"
}

variable "admin_cidrs" {
  description = "Addresses allowed to reach the Kubernetes API (6443)."
  type        = list(string)
}

data "aws_ssm_parameter" "debian" {
  name = "/aws/service/debian/release/12/latest/amd64"
}

resource "aws_security_group" "node" {
  name   = "${var.name}-k3s"
  vpc_id = var.vpc_id

  ingress {
    description = "Kong's proxy (HTTP, HTTPS)"
    from_port   = 80
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "Kubernetes API, administrators only"
    from_port   = 6443
    to_port     = 6443
    protocol    = "tcp"
    cidr_blocks = var.admin_cidrs
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_iam_role" "node" {
  name = "${var.name}-k3s-node"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.node.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "node" {
  name = "${var.name}-k3s-node"
  role = aws_iam_role.node.name
}

resource "aws_instance" "server" {
  ami                    = data.aws_ssm_parameter.debian.value
  instance_type          = var.instance_type
  subnet_id              = var.subnet_id
  vpc_security_group_ids = [aws_security_group.node.id]
  iam_instance_profile   = aws_iam_instance_profile.node.name

  metadata_options {
    http_tokens = "required"
  }

  root_block_device {
    volume_size = 100
    volume_type = "gp3"
    encrypted   = true
  }

  user_data = <<-EOT
    #!/bin/sh
    set -eu
    curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION='${var.k3s_version}' sh -s - server \
      --disable traefik --secrets-encryption --write-kubeconfig-mode 0600 \
      --tls-san "$(curl -s -H "X-aws-ec2-metadata-token: $(curl -s -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')" http://169.254.169.254/latest/meta-data/public-ipv4)"
  EOT

  tags = { Name = "${var.name}-k3s" }
}

resource "aws_eip" "server" {
  instance = aws_instance.server.id
  domain   = "vpc"
}

output "public_ip" {
  value = aws_eip.server.public_ip
}

output "instance_id" {
  value = aws_instance.server.id
}

output "security_group_id" {
  value = aws_security_group.node.id
}

output "storage_classes" {
  description = "The StorageClasses this cluster offers: k3s's built-in local-path."
  value       = ["local-path"]
}
