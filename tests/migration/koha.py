"""A small package as a Koha library would export it (hand-made, in Koha's column names)."""

import base64
import hashlib
from pathlib import Path

import bcrypt

from tests.catalogue.marcdata import field, iso2709, record

KOHA_PIN = "4711"
ISIL = "NL-UtKoha01"  # the library's ISIL in the package (Koha keeps it with its branches)
BCRYPT = bcrypt.hashpw(KOHA_PIN.encode(), bcrypt.gensalt(4, prefix=b"2a")).decode()
MD5 = base64.b64encode(hashlib.md5(b"1357").digest()).decode().rstrip("=")


def _csv(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text.strip() + "\n", encoding="utf-8")


def write_koha_package(folder: Path, net) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    records = [
        record("De avonden", author="Reve, Gerard", control="ocm1", isbn="9789023466321",
               extra=[field("999", ("c", "101")),
                      field("952", ("a", "CEN"), ("b", "CEN"), ("p", "K0001"), ("y", "BK"),
                            ("o", "R REVE"), ("v", "22.50"), ("9", "5001")),
                      field("952", ("a", "OVV"), ("p", "K0002"), ("y", "BK"), ("9", "5002"))]),
        record("Pluk van de Petteflet", author="Schmidt, Annie M.G.", control="ocm2",
               juvenile=True, extra=[field("999", ("c", "102"))]),
        record("Max Havelaar", author="Multatuli", control="ocm3",
               extra=[field("999", ("c", "103")),
                      field("952", ("a", "CEN"), ("p", "K0005"), ("y", "BK"), ("1", "4"),
                            ("9", "5005"))]),
    ]  # fmt: skip
    (folder / "biblio.mrc").write_bytes(iso2709(*records))
    _csv(
        folder,
        "items.csv",
        """
itemnumber,biblionumber,barcode,homebranch,holdingbranch,itemcallnumber,itype,location,replacementprice,itemlost,withdrawn,damaged,notforloan
5003,102,K0003,CEN,CEN,J SCHM,JBK,JEUGD,14.95,0,0,0,0
5004,102,K0004,OVV,OVV,J SCHM,JBK,JEUGD,14.95,0,0,0,0
5006,102,K0006,ZZZ,ZZZ,J SCHM,JBK,JEUGD,14.95,0,0,0,0
""",
    )
    _csv(
        folder,
        "patrons.csv",
        f"""
borrowernumber,cardnumber,surname,firstname,dateofbirth,address,zipcode,city,email,phone,branchcode,categorycode,dateenrolled,dateexpiry,password,privacy,contactname,altcontactphone,guarantor_id
1,21000000000011,Jansen,Ans,1961-04-02,Oudegracht 1,3511 AB,Utrecht,ans@example.org,,CEN,PT,2019-01-15,2027-01-15,{BCRYPT},1,,,
2,21000000000029,de Vries,Sem,2015-09-30,Oudegracht 2,3511AB,Utrecht,,,CEN,PT,2022-05-01,2027-05-01,{MD5},1,Vries,0612345678,
3,21000000000037,Bakker,Kees,1950-01-01,Nergensweg 3,9999 ZZ,Nergens,,,OVV,SR,2010-03-03,2026-12-31,!,0,,,
4,21000000000045,Smit,Ilse,1990-13-45,Oudegracht 4,3511 AB,Utrecht,,,CEN,PT,2020-01-01,2027-01-01,,1,,,
5,21000000000052,Jansen,Mees,2019-06-11,Oudegracht 1,3511 AB,Utrecht,,,CEN,J,2023-06-11,2027-06-11,,1,,,1
6,21000000000060,Jansen,Lot,2020-08-01,Oudegracht 1,3511 AB,Utrecht,,,CEN,J,2023-06-11,2027-06-11,,1,,,77
""",
    )
    _csv(
        folder,
        "loans.csv",
        """
issue_id,borrowernumber,cardnumber,barcode,issuedate,date_due,renewals_count,branchcode
9001,1,21000000000011,K0001,2026-02-10 14:02:00,2026-03-03,1,CEN
9002,2,21000000000029,K0003,2026-02-20,2026-03-13,0,CEN
9003,1,21000000000011,K0005,2026-02-01,2026-02-22,0,CEN
9004,1,21000000000011,K0004,2026-02-25,2026-02-20,0,OVV
""",
    )
    _csv(
        folder,
        "holds.csv",
        """
reserve_id,borrowernumber,cardnumber,biblionumber,itemnumber,barcode,reservedate,branchcode,priority,found,waitingdate,expirationdate
7001,2,21000000000029,101,,,2026-02-11,CEN,1,,,
7002,3,21000000000037,101,,,2026-02-12,OVV,2,,,
7003,3,21000000000037,102,5004,K0004,2026-02-15,OVV,0,W,2026-02-28,2026-03-07
7004,1,21000000000011,109,,,2026-02-15,CEN,1,,,
""",
    )
    _csv(
        folder,
        "fees.csv",
        """
accountlines_id,cardnumber,amountoutstanding,debit_type_code,date,description,barcode
8001,21000000000011,2.50,OVERDUE,2026-01-20,Te laat: De avonden,K0001
8002,21000000000029,57.50,ACCOUNT,2026-01-01,Contributie 2026,
8003,21000000000011,-5.00,PAYMENT,2026-01-25,Vooruitbetaald,
8004,21000000000011,3.00,NEW_CARD,2026-01-25,Nieuwe pas,
""",
    )
    _csv(
        folder,
        "blocks.csv",
        """
borrower_debarment_id,cardnumber,type,comment,expiration
6001,21000000000037,MANUAL,Boek beschadigd teruggebracht,
6002,21000000000011,OVERDUES,Te laat,2020-01-01
""",
    )
    (folder / "mapping.toml").write_text(
        f"""
[package]
record_id = "999$c"
isil = "{ISIL}"

[branches]
CEN = "{net.a1.code}"
OVV = "{net.a2.isil or net.a2.code}"

[locations]
JEUGD = "Jeugd"

[item_types]
BK = "boek"
JBK = "jeugdboek"

[patron_categories]
PT = "volwassen"
SR = "senior"
J = "jeugd"

[fee_kinds]
PAYMENT = "payment"
""",
        encoding="utf-8",
    )
    return folder
