from .categories import Category
from .geography import Commune, Department, PostalCode, Region
from .pros import Certification, CertificationKind, ProLeadLoad, ProPhoto, ProProfile, ProRating

__all__ = [
    "Category",
    "Certification",
    "CertificationKind",
    "Commune",
    "Department",
    "PostalCode",
    "ProLeadLoad",
    "ProPhoto",
    "ProProfile",
    "ProRating",
    "Region",
]
