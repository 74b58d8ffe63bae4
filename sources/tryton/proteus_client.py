"""Seed and read Tryton parties with proteus, Tryton's own client library (runs in .venv-tryton).

Usage: ``python proteus_client.py trytond:<config file>:<database> seed < parties.json`` | ``read`` |
``create < party.json``. proteus works on Tryton's ORM in this process, as Tryton's own scripts load
data, beside the running server (proteus over XML-RPC checks the password hash on every call: seeding
17 parties took over a minute). This file imports only proteus and the standard library: it is the
third-party side of the tests.
"""

import json
import sys

from proteus import Model, config


def _country(code):
    Country = Model.get("country.country")
    found = Country.find([("code", "=", code)])
    if found:
        return found[0]
    country = Country(name=code, code=code)
    country.save()
    return country


def create(data):
    Party = Model.get("party.party")
    party = Party(name=data["name"])
    for kind, value in data.get("contacts", []):
        party.contact_mechanisms.new(type=kind, value=value)
    for number, address in enumerate(data.get("addresses", [])):
        # a new party comes with one empty address (Tryton's default), which the user fills in
        new = party.addresses[0] if number == 0 and party.addresses else party.addresses.new()
        new.street, new.postal_code, new.city = (address.get(k) for k in ("street", "postal_code", "city"))
        if address.get("country"):
            new.country = _country(address["country"])
    for kind, code in data.get("identifiers", []):
        party.identifiers.new(type=kind, code=code)
    party.save()
    return party.id


def read():
    Party = Model.get("party.party")
    out = []
    for party in Party.find([("active", "in", [True, False])], order=[("id", "ASC")]):
        out.append(
            {
                "id": party.id,
                "name": party.name,
                "active": party.active,
                "contacts": [[m.type, m.value] for m in party.contact_mechanisms],
                "addresses": [
                    {
                        "street": a.street,
                        "postal_code": a.postal_code,
                        "city": a.city,
                        "country": a.country.code if a.country else None,
                    }
                    for a in party.addresses
                ],
                "identifiers": [[i.type, i.code] for i in party.identifiers],
            }
        )
    return out


def main(target, command):
    _scheme, config_file, database = target.split(":")
    config.set_trytond(database=database, config_file=config_file)
    if command == "seed":
        print(json.dumps([create(p) for p in json.load(sys.stdin)]))
    elif command == "create":
        print(json.dumps(create(json.load(sys.stdin))))
    elif command == "read":
        print(json.dumps(read(), ensure_ascii=False))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
