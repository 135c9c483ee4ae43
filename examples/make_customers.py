"""Write examples/customers.csv: realistic demo customers, generated deterministically.

    python examples/make_customers.py            # rewrites examples/customers.csv
    python examples/make_customers.py -n 1000 --no-bad-rows -o /tmp/customers.csv

Persons and businesses in 15 countries, each with the currency, IANA time zone, locale and
phone numbering of its country; EU businesses carry VAT numbers with valid check digits (found
by trying random bodies until python-stdnum accepts them); a few corporate groups pay for
their subsidiaries (parent_external_id). The demo file ends with a handful of deliberately bad
rows, each with a different problem, to show how an import reports them.

The same seed always gives the same file. `bench/customers_import.py` uses `generate` too.
"""

from __future__ import annotations

import argparse
import csv
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from stdnum.eu import vat

SEED = 20_240_601
HERE = Path(__file__).resolve().parent

COLUMNS = (
    "external_id", "kind", "legal_name", "emails", "address_line1", "address_line2",
    "postal_code", "city", "region", "country", "currency", "time_zone", "billing_cycle_day",
    "locale", "payment_terms_days", "tax_id", "tax_exempt_reason", "parent_external_id",
    "phone_numbers", "sip_users", "account_codes",
)  # fmt: skip


@dataclass(frozen=True)
class Country:
    code: str
    currency: str
    zones: tuple[str, ...]
    locales: tuple[str, ...]
    # (prefix after the country code, digits after the prefix) for landlines and mobiles
    phones: tuple[tuple[str, int], ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[tuple[str, str], ...]  # (city, postal code prefix)
    postal_digits: int
    suffixes: tuple[str, ...]
    vat_body: str | None  # a template: 9 = any digit, other characters literal
    house_first: bool = False


COUNTRIES = (
    Country("DE", "EUR", ("Europe/Berlin",), ("de-DE",), (("30", 8), ("40", 8), ("151", 8),
            ("170", 7)), ("Lena", "Jonas", "Mia", "Lukas", "Hannah", "Felix", "Sophie", "Paul"),
            ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann"),
            ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße"),
            (("Berlin", "10"), ("Hamburg", "20"), ("München", "80"), ("Köln", "50")), 5,
            ("GmbH", "AG", "GmbH & Co. KG", "e.K."), "999999999"),
    Country("FR", "EUR", ("Europe/Paris",), ("fr-FR",), (("1", 8), ("4", 8), ("6", 8)),
            ("Camille", "Léa", "Hugo", "Louis", "Chloé", "Gabriel", "Manon", "Jules"),
            ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"),
            ("rue de la République", "avenue Victor Hugo", "rue Pasteur", "boulevard Voltaire"),
            (("Paris", "75"), ("Lyon", "69"), ("Marseille", "13"), ("Toulouse", "31")), 5,
            ("SARL", "SAS", "SA"), "99999999999", house_first=True),
    Country("IT", "EUR", ("Europe/Rome",), ("it-IT",), (("06", 8), ("02", 8), ("3", 9)),
            ("Giulia", "Luca", "Francesca", "Marco", "Chiara", "Alessandro", "Sara", "Matteo"),
            ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"),
            ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Mazzini", "Via Dante"),
            (("Roma", "00"), ("Milano", "20"), ("Napoli", "80"), ("Torino", "10")), 5,
            ("S.r.l.", "S.p.A."), "99999999999"),
    Country("ES", "EUR", ("Europe/Madrid", "Atlantic/Canary"), ("es-ES", "ca-ES"),
            (("91", 7), ("93", 7), ("6", 8)),
            ("Lucía", "Hugo", "Martina", "Daniel", "Sofía", "Pablo", "María", "Álvaro"),
            ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez"),
            ("Calle Mayor", "Gran Vía", "Calle de Alcalá", "Paseo de Gracia"),
            (("Madrid", "28"), ("Barcelona", "08"), ("Valencia", "46"), ("Sevilla", "41")), 5,
            ("S.L.", "S.A."), "B99999999"),
    Country("NL", "EUR", ("Europe/Amsterdam",), ("nl-NL",), (("20", 7), ("10", 7), ("6", 8)),
            ("Emma", "Daan", "Julia", "Sem", "Tess", "Lucas", "Sophie", "Finn"),
            ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit"),
            ("Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg"),
            (("Amsterdam", "10"), ("Rotterdam", "30"), ("Utrecht", "35"), ("Den Haag", "25")),
            4, ("B.V.", "N.V."), "999999999B01"),
    Country("BE", "EUR", ("Europe/Brussels",), ("nl-BE", "fr-BE"),
            (("2", 7), ("3", 7), ("47", 7)),
            ("Noah", "Olivia", "Arthur", "Louise", "Jules", "Mila", "Victor", "Elena"),
            ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Dubois"),
            ("Rue Neuve", "Meir", "Veldstraat", "Avenue Louise"),
            (("Bruxelles", "10"), ("Antwerpen", "20"), ("Gent", "90"), ("Liège", "40")), 4,
            ("BV", "NV", "SRL"), "0999999999"),
    Country("AT", "EUR", ("Europe/Vienna",), ("de-AT",), (("1", 7), ("664", 7), ("676", 7)),
            ("Anna", "Elias", "Marie", "David", "Laura", "Tobias", "Lea", "Maximilian"),
            ("Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Mayer"),
            ("Mariahilfer Straße", "Landstraße", "Herrengasse", "Kärntner Straße"),
            (("Wien", "10"), ("Graz", "80"), ("Linz", "40"), ("Salzburg", "50")), 4,
            ("GmbH", "AG"), "U99999999"),
    Country("IE", "EUR", ("Europe/Dublin",), ("en-IE", "ga-IE"), (("1", 7), ("85", 7),
            ("87", 7)), ("Jack", "Grace", "Seán", "Aoife", "Conor", "Saoirse", "Oisín", "Niamh"),
            ("Murphy", "Kelly", "O'Sullivan", "Walsh", "Smith", "O'Brien", "Byrne", "Ryan"),
            ("Main Street", "Church Road", "Grafton Street", "O'Connell Street"),
            (("Dublin", "D0"), ("Cork", "T1"), ("Galway", "H9"), ("Limerick", "V9")), 1,
            ("Ltd", "DAC", "plc"), "9999999A"),
    Country("PL", "PLN", ("Europe/Warsaw",), ("pl-PL",), (("22", 7), ("12", 7), ("5", 8)),
            ("Zuzanna", "Jakub", "Julia", "Antoni", "Maja", "Jan", "Hanna", "Szymon"),
            ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński"),
            ("ul. Marszałkowska", "ul. Długa", "ul. Floriańska", "ul. Piotrkowska"),
            (("Warszawa", "00"), ("Kraków", "30"), ("Łódź", "90"), ("Wrocław", "50")), 5,
            ("Sp. z o.o.", "S.A."), "9999999999"),
    Country("SE", "SEK", ("Europe/Stockholm",), ("sv-SE",), (("8", 8), ("31", 7), ("70", 7)),
            ("Alice", "William", "Maja", "Oscar", "Elsa", "Lucas", "Astrid", "Hugo"),
            ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson"),
            ("Drottninggatan", "Storgatan", "Kungsgatan", "Sveavägen"),
            (("Stockholm", "11"), ("Göteborg", "41"), ("Malmö", "21"), ("Uppsala", "75")), 5,
            ("AB",), "999999999901"),
    Country("GB", "GBP", ("Europe/London",), ("en-GB", "cy-GB"), (("20", 8), ("161", 7),
            ("7911", 6)), ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Ivy"),
            ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Davies"),
            ("High Street", "Station Road", "Church Lane", "Victoria Road"),
            (("London", "EC1"), ("Manchester", "M1"), ("Leeds", "LS1"), ("Cardiff", "CF10")), 0,
            ("Ltd", "plc", "LLP"), None, house_first=True),
    Country("US", "USD", ("America/New_York", "America/Chicago", "America/Denver",
            "America/Los_Angeles"), ("en-US", "es-US"), (("212", 7), ("312", 7), ("415", 7),
            ("303", 7)), ("James", "Olivia", "Liam", "Emma", "Ethan", "Sophia", "Mason", "Ava"),
            ("Johnson", "Miller", "Davis", "Garcia", "Wilson", "Anderson", "Moore", "Clark"),
            ("Main St", "Oak Ave", "Maple Dr", "Broadway", "Market St"),
            (("New York", "100"), ("Chicago", "606"), ("San Francisco", "941"),
             ("Denver", "802")), 5, ("Inc.", "LLC", "Corp."), None, house_first=True),
    Country("CH", "CHF", ("Europe/Zurich",), ("de-CH", "fr-CH", "it-CH"), (("44", 7),
            ("22", 7), ("79", 7)), ("Noah", "Mia", "Liam", "Emma", "Luca", "Lina", "Leon", "Elin"),
            ("Müller", "Meier", "Schmid", "Keller", "Weber", "Huber", "Rochat", "Bernasconi"),
            ("Bahnhofstrasse", "Rue du Rhône", "Marktgasse", "Via Nassa"),
            (("Zürich", "80"), ("Genève", "12"), ("Bern", "30"), ("Lugano", "69")), 4,
            ("AG", "GmbH", "SA", "Sàrl"), None),
    Country("JP", "JPY", ("Asia/Tokyo",), ("ja-JP",), (("3", 8), ("6", 8), ("90", 8)),
            ("Haruto", "Yui", "Sota", "Hina", "Ren", "Sakura", "Yuto", "Aoi"),
            ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto"),
            ("Chiyoda 1-chome", "Umeda 2-chome", "Shibuya 3-chome", "Sakae 4-chome"),
            (("Tokyo", "100"), ("Osaka", "530"), ("Nagoya", "460"), ("Sapporo", "060")), 7,
            ("K.K.", "G.K."), None),
    Country("BR", "BRL", ("America/Sao_Paulo", "America/Manaus"), ("pt-BR",),
            (("11", 8), ("21", 8), ("119", 8)),
            ("Miguel", "Helena", "Arthur", "Alice", "Heitor", "Laura", "Davi", "Valentina"),
            ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves"),
            ("Avenida Paulista", "Rua Augusta", "Avenida Atlântica", "Rua da Consolação"),
            (("São Paulo", "01"), ("Rio de Janeiro", "20"), ("Belo Horizonte", "30"),
             ("Curitiba", "80")), 8, ("Ltda.", "S.A."), None),
)  # fmt: skip

_BUSINESS_WORDS = (
    "Nordlicht", "Alpine", "Atlas", "Meridian", "Helix", "Corvus", "Lumen", "Vertex", "Orion",
    "Quanta", "Silva", "Aurora", "Kestrel", "Tidewater", "Granite", "Polaris", "Solstice",
)  # fmt: skip
_BUSINESS_TRADES = (
    "Telecom", "Logistik", "Consulting", "Media", "Foods", "Systems", "Retail", "Energy",
    "Engineering", "Design", "Health", "Travel", "Networks", "Analytics",
)  # fmt: skip


class Generator:
    """Realistic customers from one seeded random source; phone numbers never repeat."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.numbers: set[str] = set()

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def phone(self, country: Country) -> str:
        calling_code = phonenumbers.country_code_for_region(country.code)
        for _ in range(1000):
            prefix, length = self.rng.choice(country.phones)
            candidate = (
                f"+{calling_code}{prefix}{self.rng.choice('23456789')}{self.digits(length - 1)}"
            )
            if candidate in self.numbers:
                continue
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
                self.numbers.add(candidate)
                return candidate
        raise RuntimeError(f"no valid phone number for {country.code}")

    def vat_number(self, country: Country) -> str | None:
        if country.vat_body is None:
            return None
        prefix = "EL" if country.code == "GR" else country.code
        for _ in range(100_000):
            body = "".join(self.digits(1) if ch == "9" else ch for ch in country.vat_body)
            if vat.is_valid(prefix + body):
                return prefix + body
        raise RuntimeError(f"no valid VAT number for {country.code}")

    def postal_code(self, country: Country, prefix: str) -> str:
        if country.code == "GB":
            return f"{prefix} {self.rng.randint(1, 9)}{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
                   f"{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"  # fmt: skip
        if country.code == "IE":
            return f"{prefix}{self.rng.randint(1, 9)} {self.rng.choice('ACDEFHKNPRTVWXY')}" \
                   f"{self.digits(3)}"  # fmt: skip
        code = prefix + self.digits(max(country.postal_digits - len(prefix), 0))
        if country.code == "JP":
            return f"{code[:3]}-{code[3:]}"
        if country.code == "BR":
            return f"{code[:5]}-{code[5:]}"
        return code

    def customer(self, number: int, country: Country, *, business: bool) -> dict[str, str]:
        rng = self.rng
        city, postal_prefix = rng.choice(country.cities)
        house = str(rng.randint(1, 180))
        street = rng.choice(country.streets)
        first, last = rng.choice(country.first_names), rng.choice(country.last_names)
        if business:
            name = f"{rng.choice(_BUSINESS_WORDS)} {rng.choice(_BUSINESS_TRADES)} " \
                   f"{rng.choice(country.suffixes)}"  # fmt: skip
            domain = name.split()[0].lower() + "-" + name.split()[1].lower() + ".example"
            emails = f"billing@{domain}" + (f"; finance@{domain}" if rng.random() < 0.3 else "")
        else:
            name = f"{first} {last}"
            emails = f"{_ascii(first)}.{_ascii(last)}{number}@mail.example"
        phones = [self.phone(country) for _ in range(rng.choice((1, 1, 1, 2)))]
        sip = f"{_ascii(first)}{number}@voip.example.net" if rng.random() < 0.15 else ""
        tax_id = self.vat_number(country) if business and rng.random() < 0.85 else None
        if business and tax_id is None and country.code in ("GB", "CH", "US", "JP", "BR"):
            uid = f"CHE-{self.digits(3)}.{self.digits(3)}.{self.digits(3)} MWST"
            tax_id = {"GB": "GB" + self.digits(9), "CH": uid}.get(country.code)
        return {
            "external_id": f"CRM-{country.code}-{number:06d}",
            "kind": "business" if business else "person",
            "legal_name": name,
            "emails": emails,
            "address_line1": f"{house} {street}" if country.house_first else f"{street} {house}",
            "address_line2": rng.choice(("", "", "", "2nd floor", "Apt. 4", "c/o Reception")),
            "postal_code": self.postal_code(country, postal_prefix),
            "city": city,
            "region": "",
            "country": country.code,
            "currency": country.currency,
            "time_zone": rng.choice(country.zones),
            "billing_cycle_day": str(rng.choice((1, 1, 1, 1, 15, 29, 30, 31, rng.randint(1, 31)))),
            "locale": rng.choice(country.locales),
            "payment_terms_days": rng.choice(("", "14", "30", "45", "60")) if business else "",
            "tax_id": tax_id or "",
            "tax_exempt_reason": "",
            "parent_external_id": "",
            "phone_numbers": ";".join(phones),
            "sip_users": sip,
            "account_codes": f"AC-{number:06d}" if business and rng.random() < 0.3 else "",
        }


def _ascii(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if ch.isalnum()
                   and ch.isascii()).replace("ß", "ss")  # fmt: skip


def generate(
    count: int, *, seed: int = SEED, groups: int | None = None
) -> Iterator[dict[str, str]]:
    """`count` good customers; about one in fifty is a subsidiary paid for by a group."""
    gen = Generator(seed)
    group_count = max(1, count // 50) if groups is None else groups
    parents: dict[str, list[str]] = {}
    for number in range(1, count + 1):
        country = gen.rng.choice(COUNTRIES)
        business = gen.rng.random() < 0.4 or number <= group_count
        row = gen.customer(number, country, business=business)
        same_currency = parents.get(row["currency"], [])
        if number <= group_count:
            parents.setdefault(row["currency"], []).append(row["external_id"])
        elif same_currency and gen.rng.random() < 0.04:
            row["parent_external_id"] = gen.rng.choice(same_currency)
        yield row


def bad_rows(gen: Generator) -> list[dict[str, str]]:
    """Deliberately bad rows, each with one problem of its own."""
    de, fr, us, gb = (COUNTRIES[i] for i in (0, 1, 11, 10))
    rows = [gen.customer(900_000 + i, c, business=True) for i, c in enumerate((de, fr, us, gb))]
    rows += [gen.customer(900_010 + i, c, business=False) for i, c in enumerate((de, fr))]
    good_vat = gen.vat_number(de) or ""
    rows[0]["tax_id"] = good_vat[:-1] + str((int(good_vat[-1]) + 1) % 10)  # bad check digit
    rows[1]["time_zone"] = "Europe/Lyon"  # not an IANA zone
    rows[2]["billing_cycle_day"] = "32"  # no month has a 32nd day
    rows[3]["currency"] = "1.5"  # a number where a currency code belongs
    rows[4]["phone_numbers"] = "+4930"  # too short to be a number
    rows[5]["legal_name"] = ""  # who is billed?
    for i, row in enumerate(rows):
        row["external_id"] = f"CRM-BAD-{i + 1}"
    return rows


def write_csv(path: Path, rows: Iterator[dict[str, str]] | list[dict[str, str]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=300)
    parser.add_argument("-o", "--output", type=Path, default=HERE / "customers.csv")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-bad-rows", action="store_true")
    args = parser.parse_args()
    rows = list(generate(args.count, seed=args.seed))
    if not args.no_bad_rows:
        rows += bad_rows(Generator(args.seed + 1))
    written = write_csv(args.output, rows)
    print(f"wrote {written} customers to {args.output}")


if __name__ == "__main__":
    main()
