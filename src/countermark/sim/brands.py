"""Brands, their genuine products and photos, rights, customs recordals and authorised sellers."""

from __future__ import annotations

import os
import random
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from countermark.core.validation import gs1_check_digit
from countermark.sim.catalogue import CATEGORIES, COLOURS, CURATED_BRANDS, BrandSeed, extra_brand_seeds
from countermark.sim.entities import TODAY, Brand, Product, SimAccount
from countermark.sim.images import (
    GENUINE_QUALITY,
    STUDIO_BACKGROUNDS,
    ProductLook,
    View,
    encode_jpeg,
    render_product,
)

# GS1 prefixes of the holders' countries (the first digits of their GTIN-13s).
_GS1_PREFIX = {
    "US": "0",
    "FR": "37",
    "CH": "76",
    "JP": "49",
    "CN": "69",
    "DK": "57",
    "GB": "50",
    "IT": "80",
    "DE": "40",
    "ES": "84",
    "NL": "87",
    "SE": "73",
    "KR": "880",
}

CUSTOMS_AUTHORITIES = {
    "FR": "Direction générale des douanes et droits indirects",
    "EU": "Direction générale des douanes et droits indirects (union application, Regulation (EU) 608/2013)",
    "US": "U.S. Customs and Border Protection",
    "CN": "General Administration of Customs of the People's Republic of China",
}


def slugify(text: str) -> str:
    """A lower-case ASCII slug of a company name, for directory and domain names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def make_brands(rng: random.Random, brand_count: int, products_per_brand: int) -> list[Brand]:
    """The brands of the world with their products (GTINs, HS codes, genuine EUR prices)."""
    seeds: list[BrandSeed] = list(CURATED_BRANDS[:brand_count])
    if brand_count > len(seeds):
        seeds += extra_brand_seeds(brand_count - len(seeds), [rng.randrange(10**6) for _ in range(64)])
    brands: list[Brand] = []
    product_number = 0
    for seed in seeds:
        category = CATEGORIES[seed.category]
        brand = Brand(seed=seed, category=category, slug=slugify(seed.company))
        company_digits = f"{rng.randrange(10**6):06d}"
        models = rng.sample(category.models, min(products_per_brand, len(category.models)))
        for index, model in enumerate(models):
            product_number += 1
            colour_name, colour = rng.choice(COLOURS)
            body = (_GS1_PREFIX[seed.country] + company_digits + f"{rng.randrange(10**5):05d}")[:12]
            low, high = category.price_eur
            price_min = Decimal(rng.randint(low, high))
            if category.key == "handbags" or category.key == "watches":
                price_min = Decimal(int(price_min / 10) * 10)
            price_max = (price_min * Decimal(str(round(rng.uniform(1.05, 1.25), 2)))).quantize(Decimal("1"))
            brand.products.append(
                Product(
                    external_id=f"P-{product_number:04d}",
                    brand=seed.name,
                    name=f"{seed.name} {model} {colour_name['en'].capitalize()}",
                    model=model,
                    model_index=category.models.index(model) + index,
                    colour_name=colour_name,
                    colour=colour,
                    gtin=body + str(gs1_check_digit(body)),
                    hs_code=category.hs_code,
                    price_min=price_min,
                    price_max=price_max,
                )
            )
        brands.append(brand)
    return brands


def product_look(brand: Brand, product: Product, logo_text: str | None = None) -> ProductLook:
    """How a product of a brand is drawn (a counterfeit may carry another spelling of the mark)."""
    primary, secondary = brand.seed.primary, brand.seed.secondary
    if sum(abs(a - b) for a, b in zip(product.colour, primary, strict=True)) < 120:
        # A logo in the product's own colour would vanish: brands print it in their second colour then.
        primary, secondary = secondary, primary
    return ProductLook(
        category=brand.category.key,
        model_index=product.model_index,
        body=product.colour,
        primary=primary,
        secondary=secondary,
        logo_shape=brand.seed.logo_shape,
        logo_text=brand.name if logo_text is None else logo_text,
    )


def genuine_views(rng: random.Random, count: int) -> list[View]:
    """The brand's photo set of one product: front, angled, close-up, and more angles when asked."""
    views = [View(STUDIO_BACKGROUNDS[0], 0.0, 0.92, 0, 0)]
    for k in range(1, count):
        views.append(
            View(
                background=STUDIO_BACKGROUNDS[rng.randrange(1, len(STUDIO_BACKGROUNDS))],
                rotation=rng.choice([-1, 1]) * rng.uniform(8, 22),
                scale=rng.uniform(0.72, 0.9),
                dx=rng.randint(-40, 40),
                dy=rng.randint(-30, 30),
                detail=k == 2,
            )
        )
    return views


def render_genuine_images(brand: Brand, holder_dir: Path, rng: random.Random, per_product: int) -> int:
    """Write the genuine photos of a brand's products; returns how many were written."""
    images_dir = holder_dir / "images"
    images_dir.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, ProductLook, View, int]] = []
    for product in brand.products:
        for k, view in enumerate(genuine_views(rng, per_product), start=1):
            name = f"images/{product.external_id}-{k}.jpg"
            jobs.append((name, product_look(brand, product), view, rng.randrange(2**32)))
            product.image_paths.append(name)

    def draw(job: tuple[str, ProductLook, View, int]) -> bytes:
        return encode_jpeg(render_product(job[1], job[2], job[3]), GENUINE_QUALITY)

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for (name, *_), data in zip(jobs, pool.map(draw, jobs), strict=True):
            (holder_dir / name).write_bytes(data)
    return len(jobs)


def years_after(day: date, years: int) -> date:
    """The same day `years` later; a 29 February falls on the 28th in a year without one (a term that
    starts on a leap day ends on the last day of February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _dates(rng: random.Random, earliest: int, latest: int, term_years: int) -> tuple[date, date, date]:
    filed = date(rng.randint(earliest, latest), rng.randint(1, 12), rng.randint(1, 28))
    registered = filed + timedelta(days=rng.randint(120, 420))
    return filed, registered, years_after(filed, term_years)


def rights_for(brand: Brand, rng: random.Random, next_id: list[int]) -> list[dict[str, Any]]:
    """Trademarks (EU, FR, US, CN, an international figurative mark), designs and the game's copyright."""
    seed, category = brand.seed, brand.category
    nice = list(category.nice_classes)
    rights: list[dict[str, Any]] = []

    def add(
        kind: str,
        name: str,
        number: str,
        office: str,
        jurisdictions: list[str],
        filed: date | None,
        valid_from: date | None,
        valid_until: date | None,
        status: str = "registered",
        classes: list[int] | None = None,
    ) -> None:
        next_id[0] += 1
        record: dict[str, Any] = {
            "source": "sim",
            "external_id": f"R-{next_id[0]:04d}",
            "kind": kind,
            "name": name,
            "brand": seed.name,
            "holder_name": seed.company,
            "registration_number": number,
            "office": office,
            "jurisdictions": jurisdictions,
            "nice_classes": classes or [],
            "status": status,
        }
        for key, value in (("filed_on", filed), ("valid_from", valid_from), ("valid_until", valid_until)):
            if value is not None:
                record[key] = value.isoformat()
        rights.append(record)

    filed, registered, until = _dates(rng, 2017, 2023, 10)
    add(
        "trademark",
        seed.name,
        f"018{rng.randrange(10**6):06d}",
        "EUIPO",
        ["EU"],
        filed,
        registered,
        until,
        classes=nice,
    )
    filed, registered, until = _dates(rng, 2017, 2024, 10)
    add(
        "trademark",
        seed.name,
        f"4{rng.randrange(10**6):06d}",
        "INPI",
        ["FR"],
        filed,
        registered,
        until,
        classes=nice,
    )
    filed, registered, _ = _dates(rng, 2017, 2023, 10)
    add(
        "trademark",
        seed.name,
        f"{rng.choice('67')}{rng.randrange(10**6):06d}",
        "USPTO",
        ["US"],
        filed,
        registered,
        years_after(registered, 10),
        classes=nice,
    )
    filed, registered, _ = _dates(rng, 2017, 2023, 10)
    add(
        "trademark",
        seed.name,
        f"{rng.randrange(10**7, 10**8)}",
        "CNIPA",
        ["CN"],
        filed,
        registered,
        years_after(registered, 10),
        classes=nice,
    )
    filed, registered, until = _dates(rng, 2018, 2023, 10)
    add(
        "trademark",
        f"{seed.name} (figurative)",
        f"1{rng.randrange(10**6):06d}",
        "WIPO",
        sorted(rng.sample(["CN", "JP", "KR", "TR", "GB", "CH", "AU", "SG"], 4)),
        filed,
        registered,
        until,
        classes=nice,
    )
    if category.has_design:
        for product in brand.products[:2]:
            filed, registered, until = _dates(rng, 2020, 2024, 5)
            add(
                "design",
                f"{seed.name} {product.model} (shape)",
                f"00{rng.randrange(10**7):07d}-0001",
                "EUIPO",
                ["EU"],
                filed,
                registered,
                until,
            )
    if category.key == "software":
        filed = date(rng.randint(2021, 2024), rng.randint(1, 12), rng.randint(1, 28))
        add(
            "copyright",
            f"{seed.name} (video game)",
            f"PA0002{rng.randrange(10**6):06d}",
            "USCO",
            ["US", "FR", "EU", "CN"],
            filed,
            filed,
            None,
        )
    if rng.random() < 0.35:
        # An old logo registration that lapsed: still on file, no longer protective.
        filed = date(rng.randint(2002, 2008), rng.randint(1, 12), rng.randint(1, 28))
        add(
            "trademark",
            f"{seed.name} (former logo)",
            f"3{rng.randrange(10**6):06d}",
            "INPI",
            ["FR"],
            filed,
            filed,
            years_after(filed, 10),
            status="expired",
            classes=nice,
        )
    return rights


def recordals_for(
    brand: Brand, rights: list[dict[str, Any]], rng: random.Random, next_id: list[int]
) -> list[dict[str, Any]]:
    """Applications for action with FR and EU customs, US CBP and China GACC."""
    by_office = {(r["office"], r["kind"]): r for r in rights if r["status"] == "registered"}
    product_ids = [p.external_id for p in brand.products]
    domain = slugify(brand.name) + "-group.com"
    contacts = [f"Brand protection team, {brand.seed.company}", f"brandprotection@{domain}"]
    recordals: list[dict[str, Any]] = []
    plan = [
        ("INPI", "trademark", "FR"),
        ("EUIPO", "trademark", "EU"),
        ("USPTO", "trademark", "US"),
        ("CNIPA", "trademark", "CN"),
        ("USCO", "copyright", "US"),
    ]
    for office, kind, jurisdiction in plan:
        right = by_office.get((office, kind))
        if right is None:
            continue
        next_id[0] += 1
        start = TODAY - timedelta(days=rng.randint(20, 330))
        if jurisdiction in ("FR", "EU"):
            until = start + timedelta(days=364)
            number = f"{jurisdiction}/{start.year}/{rng.randrange(10**6):06d}"
        elif jurisdiction == "US":
            until = date.fromisoformat(right.get("valid_until", (TODAY + timedelta(days=3650)).isoformat()))
            prefix = "TMK" if kind == "trademark" else "COP"
            number = f"{prefix} {start.year % 100:02d}-{rng.randrange(10**5):05d}"
        else:
            until = min(
                years_after(start, 10), date.fromisoformat(right["valid_until"])
            )
            number = f"T{start.year}-{rng.randrange(10**5):05d}"
        guide = (
            f"Genuine {brand.name} {brand.category.noun['en']} carry the {brand.seed.logo_shape} logo and "
            f"the word mark {brand.name}; GTINs start with {brand.products[0].gtin[:7]}; retail prices from "
            f"{min(p.price_min for p in brand.products)} EUR. Sold only by the brand's stores and listed "
            "authorised retailers."
        )
        recordals.append(
            {
                "source": "sim",
                "external_id": f"RC-{next_id[0]:04d}",
                "right": right["external_id"],
                "jurisdiction": jurisdiction,
                "authority": CUSTOMS_AUTHORITIES[jurisdiction],
                "application_number": number,
                "valid_from": start.isoformat(),
                "valid_until": until.isoformat(),
                "products_covered": product_ids,
                "contacts": contacts,
                "small_consignments": jurisdiction in ("FR", "EU") and rng.random() < 0.6,
                "identification_guide": guide,
            }
        )
    return recordals


def product_records(brand: Brand, rights: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The brand's products as ProductIn records, referring to its registered trademarks and designs."""
    trademark_ids = [
        r["external_id"] for r in rights if r["kind"] == "trademark" and r["status"] == "registered"
    ]
    records = []
    for product in brand.products:
        design_ids = [
            r["external_id"]
            for r in rights
            if r["kind"] == "copyright" or (r["kind"] == "design" and product.model in r["name"])
        ]
        product.right_ids = trademark_ids + design_ids
        records.append(
            {
                "source": "sim",
                "external_id": product.external_id,
                "brand": brand.name,
                "gtin": product.gtin,
                "name": product.name,
                "category": brand.category.key,
                "hs_code": product.hs_code,
                "price_min": float(product.price_min),
                "price_max": float(product.price_max),
                "currency": "EUR",
                "description": f"{product.name}, genuine {brand.category.noun['en']}.",
                "rights": product.right_ids,
                "images": list(product.image_paths),
            }
        )
    return records


def authorised_seller_records(
    brand: Brand, accounts: list[SimAccount], next_id: list[int]
) -> list[dict[str, Any]]:
    """The brand's authorised sellers: its own stores and its resellers, by platform and handle or domain."""
    records = []
    for account in sorted(accounts, key=lambda a: (a.platform, a.handle)):
        next_id[0] += 1
        record: dict[str, Any] = {
            "source": "sim",
            "external_id": f"AS-{next_id[0]:04d}",
            "brand": brand.name,
            "name": account.display_name,
            "platform": account.platform,
            "handle": account.handle,
            "countries": [account.country] if account.country else [],
            "valid_until": (TODAY + timedelta(days=365)).isoformat(),
        }
        if account.platform == "web":
            record["domain"] = account.handle
        records.append(record)
    return records
