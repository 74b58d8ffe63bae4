"""The decision rules as data: one row per rule, with its reason in plain words and its evidence.

Scores (Fellegi-Sunter weights) say how much two records agree; these rules say what that agreement
*means* for customers, which a score cannot: a shared landline is a household, not an identity; a
different birth date is father and son; a company's departments write other e-mails at one address.
Each rule is a frozen ``Rule`` (Splink keeps its comparison levels the same way): a name, the reason a
steward reads, its ``Effect``, a ``Condition`` over comparison levels and pair facts, and the evidence
it rests on. ``matching.decide`` evaluates the whole table over the columns at once and combines the
effects into decisions; every rule that fired is kept per pair, so a steward sees why.

A rule belongs here only if it states something general about customer data (households share a
home, twins keep their own mailbox, legacy systems write other date formats); the counts in
``evidence`` say how often it held where it was measured, not why it is true.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum

from matching.conditions import (
    Condition,
    Fact,
    Level,
    Named,
    Not,
    all_of,
    any_of,
    at_least,
    levels,
    none_of,
)


class Effect(StrEnum):
    """What a fired rule does to the pair (``matching.decide`` combines them, in this order)."""

    #: Two different customers whatever agrees: never merged, not even transitively (score 0 in clustering).
    VETO = "veto"
    #: ... the veto does not hold for this pair.
    LIFT_VETO = "lift_veto"
    #: The agreement identifies the customer: a pair above the match threshold merges only with one.
    IDENTIFY = "identify"
    #: Something of the customer's own disagrees: a merge by score goes to review instead.
    CONTRADICT = "contradict"
    #: ... but not for this pair (the disagreement is expected here).
    EXEMPT = "exempt"
    #: Merge whatever the score: an identifier that names one customer.
    MERGE = "merge"
    #: Too little in common to be worth a steward's time: distinct rather than review.
    NOT_WORTH_REVIEW = "not_worth_review"
    #: Clustering: the link is anchored on the customer's own identifier (outvotes a sibling's veto).
    ANCHOR = "anchor"
    #: Clustering: as good as a veto until the unmarked record's cluster carries the same Jr./Sr.
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Rule:
    name: str
    effect: Effect
    when: Condition
    #: Shown to stewards next to the pair: why the rule says what it says.
    reason: str
    #: Where the rule comes from and how often it held where it was measured.
    evidence: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "effect": self.effect.value,
            "when": self.when.describe(),
            "reason": self.reason,
        }


# ------------------------------------------------------------------------------------ level groups
NAME_AGREES = frozenset({"exact", "phonetic", "fuzzy"})
HALF_NAME = frozenset({"given_only", "family_only"})
DOB_CLOSE = frozenset({"exact", "day_month_swapped", "one_typo"})
AT_HOME = frozenset({"exact", "same_street"})
IN_POSTAL_AREA = AT_HOME | {"same_postal_code"}
TAX_CLOSE = frozenset({"exact", "one_typo"})

#: Agreement on one of these is needed for an automatic merge by score: phones and addresses are shared
#: by households and colleagues, so they support a match but never make one on their own.
SAME_NAME = Level("name", NAME_AGREES)
SAME_EMAIL = Level("email", frozenset({"exact"}))
SAME_TAX_ID = Level("tax_id", frozenset({"exact"}))
SAME_PHONE = Level("phone", frozenset({"exact"}))
SAME_DOB = Level("date_of_birth", frozenset({"exact"}))
SHARED_MOBILE = Fact("shared_mobile")
PERSONS = Fact("persons")
ORGANIZATIONS = Fact("organizations")
CROSS_SCRIPT = Fact("cross_script")
NO_HOUSEHOLDS = Not(Fact("households"))

#: At least two fields must agree in all (a namesake shares only the name).
SUPPORTING = levels(
    name=NAME_AGREES | {"partial"} | HALF_NAME,
    email={"exact"},
    tax_id=TAX_CLOSE,
    phone={"exact"},
    date_of_birth=DOB_CLOSE,
    address=AT_HOME,
)
SUPPORTED = Named("two fields agree", at_least(2, *SUPPORTING))
#: Contact fields whose disagreement, when little else agrees, says "a namesake".
CONFLICTS = levels(email={"else"}, phone={"else"}, address={"else", "same_city"})
CONTACT_DISAGREES = Named("a contact field disagrees", any_of(*CONFLICTS))
#: Something personal agrees: e-mail (or a typo of it), id number, birth date (or a typo), own mobile.
PERSONAL = levels(email={"exact", "fuzzy"}, tax_id=TAX_CLOSE, date_of_birth=DOB_CLOSE)
NOTHING_PERSONAL = Named("nothing personal agrees", all_of(none_of(*PERSONAL), Not(SHARED_MOBILE)))
NO_CONTACT_OR_ID = Named(
    "no e-mail, phone or id agrees", none_of(*levels(email={"exact"}, phone={"exact"}, tax_id=TAX_CLOSE))
)
OWN_CONTACT_DIFFERS = any_of(*levels(email={"else"}, phone={"else"}))
GIVEN_ONLY = Level("name", frozenset({"given_only"}))
SWAPPED_AT_HOME = Named(
    "day and month swapped at the same street",
    all_of(Level("date_of_birth", frozenset({"day_month_swapped"})), Level("address", AT_HOME)),
)
NEAR_MISS_DOB = Level("date_of_birth", frozenset({"day_month_swapped", "one_typo"}))
#: Nothing identifying beyond name and address: no e-mail, id or birth date agrees, and the phone only
#: where it is an organisation's switchboard (shared by its sister companies).
NO_STRONG = Named(
    "nothing identifying agrees",
    all_of(none_of(SAME_EMAIL, SAME_TAX_ID, SAME_DOB), any_of(Not(SAME_PHONE), ORGANIZATIONS)),
)
#: A company's other street in the same postal area: another site, maybe a sister company on the
#: shared switchboard, the name written without its legal form.
OTHER_SITE = all_of(ORGANIZATIONS, Level("address", frozenset({"same_postal_code"})))
FATHER_OR_SON = Named(
    "one side Jr./Sr., nothing personal agrees", all_of(Fact("one_suffix"), NOTHING_PERSONAL)
)
NOT_TAX_CLOSE = Not(Level("tax_id", TAX_CLOSE))


def _veto(name: str, field: str, level: str, reason: str) -> Rule:
    return Rule(
        name,
        Effect.VETO,
        all_of(Level(field, frozenset({level})), NOT_TAX_CLOSE),
        reason + " (an equal or one-keystroke-off id number overrides this: then it is a typo)",
        "general",
    )


RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------------------------------ vetoes
    _veto(
        "birth_dates_differ",
        "date_of_birth",
        "else",
        "the birth dates differ: father and son share name, address and landline, never the birthday",
    ),
    _veto("suffixes_differ", "suffix", "different", "one is Jr. and the other Sr.: two generations"),
    _veto(
        "legal_forms_differ",
        "legal_form",
        "different",
        "the legal forms differ: a GmbH and its sister AG share name stem, switchboard and domain",
    ),
    Rule(
        "organization_tax_ids_differ",
        Effect.VETO,
        all_of(ORGANIZATIONS, Level("tax_id", frozenset({"else"}))),
        "two organisations with different tax ids are two legal entities (sister companies, subsidiaries)",
        "general; a person's 'tax id' field often holds another number (FEBRL's soc_sec_id), so only "
        "an organisation's vetoes",
    ),
    Rule(
        "same_person_no_households",
        Effect.LIFT_VETO,
        all_of(NO_HOUSEHOLDS, PERSONS, SAME_NAME, Level("address", IN_POSTAL_AREA)),
        "the data holds no households, so the same name at the same home is one person with a typo in "
        "the birth date or suffix, not father and son",
        "FEBRL: no households; every such pair is a corrupted duplicate",
    ),
    # ---------------------------------------------------------------------------- identifying
    Rule(
        "name_and_more",
        Effect.IDENTIFY,
        all_of(SAME_NAME, SUPPORTED),
        "the name agrees, and at least one more field",
        "general (Fellegi-Sunter support)",
    ),
    Rule(
        "email_and_more",
        Effect.IDENTIFY,
        all_of(SAME_EMAIL, SUPPORTED),
        "the e-mail address agrees, and at least one more field",
        "general: a mailbox is personal",
    ),
    Rule(
        "tax_id_and_more",
        Effect.IDENTIFY,
        all_of(SAME_TAX_ID, SUPPORTED),
        "the id number agrees, and at least one more field",
        "general",
    ),
    Rule(
        "mobile_and_more",
        Effect.IDENTIFY,
        all_of(SHARED_MOBILE, SUPPORTED),
        "a person's mobile number agrees (a household shares the landline, not the mobile), and at "
        "least one more field",
        "general; mobiles told from landlines by phonenumbers' metadata",
    ),
    Rule(
        "married_name",
        Effect.IDENTIFY,
        all_of(GIVEN_ONLY, Level("date_of_birth", DOB_CLOSE)),
        "the same given name and birth date under another family name: a marriage or a mistyped family name",
        "general: a household shares the family name, never given name and birthday",
    ),
    Rule(
        "mistyped_id_with_birth_date",
        Effect.IDENTIFY,
        all_of(
            Level("tax_id", frozenset({"one_typo"})),
            Level("date_of_birth", frozenset({"exact", "day_month_swapped"})),
        ),
        "an id number one keystroke off with the same birth date",
        "general",
    ),
    Rule(
        "same_id_in_postal_area",
        Effect.IDENTIFY,
        all_of(SAME_TAX_ID, Level("address", IN_POSTAL_AREA)),
        "the same id number in the same postal area: name and birth date were mistyped or left out",
        "general",
    ),
    Rule(
        "person_at_home_name_unread",
        Effect.IDENTIFY,
        all_of(SAME_PHONE, SAME_DOB, Level("address", AT_HOME)),
        "phone, birth date and street agree: the name is in a script or nickname no reading folds",
        "general",
    ),
    Rule(
        "nickname_at_home",
        Effect.IDENTIFY,
        all_of(Level("name", HALF_NAME), SAME_DOB, Level("address", AT_HOME)),
        "half the name, the birth date and the home agree: a nickname (Thai ชื่อเล่น) or a given name no "
        "rule folds",
        "general; twins look alike, see twins_keep_their_own",
    ),
    Rule(
        "nickname_on_landline",
        Effect.IDENTIFY,
        all_of(Level("name", HALF_NAME), SAME_DOB, SAME_PHONE),
        "half the name, the birth date and the phone agree: a nickname",
        "general",
    ),
    Rule(
        "no_households_birth_date_at_home",
        Effect.IDENTIFY,
        all_of(NO_HOUSEHOLDS, SAME_DOB, Level("address", AT_HOME)),
        "the data holds no households: the birth date at the same home identifies",
        "FEBRL: no households",
    ),
    Rule(
        "no_households_half_name_birth_date_in_town",
        Effect.IDENTIFY,
        all_of(
            NO_HOUSEHOLDS,
            Level("name", HALF_NAME),
            SAME_DOB,
            Level("address", IN_POSTAL_AREA | {"same_city"}),
        ),
        "the data holds no households: half the name with the birth date in the same town identifies",
        "FEBRL: no households",
    ),
    Rule(
        "no_households_half_name_mistyped_id_at_home",
        Effect.IDENTIFY,
        all_of(
            NO_HOUSEHOLDS,
            Level("name", HALF_NAME),
            Level("tax_id", frozenset({"one_typo"})),
            Level("address", AT_HOME),
        ),
        "the data holds no households: half the name and an id one keystroke off at the same home",
        "FEBRL: no households",
    ),
    Rule(
        "company_across_scripts",
        Effect.IDENTIFY,
        all_of(
            ORGANIZATIONS,
            CROSS_SCRIPT,
            Level("legal_form", frozenset({"same"})),
            SAME_PHONE,
            Level("address", AT_HOME),
        ),
        "a company's name in its own script against a Latin name no reading matched: the same legal "
        "form, switchboard and street identify it",
        "general; sister companies keep their own tax ids",
    ),
    Rule(
        "email_across_scripts",
        Effect.IDENTIFY,
        all_of(CROSS_SCRIPT, SAME_EMAIL),
        "the names are in two scripts and no reading matched, but the e-mail address is the same",
        "generated 1M: 244 of 244 such pairs were one customer",
    ),
    # -------------------------------------------------------------------------- contradictions
    Rule(
        "contacts_disagree",
        Effect.CONTRADICT,
        all_of(NO_STRONG, at_least(2, *CONFLICTS[:2], any_of(CONFLICTS[2], OTHER_SITE))),
        "two contact fields disagree and nothing identifying (e-mail, id, birth date, own phone) agrees",
        "general: a namesake, or a company's other site on the shared switchboard",
    ),
    Rule(
        "contact_disagrees_birth_date_near_miss",
        Effect.CONTRADICT,
        all_of(
            NO_STRONG,
            CONTACT_DISAGREES,
            NEAR_MISS_DOB,
            Not(SWAPPED_AT_HOME),
        ),
        "a contact field disagrees and the birth date is only close",
        "general",
    ),
    Rule(
        "birth_date_near_miss_away_from_home",
        Effect.CONTRADICT,
        all_of(NO_STRONG, NEAR_MISS_DOB, Not(Level("address", IN_POSTAL_AREA))),
        "the birth date is only close and the addresses are not in one postal area: a namesake born on "
        "a neighbouring day",
        "general at scale",
    ),
    Rule(
        "birth_date_typo_off_the_street",
        Effect.CONTRADICT,
        all_of(NO_STRONG, Level("date_of_birth", frozenset({"one_typo"})), Not(Level("address", AT_HOME))),
        "a birth date one keystroke off is a typo only on the same street (a postal code can be a whole "
        "town)",
        "generated 1M: 0 of 94 such pairs in one postal area were one customer",
    ),
    Rule(
        "father_or_son",
        Effect.CONTRADICT,
        FATHER_OR_SON,
        "one record carries Jr./Sr. and the other none, and nothing personal agrees: father or son?",
        "general",
    ),
    Rule(
        "second_record_in_one_system",
        Effect.CONTRADICT,
        all_of(Fact("same_system"), OWN_CONTACT_DIFFERS, NOTHING_PERSONAL, NO_CONTACT_OR_ID),
        "two records of one system with their own e-mail or phone: a system updates contact details in "
        "place, so a second record is more often a second customer",
        "general",
    ),
    Rule(
        "given_name_birth_date_contact_disagrees",
        Effect.CONTRADICT,
        all_of(GIVEN_ONLY, CONTACT_DISAGREES, NO_CONTACT_OR_ID),
        "only the given name and birth date agree, and a contact field disagrees",
        "general at scale",
    ),
    Rule(
        "given_name_birth_date_alone",
        Effect.CONTRADICT,
        all_of(
            GIVEN_ONLY,
            none_of(*levels(email={"exact", "fuzzy"}, phone={"exact"}, tax_id=TAX_CLOSE, address=AT_HOME)),
        ),
        "only the given name and birth date agree, nothing else known",
        "general at scale",
    ),
    Rule(
        "all_contacts_disagree",
        Effect.CONTRADICT,
        all_of(at_least(3, *CONFLICTS), NO_CONTACT_OR_ID),
        "e-mail, phone and address all disagree: a namesake more often than a customer who changed all three",
        "general at scale",
    ),
    Rule(
        "sound_alike_contacts_disagree",
        Effect.CONTRADICT,
        all_of(
            Not(CROSS_SCRIPT),
            Level("name", frozenset({"phonetic", "fuzzy"})),
            at_least(2, *CONFLICTS),
            NO_CONTACT_OR_ID,
        ),
        "the names only sound alike in one script and two contact fields disagree",
        "general at scale",
    ),
    Rule(
        "twins_keep_their_own",
        Effect.CONTRADICT,
        all_of(
            Fact("households"),
            Level("name", frozenset({"family_only"})),
            SAME_DOB,
            any_of(*levels(email={"else"}, phone={"else"}, tax_id={"else"})),
            none_of(*levels(email={"exact"}, tax_id=TAX_CLOSE)),
        ),
        "family name, birth date and home agree but an e-mail, phone or id of their own differs: twins",
        "general; off where the data holds no households",
    ),
    Rule(
        "twins_or_nickname",
        Effect.CONTRADICT,
        all_of(
            Fact("households"),
            Fact("given_names_differ"),
            Not(Level("name", NAME_AGREES | {"partial"})),
            SAME_DOB,
            none_of(*levels(email={"exact"}, tax_id=TAX_CLOSE)),
            Not(SHARED_MOBILE),
        ),
        "birth date and family or home agree but the given names are two names, not one misspelt: twins, "
        "or a nickname no table knows (Thai ชื่อเล่น); only a steward can tell, unless an e-mail, id or "
        "mobile of their own agrees",
        "general (about 3 % of births are twins); spec data 100k: 109 of 174 such pairs were twins",
    ),
    Rule(
        "company_at_its_address",
        Effect.EXEMPT,
        all_of(
            ORGANIZATIONS,
            Level("name", frozenset({"exact"})),
            Level("legal_form", frozenset({"same"})),
            Level("address", frozenset({"exact"})),
        ),
        "the same company name and legal form at one address: other e-mails and phones are its departments",
        "generated 1M: 137 of 137 such pairs were one company",
    ),
    # ------------------------------------------------------------------------- merges and review
    Rule(
        "tax_id_names_holder",
        Effect.MERGE,
        all_of(any_of(ORGANIZATIONS, all_of(PERSONS, NO_HOUSEHOLDS)), SAME_TAX_ID),
        "an organisation's tax id names the legal entity (and a person's, where the data holds no "
        "households): the same one merges whatever name and address say",
        "general",
    ),
    Rule(
        "namesake",
        Effect.NOT_WORTH_REVIEW,
        all_of(Not(SUPPORTED), CONTACT_DISAGREES),
        "only the name agrees and a contact field disagrees: a namesake",
        "general",
    ),
    Rule(
        "half_name_household",
        Effect.NOT_WORTH_REVIEW,
        all_of(Level("name", HALF_NAME), NOTHING_PERSONAL),
        "half the name and a shared home or phone, nothing personal: a household member",
        "general",
    ),
    # ------------------------------------------------------------------------------- clustering
    Rule(
        "own_identifier",
        Effect.ANCHOR,
        all_of(Level("tax_id", TAX_CLOSE), Level("name", NAME_AGREES | {"given_only"})),
        "the id number and the name agree: the link outvotes a sibling record's mistyped birth date",
        "general",
    ),
    Rule(
        "other_generation",
        Effect.AMBIGUOUS,
        all_of(FATHER_OR_SON, OWN_CONTACT_DIFFERS),
        "one record carries Jr./Sr., the other none, and its own e-mail or mobile differs: it may be "
        "the other generation",
        "general",
    ),
)

#: Outcomes the decision step names after combining the effects, one bit each before the rules'.
OUTCOMES: dict[str, str] = {
    "too_few_identifying_fields_agree": "the score is high but nothing identifying agrees (a shared "
    "landline or address, or a namesake)",
    "vetoed_by_disagreeing_field": "a field that tells two customers apart disagrees",
    "steward_must_link": "a data steward decided these are the same customer",
    "steward_cannot_link": "a data steward decided these are two customers",
    "cut_by_clustering": "the records' clusters disagree elsewhere, so the link was cut",
    "namesake_contact_fields_disagree": "a namesake: only the name agrees and contact fields disagree",
    "contact_fields_disagree": "something of the customer's own disagrees, so a merge needs a steward",
    "same_tax_id_holder": "merged on the same tax id of one legal entity",
}


def rule_names(rules: tuple[Rule, ...] = RULES) -> tuple[str, ...]:
    """Bit order of the pairs' ``rules`` mask: the outcomes, then the table."""
    names = (*OUTCOMES, *(r.name for r in rules))
    if len(set(names)) != len(names):
        raise ValueError("rule names must be unique")
    if len(names) > 64:
        raise ValueError(f"{len(names)} rules and outcomes do not fit a 64-bit mask")
    return names


def reason(name: str, rules: tuple[Rule, ...] = RULES) -> str:
    """The plain-language reason of a rule or outcome, for stewards; the name itself if unknown."""
    return OUTCOMES.get(name) or next((r.reason for r in rules if r.name == name), name)


def table_fingerprint(rules: tuple[Rule, ...] = RULES) -> str:
    """A short hash of the table's meaning (names, effects, conditions), for the model fingerprint."""
    text = json.dumps([[r.name, r.effect.value, repr(r.when)] for r in rules])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def markdown_table(rules: tuple[Rule, ...] = RULES) -> str:
    """The rule table as the README shows it (``python -m matching.rules``; a test keeps them equal)."""
    lines = ["| rule | effect | when | why |", "|---|---|---|---|"]
    lines += [f"| `{r.name}` | {r.effect.value} | {r.when.describe()} | {r.reason} |" for r in rules]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
