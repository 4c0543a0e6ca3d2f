from .categories import Category
from .geography import Commune, Department, PostalCode, Region
from .pros import (
    Certification,
    CertificationKind,
    ProCoverage,
    ProLeadLoad,
    ProPhoto,
    ProProfile,
    ProRating,
)

__all__ = [
    "Category",
    "Certification",
    "CertificationKind",
    "Commune",
    "Department",
    "PostalCode",
    "ProCoverage",
    "ProLeadLoad",
    "ProPhoto",
    "ProProfile",
    "ProRating",
    "Region",
]
