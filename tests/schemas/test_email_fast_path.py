"""``clean_email``'s fast path for plain addresses gives exactly ``email_validator``'s answer: every
address it takes, the library takes too and normalises to the same lower-cased text; whatever it does
not take still goes to the library. Checked on the addresses of both generators and on random
addresses built around the library's rules (lengths, hyphens, punycode, special-use domains)."""

from __future__ import annotations

import random

import pytest
from email_validator import EmailNotValidError, validate_email

from bench.specgen import generate
from schemas.values import _plain_email, clean_email
from sources.generator import generate_dataset


def library(text: str) -> str | None:
    """The reference: ``email_validator`` alone, lower-cased; ``None`` when it refuses."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def ours(text: str) -> str | None:
    try:
        return clean_email(text)
    except ValueError:
        return None


PLAIN_LOCAL, PLAIN_HOST = "aZ09_+'-", "abcXYZ019"
#: What a plain address is changed by, one at a time: the library's limits and the forms it treats apart.
MUTATIONS = [
    lambda a: a.replace("@", "@@"), lambda a: a.replace("@", ""), lambda a: f" {a} ", lambda a: a.upper(),
    lambda a: "." + a, lambda a: a.replace("@", ".@"), lambda a: a.replace("@", "é@"), lambda a: "a b" + a,
    lambda a: a.replace("@", "@-"), lambda a: a.replace("@", "@xn--"), lambda a: a.replace("@", "@ab--"),
    lambda a: a.replace("@", "@" + "x" * 60), lambda a: "y" * 60 + a, lambda a: a + ".local",
    lambda a: a + ".localhost", lambda a: a + ".arpa", lambda a: a + ".test", lambda a: a + ".123",
    lambda a: a + ".c", lambda a: a + ".", lambda a: a + "." + "t" * 63, lambda a: a + "." + "t" * 64,
    lambda a: a.replace(".", ".."), lambda a: a.replace("@", "@a.b.c.d." + "e" * 50 + "." + "f" * 60 + "."),
]  # fmt: skip


def _run(rng: random.Random, alphabet: str, lengths: list[int]) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.choice(lengths)))


def _random_address(rng: random.Random) -> str:
    """A plain address of random parts and lengths (up to the limits), changed by up to two mutations."""
    local = ".".join(_run(rng, PLAIN_LOCAL, [1, 5, 20, 31]) for _ in range(rng.choice([1, 2])))
    labels = []
    for _ in range(rng.choice([1, 2, 3])):
        label = _run(rng, PLAIN_HOST, [1, 2, 8, 30, 63])
        inner = "".join(rng.choice(["-", ch, ch, ch, ch, ch, ch, ch]) for ch in label[1:-1])
        labels.append(label[:1] + inner + label[-1:] if len(label) > 1 else label)
    address = f"{local}@{'.'.join(labels)}.{rng.choice(['de', 'com', 'Org', 'museum'])}"
    for mutate in rng.sample(MUTATIONS, rng.choice([0, 0, 1, 2])):
        address = mutate(address)
    return address


def test_random_addresses_get_the_librarys_answer():
    rng = random.Random(20261206)
    addresses = [_random_address(rng) for _ in range(30_000)]
    taken = [a for a in addresses if _plain_email(a.strip())]
    # both paths are exercised, and the fast one decides most plain addresses
    assert len(taken) > 10_000
    assert len(addresses) - len(taken) > 10_000
    differ = [(a, library(a)) for a in taken if library(a) != a.strip().lower()]
    assert not differ, differ[:5]
    assert [ours(a) for a in addresses[:3_000]] == [library(a) for a in addresses[:3_000]]


@pytest.mark.parametrize("source", ["generator", "specgen"])
def test_generated_addresses_get_the_librarys_answer(source):
    if source == "generator":
        rows = generate_dataset(n_records=3_000, seed=5).rows
        values = [r.get("email") for r in rows]
    else:
        values = generate(3_000, 5).frame["email"].to_list()
    addresses = sorted({part for v in values if v for part in str(v).split(";")})
    assert len(addresses) > 1_000
    assert sum(_plain_email(a.strip()) for a in addresses) > len(addresses) // 2
    assert [ours(a) for a in addresses] == [library(a) for a in addresses]


@pytest.mark.parametrize(
    "address",
    ["Zoe.Weber@Example.COM", "o'brien+news@mail.example.ie", "a@b.c", "x@printer.local", "ab--c@x.de",
     "a@ab--cd.de", "a@xn--bcher-kva.ch", "a@bücher.ch", "jürgen@example.de", "a..b@x.de", ".a@x.de",
     "a@x..de", "a@-x.de", "a@x-.de", "a@x.123", "\"a b\"@x.de", "a@[127.0.0.1]", "Anna <a@x.de>",
     "a@x.de.", "A@X.DE", "x" * 64 + "@x.de", "x" * 65 + "@x.de", "a@" + "x" * 63 + ".de",
     "a@" + "x" * 64 + ".de"],
)  # fmt: skip
def test_edge_addresses_get_the_librarys_answer(address):
    assert ours(address) == library(address)
