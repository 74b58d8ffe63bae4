"""Normalisers on real spellings from every script the customers write in."""

from __future__ import annotations

import polars as pl
import pytest

from matching import normalize as nz
from matching.features import _only_in, build_features
from matching.frame import conform


@pytest.mark.parametrize(
    ("native", "ascii_spelling"),
    [
        ("Иван Петров", "IVAN PETROV"),  # Bulgarian Cyrillic
        ("Щерьо Търновски", "Shteryo Tarnovski"),  # Bulgarian щ/ъ/ь, not the Russian shch
        ("Nguyễn Văn Ánh", "NGUYEN VAN ANH"),  # Vietnamese diacritics
        ("陳志明", "Chen Zhiming"),  # Traditional Chinese, family name first
        ("陳志明", "ZHIMING CHEN"),  # ... or given name first
        ("Jürgen Müller", "MUELLER, JUERGEN"),  # German umlauts typed as ue
        ("Straße", "STRASSE"),
    ],
)
def test_name_key_equal_across_scripts(native: str, ascii_spelling: str) -> None:
    assert nz.name_key(native) == nz.name_key(ascii_spelling)


def test_persian_letters_and_zwnj_fold_together() -> None:
    arabic_letters = "علي نوري\u200cزاده"  # Arabic yeh, ZWNJ
    persian_letters = "علی نوریزاده"  # Persian yeh, no ZWNJ
    assert nz.fold_script(arabic_letters) == nz.fold_script(persian_letters)
    assert nz.name_key(arabic_letters) == nz.name_key(persian_letters) == "ali nurizadh"
    assert nz.fold_script("كريم") == nz.fold_script("کریم")  # Arabic vs Persian kaf


@pytest.mark.parametrize(
    ("with_title", "without"),
    [
        ("Herr Dr. Jürgen Müller", "Jürgen Müller"),
        ("Mrs. Anna Smith", "Anna Smith"),
        ("г-н Иван Петров", "Иван Петров"),
        ("คุณสมชาย ใจดี", "สมชาย ใจดี"),  # Thai honorific glued to the name
        ("陳先生", "陳"),
        ("آقای محمد رضایی", "محمد رضایی"),
        ("Ông Nguyễn Văn Ánh", "Nguyễn Văn Ánh"),
    ],
)
def test_titles_are_dropped(with_title: str, without: str) -> None:
    assert nz.name_key(with_title) == nz.name_key(without)


@pytest.mark.parametrize(
    ("native", "romanised"),
    [
        ("สมศักดิ์ เพชรรัตน์", "SOMSAK PHETCHARAT"),  # silent letters under the thanthakhat
        ("มาลี บุญมา", "MALEE BOONMA"),  # final ญ sounds n
        ("กนกวรรณ", "KANOKWAN"),  # ro han
        ("داریوش محمدی", "DARIUSH MOHAMADI"),  # و / ی inside a word are vowels
        ("سارا کریمی", "SARA KARIMI"),  # alef is "a" (anyascii drops it: "sr" read as Senior)
    ],
)
def test_thai_and_persian_native_script_meets_its_romanisation(native: str, romanised: str) -> None:
    assert nz.phonetic_key(native) == nz.phonetic_key(romanised)


def test_romanisation_variants_share_a_phonetic_key() -> None:
    # Wade-Giles (Taiwan) vs pinyin, Thai script vs RTGS, Persian script vs English spelling
    assert nz.phonetic_key("CHEN Chih-Ming") == nz.phonetic_key("Chen Zhiming") == nz.phonetic_key("陳志明")
    assert nz.phonetic_key("สมชาย ใจดี") == nz.phonetic_key("Somchai Jaidee")
    assert nz.phonetic_key("محمد رضایی") == nz.phonetic_key("Mohammad Rezaei")
    assert nz.phonetic_key("Anna Schneider") != nz.phonetic_key("Lena Schneider")


@pytest.mark.parametrize(
    ("name", "core", "form"),
    [
        ("Công ty TNHH Minh Phát", "minh phat", "ltd"),
        ("MINH PHAT CO., LTD.", "minh phat", "ltd"),
        # single-owner EOOD is another legal entity than an OOD sibling
        ("„Балкан Трейд“ ЕООД", "balkan trading", "sole ltd"),
        ("BALKAN SOFT SERVICE OOD", "balkan service soft", "ltd"),
        ("Адам АД", "adam", "jsc"),
        ("Müller GmbH", "muller", "gmbh"),
        ("Siemens AG", "siemens", "ag"),
        # company limited by shares = "Corporation" in its English name
        ("鴻海精密工業股份有限公司", "hai hong industrial precision", "inc"),
        ("HON HAI PRECISION CORPORATION", "hai hon precision", "inc"),
        ("บริษัท สยามฟู้ด จำกัด", "food syam", "ltd"),
        ("บริษัท สยามฟู้ด จำกัด (มหาชน)", "food syam", "plc"),
        ("شرکت پارس سهامی خاص", "pars", "jsc"),
        ("Acme, Inc.", "acme", "inc"),
        # LLC and با مسئولیت محدود are the same (limited liability) form
        ("Acme LLC", "acme", "ltd"),
        ("KINGSLEY TRADING LLP", "kingsley trading", "llp"),
        ("SIAM FOOD LIMITED PARTNERSHIP", "siam food", "lp"),
        ("Sonnenberg Immobilien UG (haftungsbeschraenkt)", "sonnenberg immobilien", "ug"),
        ("BLUE RIDGE FOODS HLDGS CORP.", "blue food ridge holding", "inc"),
        ("Bosch", "bosch", None),
        # one-member LLCs are their own form, like ЕООД next to ООД
        ("Công ty TNHH MTV Minh Phát", "minh phat", "sole ltd"),
        ("MINH PHAT TRADING ONE MEMBER CO., LTD.", "minh phat trading", "sole ltd"),
        ("MINH PHAT TRADING CO., LTD.", "minh phat trading", "ltd"),
    ],
)
def test_legal_forms_are_split_off(name: str, core: str, form: str | None) -> None:
    # the core's words are sorted: word order differs between languages
    assert nz.split_organization(name) == (" ".join(sorted(core.split())), form)


@pytest.mark.parametrize(
    ("native", "english"),
    [
        ("Minh Phát Thực phẩm", "MINH PHAT FOOD CO., LTD."),
        ("Công ty TNHH MTV Xây dựng Thành Công", "THANH CONG CONSTRUCTION ONE MEMBER CO., LTD."),
        ("永盛建設控股股份有限公司", "YUNG SHENG CONSTRUCTION HOLDINGS CORPORATION"),
        ("บริษัท กรุงเทพการช่าง จำกัด (มหาชน)", "BANGKOK ENGINEERING PUBLIC COMPANY LIMITED"),
    ],
)
def test_translated_business_words_meet_their_english_rendering(native: str, english: str) -> None:
    assert nz.organization_phonetic_key(native) == nz.organization_phonetic_key(english)


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("+49 30 1234567", None, "+49301234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("(415) 555-1234", "US", "+14155551234"),
        ("02 123 4567", "TH", "+6621234567"),
        ("021 8888 1234", "IR", "+982188881234"),
        ("۰۲۱ ۸۸۸۸ ۱۲۳۴", "IR", "+982188881234"),  # typed with Persian digits
        ("٠٢١ ٨٨٨٨ ١٢٣٤", "IR", "+982188881234"),  # ... or Arabic-Indic ones
        ("02 2345 6789", "TW", "+886223456789"),
        ("123", "DE", None),
    ],
)
def test_phone_key_makes_national_numbers_e164(raw: str, country: str | None, e164: str | None) -> None:
    assert nz.phone_key(raw, country) == e164


def test_other_keys() -> None:
    assert nz.tax_key("DE 123 456 789") == nz.tax_key("123456789") == "123456789"
    assert nz.email_key(" Anna@Example.DE ") == "anna@example.de"
    assert nz.email_key("not an email") is None
    # placeholders typed into a required field are no mailbox, and must not key two strangers together
    for placeholder in ("customer@@mail.com", "customer@", "customer.gmail.com", "customer at home"):
        assert nz.email_key(placeholder) is None
    assert nz.date_key("1980-03-07T00:00:00") == "1980-03-07"
    assert nz.date_key("07.03.1980") is None
    assert nz.street_key("Invalidenstr. 5") == nz.street_key("INVALIDENSTRASSE 5")
    # house numbers kept in order whatever digits they were written in; another number, another key
    persian = "خیابان ولیعصر، پلاک {} واحد {}"
    assert nz.street_key(persian.format("۳۹۶", "۱۲")) == nz.street_key(persian.format("396", "12"))
    assert nz.street_key("12/3 Sukhumvit Soi 7") == "12 3 sukhumvit soi 7"
    assert nz.street_key("Hauptstr. 12a") != nz.street_key("Hauptstr. 21a")


@pytest.mark.parametrize(
    ("parts", "latin"),
    [
        (("雅婷", "蔡", ""), "CHOI NGA TING"),  # Hong Kong: Cantonese (HK Government romanisation)
        (("", "", "鄭嘉欣"), "CHENG KA YAN"),
        (("麗華", "郭", ""), "KWOK LAI WAH"),
    ],
)
def test_chinese_names_have_a_cantonese_reading(parts: tuple[str, str, str], latin: str) -> None:
    reading = nz.cantonese_name(nz.PARTS_SEPARATOR.join(parts))
    assert nz.tokens_key(reading) == nz.name_key(latin)
    assert nz.cantonese_name(nz.PARTS_SEPARATOR.join(("Nga Ting", "Choi", ""))) is None


@pytest.mark.parametrize(
    ("parts", "latin"),
    [
        (("志強", "蔡", ""), "TSAI CHIH-CHIANG"),  # Taiwan: Wade-Giles, given name hyphenated
        (("偉強", "謝", ""), "HSIEH WEI-CHIANG"),
        (("", "", "郭國華"), "KUO KUO-HUA"),
    ],
)
def test_chinese_names_have_a_wade_giles_reading(parts: tuple[str, str, str], latin: str) -> None:
    assert nz.tokens_key(nz.wade_giles_name(nz.PARTS_SEPARATOR.join(parts))) == nz.name_key(latin)


@pytest.mark.parametrize(
    ("pinyin", "wade_giles"),
    [
        ("Guoqiang Zheng", "KUO-CHIANG CHENG"),  # a web shop's pinyin, the passport's Wade-Giles
        ("Zhou Xiuying", "CHOU HSIU-YING"),
        ("Zhihong Zhou", "CHOU CHIH-HUNG"),
        ("Jiaming Cai", "TSAI CHIA-MING"),
        ("Junjie Guo", "KUO CHUN-CHIEH"),
        ("He Meiling", "HO MEI-LING"),
        ("陳志明", "CHEN CHIH-MING"),  # anyascii reads the characters in pinyin
    ],
)
def test_taiwanese_names_are_folded_into_one_romanisation(pinyin: str, wade_giles: str) -> None:
    def folded(name: str) -> str | None:
        return nz.tokens_key(nz.taiwan_spelling(nz.person_name(nz.PARTS_SEPARATOR.join(("", "", name)))))

    assert folded(pinyin) == folded(wade_giles)


@pytest.mark.parametrize("word", ["chia", "jung", "hsiung", "tsai", "anna"])
def test_words_that_are_no_run_of_pinyin_syllables_stay_as_written(word: str) -> None:
    # "chia" is no "chi|a" (pinyin would write "chi'a"), "jung" no "ju|ng"
    assert nz.taiwan_spelling(word) == word


def test_thai_names_have_an_rtgs_reading() -> None:
    reading = nz.thai_name(nz.PARTS_SEPARATOR.join(("ชัยวัฒน์", "สุขสวัสดิ์", "")))
    assert reading == "chaiwat sukswat"  # anyascii alone: "chaywath sukhswas"
    assert nz.thai_name(nz.PARTS_SEPARATOR.join(("", "", "คุณสมชาย ใจดี"))) == "somchai chaidi"


@pytest.mark.parametrize(
    ("short", "full"), [("Dave Williams", "WILLIAMS, DAVID"), ("Lottie Brown", "Charlotte Brown")]
)
def test_nicknames_meet_their_full_form(short: str, full: str) -> None:
    assert nz.name_key(short) == nz.name_key(full)


def test_persian_ain_is_a_vowel_not_a_word_break() -> None:
    assert nz.name_key("حمید جعفری") == "hmid jafri"  # not "fri hmid j"
    assert nz.phonetic_key(nz.name_key("حمید جعفری")) == nz.phonetic_key(nz.name_key("HAMID JAFARI"))


def test_thai_initial_thor_rua_reads_as_s() -> None:
    reading = nz.thai_name("ปราณี" + nz.PARTS_SEPARATOR + "ทรัพย์สมบูรณ์" + nz.PARTS_SEPARATOR)
    assert reading is not None and reading.split()[1].startswith("sap")
    assert nz.phonetic_key(reading) == nz.phonetic_key("pranee sapsomboon")
    assert nz.name_key("อินทรา") == "ointhra"  # ทร inside a word is left alone


@pytest.mark.parametrize(
    ("native", "latin"),
    [
        ("มาลี เพชรรัตน์", "MALEE PETCHARAT"),  # Thai ph = aspirated p
        ("อรุณ พรหมมา", "Arun Promma"),
        ("ธนพล ทรัพย์สมบูรณ์", "THANAPOL SAPSOMBOON"),  # final ล written "l"
    ],
)
def test_thai_names_meet_their_latin_spelling_phonetically(native: str, latin: str) -> None:
    latin_key = nz.phonetic_key(nz.name_key(latin))
    native_keys = {nz.phonetic_key(nz.name_key(native))}
    reading = nz.thai_name(nz.PARTS_SEPARATOR.join(["", "", native]))
    if reading:
        native_keys.add(nz.phonetic_key(reading))
    # at least one name part's skeleton agrees, in the rule-based or the RTGS reading
    assert any(set(k.split()) & set(latin_key.split()) for k in native_keys)
    assert nz.phonetic_key("joseph") == nz.phonetic_key("josef")


@pytest.mark.parametrize(
    ("native", "latin"),
    [
        ("瑞豐食品有限公司", "JUI FENG FOODS CO LTD"),  # Taiwan: Wade-Giles, not pinyin "rui feng"
        ("長興物流集團有限公司", "CHANG HSING LOGISTICS GROUP LIMITED"),
    ],
)
def test_chinese_company_names_have_a_wade_giles_reading(native: str, latin: str) -> None:
    assert nz.organization_key(native) != nz.organization_key(latin)  # pinyin alone misses it
    assert nz.organization_reading(native) == nz.organization_key(latin)
    assert nz.organization_reading(latin) is None  # Latin names have only their primary key


@pytest.mark.parametrize(
    ("native", "latin"),
    [
        ("نوین پخش", "NOVIN PAKHSH"),
        ("فاطمه موسوی", "FATEMEH MOUSAVI"),
        ("کاوه", "Kaveh"),
        ("نوری", "Noori"),
    ],
)
def test_arabic_script_names_meet_their_romanisation_by_skeleton(native: str, latin: str) -> None:
    assert nz.name_key(native) != nz.name_key(latin)  # short vowels are not written in Persian
    assert nz.abjad_key(nz.name_key(native)) == nz.abjad_key(nz.name_key(latin))


def test_consonant_skeletons_still_tell_different_names_apart() -> None:
    assert nz.abjad_key("reza nouri") != nz.abjad_key("ali nouri")
    assert nz.abjad_key("maryam") != nz.abjad_key("fatemeh")


@pytest.mark.parametrize(
    ("native", "latin"),
    [("แสงทอง", "saengthong"), ("ใจดี", "chaidi"), ("โชติ", "choti"), ("ไชยา", "chaiya")],
)
def test_thai_leading_vowels_are_read_after_their_consonant(native: str, latin: str) -> None:
    assert nz.ascii_fold(native) == latin


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("James Davis Jr.", "jr"),
        ("JAMES DAVIS SR", "sr"),
        ("Karl Müller sen.", "sr"),
        ("Thomas Smith III", "iii"),
        # a reading or a given name, never a suffix: 林森 is "lin sen", Sen and Jun are given names
        ("林森", None),
        ("Nguyễn Thị Sen", None),
        ("Jun Tanaka", None),
    ],
)
def test_generational_suffixes_are_read_off_latin_words(name: str, suffix: str | None) -> None:
    assert nz.name_suffix(name) == suffix


def test_digits_of_any_script_are_one_number() -> None:
    # a Persian web shop types ۳۹۶, the ERP 396; Thai addresses may use Thai digits
    assert nz.postal_key("۱۴۳۵۶ ۷۸۹۱۲") == nz.postal_key("14356-78912") == "1435678912"
    assert nz.ascii_digits("๑๒/๓ ถนนสุขุมวิท") == "12/3 ถนนสุขุมวิท"
    streets = pl.Series(["خیابان ولیعصر، پلاک ۳۹۶", "VALIASR ST., NO. 396", "忠孝東路88號", None])
    assert nz.ascii_digit_column(streets).to_list() == [nz.ascii_digits(s) if s else None for s in streets]
    frame = conform(
        pl.DataFrame(
            {
                "source_system": ["webshop", "erp"],
                "source_id": ["1", "2"],
                "full_name": ["نوین پخش", "NOVIN PAKHSH"],
                "street": ["خیابان ولیعصر، پلاک ۳۹۶", "VALIASR ST., NO. 396"],
                "country": ["IR", "IR"],
            }
        )
    )
    assert build_features(frame)["house"].to_list() == ["396", "396"]


def test_the_script_fixes_leave_ascii_text_as_it_is():
    """``fold_script`` returns ASCII text untouched without running them: every one must agree."""
    ascii_chars = [chr(code) for code in range(128)]
    texts = ascii_chars + [a + b for a in ascii_chars for b in ascii_chars]
    texts += ["Dr. O'Neil-Smith Jr.", "  KUO-CHIANG  CHENG ", "nai somchai", "khun\tnang sao", "Sr"]
    assert all(nz._fold_non_ascii(text) == text for text in texts)
    assert nz.fold_script("Щерьо") == nz._fold_non_ascii("Щерьо") != "Щерьо"


def test_the_native_organization_words_leave_ascii_text_as_it_is():
    """``_organization_native`` returns ASCII text untouched without looking for native forms."""
    ascii_chars = [chr(code) for code in range(128)]
    texts = ascii_chars + [a + b for a in ascii_chars for b in ascii_chars]
    texts += ["ACME Co., Ltd.", "Cong ty TNHH Minh Phat", "OOD AD ET", "  Bau  GmbH "]
    assert all(nz._organization_non_ascii(text) == (text, []) for text in texts)
    assert nz._organization_native("台積電股份有限公司") == nz._organization_non_ascii("台積電股份有限公司")
    assert nz._organization_native("台積電股份有限公司")[1] == ["inc"]


def test_street_numbers_come_back_as_ascii_digits():
    """``street_key`` puts back ASCII numbers as written and other scripts' digits as ASCII."""
    assert nz.street_key("Invalidenstr. 7") == nz.street_key("INVALIDENSTRASSE 7") == "invaliden strasse 7"
    assert nz.street_key("Invalidenstr. ７") == "invaliden strasse 7"
    assert nz.street_key("خیابان ولیعصر پلاک ۳۹۶") == nz.street_key("خیابان ولیعصر پلاک 396")


def test_readings_mapped_only_where_their_letters_are_equal_the_readings_of_every_value():
    """features._only_in leaves out only values whose Thai or Chinese reading is None anyway."""
    sep = nz.PARTS_SEPARATOR
    parts = pl.Series(
        [
            f"สมชาย{sep}ใจดี{sep}",
            f"Somchai{sep}Jaidee{sep}สมชาย ใจดี",
            f"{sep}{sep}陳志明",
            "x",
            None,
            f"{sep}{sep}",
        ]
    )
    orgs = pl.Series(["บริษัท สยามฟู้ด จำกัด", "瑞豐食品股份有限公司", "Siam Food Co., Ltd.", "Иван ООД", None])
    for column, letters, reading in (
        (parts, nz.THAI_LETTERS, nz.thai_name),
        (orgs, f"{nz.CJK_LETTERS}|{nz.THAI_LETTERS}", nz.organization_reading),
    ):
        assert nz.map_unique(_only_in(column, letters), reading).equals(nz.map_unique(column, reading))
