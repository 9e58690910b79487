"""Customs data: postal and express consignments and trade declarations, as an administration has them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from countermark.sim import identifiers as ids
from countermark.sim.consignors import written_address, written_name
from countermark.sim.entities import TODAY, Brand, Network, SimAccount
from countermark.sim.goods import (
    ECOMMERCE_GOODS,
    EXPRESS,
    EXPRESS_OFFICE,
    GENERIC,
    POST,
    POSTAL_OFFICE,
    TRADE_GOODS,
    TRADE_OFFICES,
)
from countermark.sim.networks import company_variants
from countermark.sim.sellers import SharedContacts
from countermark.sim.text import CITIES, FIRST_NAMES, LAST_NAMES, STREETS, lookalike

_CONSIGNEE_COUNTRIES = ("FR",) * 7 + ("DE", "BE", "IT", "ES", "NL")
# Share of consignments naming the marketplace seller (the handle is on only a few e-commerce labels).
SELLER_SHARE = 0.13
# Share of honest parcels from China or Hong Kong that carry genuine branded goods from a grey-market
# reseller: declared under the brands' own headings, at 0.45-0.9 of the price, some undervalued.
GREY_SHARE = 0.12


@dataclass
class ShipmentTruth:
    """What the truth file records about a shipment."""

    infringing: bool
    network: str | None
    undervalued: bool
    hs_misdeclared: bool
    kind: str
    brand: str | None = None
    product: str | None = None
    identifiers: list[dict[str, str]] = field(default_factory=list)


class ShipmentMaker:
    """Draws the shipments of the world; ids are assigned in date order once all are drawn."""

    def __init__(
        self,
        rng: random.Random,
        brands: list[Brand],
        networks: list[Network],
        shared: SharedContacts,
        honest_accounts: list[SimAccount],
    ) -> None:
        """Keep what shipments are drawn from and build pools of consignees and honest consignors."""
        self.rng = rng
        self.brands = brands
        self.by_name = {b.name: b for b in brands}
        self.networks = networks
        self.shared = shared
        # Honest sellers that ship from Asia and appear as 'Seller ID' on marketplace consignments.
        self.marketplace_sellers = [
            a
            for a in honest_accounts
            if a.platform in ("ShopMarket", "Bazario") and a.country in ("CN", "HK") and a.role == "honest"
        ]
        self.network_names = {name for n in networks for name in n.consignor_names}
        # Names the networks ship under; some honest senders bear the very same common person or
        # company names.
        self.network_people = sorted(
            {name for n in networks if n.base_country in ("CN", "HK") for name in n.consignor_names}
        )
        self.rows: list[tuple[dict[str, Any], ShipmentTruth]] = []
        self.consignees = [self._consignee() for _ in range(400)]
        self.honest_consignors = [self._honest_consignor() for _ in range(120)]

    def _person(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def _address(self, country: str) -> str:
        city, postcode = self.rng.choice(CITIES[country])
        return f"{self.rng.randint(1, 180)} {self.rng.choice(STREETS[country])}, {postcode} {city}"

    def _consignee(self) -> tuple[str, str, str, str]:
        country = self.rng.choice(_CONSIGNEE_COUNTRIES)
        contact = ""
        if self.rng.random() < 0.5:
            contact = ids.render(self.rng, ids.make_phone(self.rng, country), country)
        return self._person(), self._address(country), country, contact

    def _honest_consignor(self) -> tuple[str, str, str, str]:
        rng = self.rng
        country = rng.choice(("CN", "CN", "CN", "HK", "GB", "US", "TR", "CH"))
        if country in ("CN", "HK") and self.network_people and rng.random() < 0.25:
            # A sender whose common name is also one a network ships under.
            name = rng.choice(self.network_people)
            address = (
                f"c/o {self.shared.forwarder_name}, {self.shared.forwarder_address}"
                if rng.random() < 0.5
                else f"No. {rng.randint(1, 300)} {rng.choice(['Bantian', 'Xixiang', 'Huangpu'])} Road, "
                f"{rng.choice(['Shenzhen', 'Guangzhou', 'Putian'])}"
            )
            contact = ids.render(rng, ids.make_phone(rng, "CN"), None) if rng.random() < 0.5 else ""
        elif country in ("CN", "HK"):
            # Company names in the networks' style (same words, sometimes the same city), never theirs.
            name = ""
            while not name or name in self.network_names:
                name = company_variants(
                    rng,
                    rng.choice(["Shenzhen", "Guangzhou", "Yiwu", "Dongguan"]),
                    rng.choice(["Bright", "Hengda", "Kaixin", "Sunrise", "Meida", "Tianyi"]),
                    rng.choice(["Electronics", "Household", "Garments", "Trading"]),
                    country,
                )[0]
            address = (
                f"c/o {self.shared.forwarder_name}, {self.shared.forwarder_address}"
                if rng.random() < 0.5
                else f"No. {rng.randint(1, 300)} {rng.choice(['Bantian', 'Xixiang', 'Huangpu'])} Road, "
                f"{rng.choice(['Shenzhen', 'Guangzhou', 'Dongguan'])}"
            )
            contact = (
                ids.render(rng, rng.choice(self.shared.forwarder), None)
                if "c/o" in address
                else ids.render(rng, ids.make_phone(rng, "CN"), None)
            )
        else:
            name = (
                rng.choice(["North ", "Blue ", "Oak ", "Silver "])
                + rng.choice(["Goods ", "Trading ", "Crafts "])
                + {"GB": "Ltd", "US": "LLC", "TR": "Ltd. Şti.", "CH": "GmbH"}[country]
            )
            address = f"{rng.randint(1, 99)} {rng.choice(['Market Street', 'Industrial Way', 'Sanayi Cad.'])}"
            contact = ""
        return name, address, country, contact

    def _date(self) -> str:
        return (TODAY - timedelta(days=self.rng.randint(0, 180))).isoformat()

    def _add(self, record: dict[str, Any], truth: ShipmentTruth) -> None:
        self.rows.append((record, truth))

    def counterfeit_consignment(self, network: Network) -> None:
        """A small parcel of fakes sold online: undervalued, often misdeclared, generically described."""
        rng = self.rng
        brand = self.by_name[rng.choice(network.brands)]
        product = rng.choice(brand.products)
        units = rng.randint(1, 3)
        unit_mass = brand.category.unit_mass_kg
        while units > 1 and units * unit_mass > 1.7:
            units -= 1
        mass = round(min(1.95, units * unit_mass * rng.uniform(1.0, 1.25) + 0.05), 2)
        sold_for = product.price_mid * rng.uniform(0.2, 0.45) * units
        undervalued = rng.random() < 0.55
        value = sold_for * (rng.uniform(0.05, 0.4) if undervalued else rng.uniform(0.9, 1.1))
        misdeclared = rng.random() < 0.5
        hs_code = (
            rng.choice(brand.category.decoy_hs_codes)
            if misdeclared
            else brand.category.hs_code[: rng.choice([4, 6])]
        )
        roll = rng.random()
        if roll < 0.6:
            description = rng.choice(brand.category.generic_words + GENERIC)
        elif roll < 0.9:
            description = brand.category.noun["en"]
        else:
            description = f"{lookalike(rng, brand.name)} {brand.category.noun['en']}"
        mode = rng.choice(["post", "post", "express"])
        consignee = rng.choice(self.consignees)
        planted: list[dict[str, str]] = []
        contact = ""
        if rng.random() < 0.7:
            chosen = rng.choice(network.consignor_contacts)
            contact = ids.render(rng, chosen, None) if chosen.kind == ids.PHONE else chosen.value
            planted = chosen.planted()
        address = rng.choice(network.consignor_addresses)
        if rng.random() < 0.3:
            address = f"c/o {self.shared.forwarder_name}, {self.shared.forwarder_address}"
        seller = rng.choice(network.accounts) if rng.random() < SELLER_SHARE else None
        record = self._consignment(
            mode,
            network.base_country,
            consignee,
            written_name(rng, rng.choice(network.consignor_names)),
            written_address(rng, address),
            contact,
            hs_code,
            units,
            mass,
            value,
            description,
            seller,
        )
        self._add(
            record,
            ShipmentTruth(
                True,
                network.id,
                undervalued,
                misdeclared,
                "counterfeit",
                brand.name,
                product.external_id,
                planted,
            ),
        )

    def _consignment(
        self,
        mode: str,
        departure: str,
        consignee: tuple[str, str, str, str],
        consignor: str,
        address: str,
        contact: str,
        hs_code: str,
        units: int,
        mass: float,
        value_eur: float,
        description: str,
        seller: SimAccount | None,
    ) -> dict[str, Any]:
        rng = self.rng
        value = Decimal(str(round(max(0.5, value_eur), 2)))
        record: dict[str, Any] = {
            "kind": "consignment",
            "declared_on": self._date(),
            "office": POSTAL_OFFICE if mode == "post" else EXPRESS_OFFICE,
            "transport_mode": mode,
            "consignor_name": consignor,
            "consignor_address": address,
            "consignor_country": departure,
            "consignor_contact": contact or None,
            "consignee_name": consignee[0],
            "consignee_address": consignee[1],
            "consignee_country": consignee[2],
            "consignee_contact": consignee[3] or None,
            "declarant": None if mode == "post" else rng.choice(EXPRESS) + " Customs Services",
            "courier": POST.get(departure, "Postal operator") if mode == "post" else rng.choice(EXPRESS),
            "hs_code": hs_code,
            "origin_country": departure if departure != "HK" else rng.choice(["CN", "HK"]),
            "departure_country": departure,
            "quantity": units,
            "gross_mass_kg": Decimal(str(mass)),
            "declared_value": value,
            "currency": "EUR",
            "description": description,
            "attributes": {
                "import_type": "H7" if value <= 150 else "H1",
                "tax_type": "VAT",
                "payment_type": rng.choice(["IOSS", "IOSS", "DAP", "DDP"])
                if seller
                else rng.choice(["DAP", "DDP"]),
            },
        }
        if seller is not None:
            record["attributes"]["seller_id"] = seller.handle
            record["attributes"]["marketplace"] = (
                seller.platform if seller.platform != "web" else "own website"
            )
        return record

    def honest_consignment(self) -> None:
        """A small parcel of ordinary goods bought online (sometimes cheap and generically described too)."""
        rng = self.rng
        consignor = rng.choice(self.honest_consignors)
        seller = (
            rng.choice(self.marketplace_sellers)
            if self.marketplace_sellers and rng.random() < SELLER_SHARE
            else None
        )
        if rng.random() < 0.15:
            brand = rng.choice(self.brands)
            product = rng.choice(brand.products)
            if brand.seed.country in POST and brand.seed.country not in ("CN", "HK"):
                # A genuine item bought from the brand's own store abroad, declared at its price.
                self._add(
                    self._consignment(
                        "express",
                        brand.seed.country,
                        rng.choice(self.consignees),
                        brand.company,
                        f"Distribution centre, {brand.seed.country}",
                        "",
                        brand.category.hs_code,
                        1,
                        round(
                            brand.category.unit_mass_kg * rng.uniform(1.0, 1.6) + rng.uniform(0.05, 0.3), 2
                        ),
                        product.price_mid,
                        brand.category.noun["en"],
                        None,
                    ),
                    ShipmentTruth(
                        False, None, False, False, "genuine_brand", brand.name, product.external_id
                    ),
                )
                return
        if consignor[2] in ("CN", "HK") and rng.random() < GREY_SHARE:
            self.grey_market_consignment(consignor, seller)
            return
        hs_code, noun, price, unit_mass = rng.choice(ECOMMERCE_GOODS)
        units = rng.randint(1, 3)
        description = rng.choice(GENERIC) if rng.random() < 0.25 else noun
        # Gifts and cheap purchases are often declared far below what they cost, fakes or not.
        undervalued = rng.random() < 0.2
        worth = units * float(price) * rng.uniform(0.7, 1.4)
        self._add(
            self._consignment(
                rng.choice(["post", "express"]),
                consignor[2],
                rng.choice(self.consignees),
                written_name(rng, consignor[0]),
                written_address(rng, consignor[1]),
                consignor[3],
                str(hs_code),
                units,
                round(
                    min(1.95, units * float(unit_mass) * rng.uniform(0.6, 1.8) + rng.uniform(0.02, 0.3)), 2
                ),
                worth * (rng.uniform(0.1, 0.4) if undervalued else 1.0),
                description,
                seller,
            ),
            ShipmentTruth(False, None, undervalued, False, "ecommerce"),
        )

    def grey_market_consignment(
        self, consignor: tuple[str, str, str, str], seller: SimAccount | None
    ) -> None:
        """Genuine branded goods bought cheap from a grey-market reseller in China or Hong Kong: the same
        headings, routes, price band and (sometimes) undervaluation as a parcel of fakes, nothing to seize."""
        rng = self.rng
        brand = rng.choice(self.brands)
        product = rng.choice(brand.products)
        units = rng.randint(1, 2)
        unit_mass = brand.category.unit_mass_kg
        mass = round(min(1.95, units * unit_mass * rng.uniform(1.0, 1.3) + 0.05), 2)
        paid = product.price_mid * rng.uniform(0.45, 0.9) * units
        undervalued = rng.random() < 0.4
        roll = rng.random()
        if roll < 0.4:
            description = rng.choice(brand.category.generic_words + GENERIC)
        elif roll < 0.8:
            description = brand.category.noun["en"]
        else:
            description = f"{brand.name} {brand.category.noun['en']}"
        self._add(
            self._consignment(
                rng.choice(["post", "post", "express"]),
                consignor[2],
                rng.choice(self.consignees),
                written_name(rng, consignor[0]),
                written_address(rng, consignor[1]),
                consignor[3],
                brand.category.hs_code[: rng.choice([4, 6])],
                units,
                mass,
                paid * (rng.uniform(0.05, 0.4) if undervalued else rng.uniform(0.9, 1.1)),
                description,
                seller,
            ),
            ShipmentTruth(False, None, undervalued, False, "grey_market", brand.name, product.external_id),
        )

    def trade_declaration(self, network: Network | None = None) -> None:
        """An ordinary trade declaration (a brand's distributor, other goods) or a network's bulk load."""
        rng = self.rng
        mode = rng.choice(["sea", "sea", "air", "road"])
        if network is not None:
            brand = self.by_name[rng.choice(network.brands)]
            units = rng.randint(300, 3000)
            hs_code, description = rng.choice(brand.category.decoy_hs_codes), rng.choice(GENERIC)
            value = units * brand.products[0].price_mid * rng.uniform(0.01, 0.04)
            consignor, address, country = (
                written_name(rng, rng.choice(network.consignor_names)),
                written_address(rng, rng.choice(network.consignor_addresses)),
                network.base_country,
            )
            truth = ShipmentTruth(True, network.id, True, True, "counterfeit", brand.name, None)
            mass = units * brand.category.unit_mass_kg
        elif rng.random() < 0.35:
            brand = rng.choice(self.brands)
            units = rng.randint(50, 2000)
            hs_code, description = brand.category.hs_code, f"{brand.name} {brand.category.noun['en']}"
            value = units * brand.products[0].price_mid * rng.uniform(0.35, 0.5)
            consignor, address, country = (
                brand.company,
                f"Logistics centre, {brand.seed.country}",
                brand.seed.country,
            )
            truth = ShipmentTruth(False, None, False, False, "trade", brand.name, None)
            mass = units * brand.category.unit_mass_kg
        else:
            hs_code, description = rng.choice(TRADE_GOODS)
            units = rng.randint(20, 5000)
            value = units * rng.uniform(2, 120)
            consignor, address, country = self._honest_consignor()[:3]
            truth = ShipmentTruth(False, None, False, False, "trade")
            mass = units * rng.uniform(0.1, 8)
        if mode == "road" and country not in ("CH", "GB", "ES", "DE", "IT", "BE", "NL", "DK", "SE", "TR"):
            mode = "sea"
        consignee_country = rng.choice(["FR", "FR", "FR", "BE", "DE"])
        self._add(
            {
                "kind": "declaration",
                "declared_on": self._date(),
                "office": rng.choice(TRADE_OFFICES[mode]),
                "transport_mode": mode,
                "consignor_name": consignor,
                "consignor_address": address,
                "consignor_country": country,
                "consignee_name": f"{rng.choice(LAST_NAMES)} Distribution "
                f"{'SAS' if consignee_country == 'FR' else 'SA'}",
                "consignee_address": self._address(consignee_country),
                "consignee_country": consignee_country,
                "declarant": rng.choice(
                    [
                        "Transit Martin SARL",
                        "Hafen Zoll Service GmbH",
                        "Douane Conseil SAS",
                        "Portside Brokers",
                    ]
                ),
                "hs_code": hs_code,
                "origin_country": country,
                "departure_country": country,
                "quantity": units,
                "gross_mass_kg": Decimal(str(round(mass * rng.uniform(1.05, 1.2), 1))),
                "declared_value": Decimal(str(round(value, 2))),
                "currency": "EUR",
                "description": description,
                "attributes": {
                    "import_type": "H1",
                    "tax_type": "VAT",
                    "payment_type": rng.choice(["FOB", "CIF", "EXW"]),
                },
            },
            truth,
        )

    def build(self, total: int) -> list[tuple[dict[str, Any], ShipmentTruth]]:
        """All shipments, sorted by date (ids follow that order, so they reveal nothing else)."""
        rng = self.rng
        weights = [len(n.accounts) for n in self.networks]
        for _ in range(int(total * 0.12)):
            self.counterfeit_consignment(rng.choices(self.networks, weights=weights)[0])
        for network in self.networks:
            if rng.random() < 0.4:
                self.trade_declaration(network)
        for _ in range(int(total * 0.53)):
            self.honest_consignment()
        while len(self.rows) < total:
            self.trade_declaration()
        keyed = [(row["declared_on"], rng.random(), row, truth) for row, truth in self.rows]
        keyed.sort(key=lambda item: (item[0], item[1]))
        ordered = []
        for number, (_, _, row, truth) in enumerate(keyed, start=1):
            row["external_id"] = f"S-{number:06d}"
            row["source"] = "sim-customs"
            ordered.append((row, truth))
        return ordered
