from .brands import Brand
from .categories import Category
from .checks import CheckKind, CheckSource, CheckStatus, ProCheck
from .claims import ProClaim
from .geography import Commune, Department, PostalCode, Region
from .pros import (
    CertificationKind,
    ProCoverage,
    ProLeadLoad,
    ProNetwork,
    ProPhoto,
    ProProfile,
    ProRating,
)

__all__ = [
    "Brand",
    "Category",
    "CertificationKind",
    "CheckKind",
    "CheckSource",
    "CheckStatus",
    "Commune",
    "Department",
    "PostalCode",
    "ProCheck",
    "ProClaim",
    "ProCoverage",
    "ProLeadLoad",
    "ProNetwork",
    "ProPhoto",
    "ProProfile",
    "ProRating",
    "Region",
]
