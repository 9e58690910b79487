"""What the world's consignments carry and how they travel: carriers, offices, goods and their prices."""

from __future__ import annotations

POST = {
    "CN": "China Post",
    "HK": "Hongkong Post",
    "TR": "PTT Kargo",
    "GB": "Royal Mail",
    "US": "USPS",
    "DE": "Deutsche Post",
    "JP": "Japan Post",
    "CH": "Swiss Post",
}
EXPRESS = (
    "SkyBridge Express",
    "RedLantern Logistics",
    "EuroLink Parcel",
    "Orient Air Courier",
    "SwiftWing Express",
)
POSTAL_OFFICE, EXPRESS_OFFICE = "FR-Chilly-Mazarin Postal Centre", "FR-Roissy CDG Express Hub"
TRADE_OFFICES = {
    "sea": ("FR-Le Havre Port", "FR-Marseille-Fos Port"),
    "air": ("FR-Roissy CDG Fret", "FR-Lyon Saint-Exupéry"),
    "road": ("FR-Saint-Julien-en-Genevois", "FR-Hendaye", "FR-Calais Tunnel"),
}
GENERIC = ("gift", "sample", "personal items", "cadeau", "accessories", "goods", "parts", "clothing")
TRADE_GOODS = (
    ("940360", "wooden furniture"),
    ("848390", "transmission parts"),
    ("610910", "cotton t-shirts"),
    ("851762", "network equipment"),
    ("392410", "plastic tableware"),
    ("950300", "plastic toys, assorted"),
    ("730890", "steel structures"),
    ("691110", "porcelain tableware"),
    ("940540", "LED lamps"),
)
ECOMMERCE_GOODS = (
    ("392690", "phone case", 3, 0.1),
    ("854442", "usb cable", 2, 0.08),
    ("610910", "t-shirt", 7, 0.2),
    ("950300", "toy", 9, 0.4),
    ("711719", "fashion jewellery", 4, 0.05),
    ("851830", "earphones", 12, 0.15),
    ("420292", "tote bag", 8, 0.3),
    ("640299", "slippers", 10, 0.5),
    ("330499", "face mask sheets", 6, 0.2),
    ("392410", "kitchen utensils", 5, 0.3),
    # Ordinary goods under the headings counterfeiters also use to hide fakes.
    ("630790", "textile articles", 5, 0.2),
    ("340130", "soap", 4, 0.2),
    ("491199", "stickers", 2, 0.05),
    ("961610", "perfume atomiser", 3, 0.05),
    ("911390", "watch straps", 6, 0.05),
    ("851770", "phone parts", 8, 0.1),
    ("330749", "room fragrance", 6, 0.3),
    ("640590", "shoes", 15, 0.6),
    # Cheap unbranded goods of the very headings the brands' products fall under.
    ("640411", "trainers", 18, 0.7),
    ("420221", "handbag", 15, 0.6),
    ("910221", "quartz watch", 12, 0.15),
    ("330300", "eau de toilette", 9, 0.3),
    ("850440", "phone charger", 6, 0.15),
    ("852349", "game card", 10, 0.05),
)
