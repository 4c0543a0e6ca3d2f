from .categories import Category
from .geography import Commune, Department, PostalCode, Region
from .pros import Certification, CertificationKind, ProPhoto, ProProfile, ProRating

__all__ = [
    "Category",
    "Certification",
    "CertificationKind",
    "Commune",
    "Department",
    "PostalCode",
    "ProPhoto",
    "ProProfile",
    "ProRating",
    "Region",
]
