#!/usr/bin/env python3
"""Writes the CSV dialect fixtures of this folder, byte for byte (see README.md).

Run from anywhere: python3 make_fixtures.py. The files are committed; rerunning must not
change them (git diff shows nothing).
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(name: str, text: str, encoding: str, bom: bool = False, crlf: bool = False) -> None:
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    (HERE / name).write_bytes(data)


# Residents, Windows-1252, `;`, decimal comma, CRLF. Read with coordinates (Rechtswert,
# Hochwert, Alter) or with addresses (Straße, Hausnr).
EWO = """\
Ordnungsmerkmal;Familienname;Straße;Hausnr;Rechtswert;Hochwert;Alter;Staatsangehörigkeit
CANARY-EWO-01;CANARY-Müller;Rüttenscheider Straße;12a;362345,67;5699876,5;34;deutsch
CANARY-EWO-02;CANARY-Schäfer;Kettwiger Str.;3;361000,25;5701000,75;7;österreichisch
CANARY-EWO-03;CANARY-Öztürk;Große Weberstraße;12-14;;;81;türkisch
CANARY-EWO-04;CANARY-Weiß;Hüttmannstraße;12/1;360999,99;5702000,01;0;deutsch
CANARY-EWO-05;CANARY-Groß;Grüner Weg;5;363500;5698000,5;102;deutsch
"""
write("ewo_win1252_semicolon.csv", EWO, "cp1252", crlf=True)
write("ewo_utf8_semicolon.csv", EWO, "utf-8", crlf=True)

# Residents, UTF-8 with BOM, `,`, quoted fields with the delimiter, doubled quotes and a
# decimal comma inside quotes, CRLF.
BOM = (
    "Name,Anschrift,x,y,Alter\n"
    '"CANARY-Müller, Hans","Kettwiger Str. 3, 45127 Essen",361000.25,5701000.75,34\n'
    '"CANARY-Schmidt, ""Lotte""","Rüttenscheider Straße 12a, 45130 Essen","362345,67","5699876,5",7\n'
    'CANARY-Özdemir,"Grüner Weg 5",363500,"5698000,5",81\n'
)
write("ewo_bom_utf8.csv", BOM, "utf-8", bom=True, crlf=True)

# Kita records, UTF-8 without BOM, tab, addresses with postcode and a separate suffix.
KITA = """\
Kind-ID\tPLZ\tStraße\tHausnummer\tZusatz\tAlter Kind\tBeitragsstufe\tBemerkung
CANARY-KITA-1\t45127\tKettwiger Str.\t3\t\t4\t2\tCANARY-Allergie
CANARY-KITA-2\t45130\tRüttenscheider Straße\t12\ta\t3\t1\t
CANARY-KITA-3\t45131\tHüttmannstraße\t7\tb\t5\t6\tCANARY-Notiz, mit Komma
CANARY-KITA-4\t45133\tGrüner Weg\t12 a\t\t1\t3\t
"""
write("kita_tab.tsv", KITA, "utf-8")

# Kita records with broken rows; UTF-8 except one Latin-1 `ß` (line 12). Read with
# coordinates (x, y) or addresses (strasse, nr).
BROKEN = (
    "id;name;strasse;nr;x;y;alter;stufe\n"
    # 2: good
    "CANARY-B-02;CANARY-Name;Kettwiger Str.;3;361000,5;5701000;4;2\n"
    # 3: short row (field_count at `strasse`)
    "CANARY-B-03;CANARY-Kurz\n"
    # 4: age not a number (unparsable)
    "CANARY-B-04;CANARY-Name;Canarystraße;4;361000;5701000;zwölf;1\n"
    # 5: fee bracket out of range
    "CANARY-B-05;CANARY-Name;Canarystraße;5;361000;5701000;3;913\n"
    # 6: empty line (not a row)
    "\n"
    # 7: missing age
    "CANARY-B-07;CANARY-Name;Canarystraße;7;361000;5701000;;1\n"
    # 8: negative age (out_of_range)
    "CANARY-B-08;CANARY-Name;Canarystraße;8;361000;5701000;-3;1\n"
    # 9: an unquoted `;` inside the name: one field too many (field_count)
    "CANARY-B-09;CANARY-Name; Jr.;Canarystraße;9;361000;5701000;2;1\n"
    # 10: good, without coordinates
    "CANARY-B-10;CANARY-Name;Grüner Weg;10;;;5;3\n"
    # 11: good, unparsable coordinate (a record with an invalid position)
    "CANARY-B-11;CANARY-Name;Grüner Weg;11;CANARY-X;5701000;5;3\n"
).encode("utf-8") + (
    # 12: a Latin-1 `ß` in the street: undecodable when UTF-8 is forced (encoding)
    "CANARY-B-12;CANARY-Name;Canarystraße;12;361000;5701000;2;1\n".encode("latin-1")
) + (
    # 13: an unbalanced quote in the name: swallows the rest (unbalanced_quote)
    'CANARY-B-13;"CANARY-Offen;Canarystraße;13;361000;5701000;2;1\n'
    # 14, 15: good rows after it
    "CANARY-B-14;CANARY-Name;Kettwiger Str.;14;361014;5701014;1;1\n"
    "CANARY-B-15;CANARY-Name;Kettwiger Str.;15;361015;5701015;6;6\n"
).encode("utf-8")
(HERE / "broken_rows.csv").write_bytes(BROKEN)

# Residents with addresses, Windows-1252, `;`, CRLF: Gemeindeschlüssel, PLZ, Straße,
# Hausnummer and Zusatz columns with the house-number forms of German registers (the en dash
# of `20–22` is byte 0x96, where Windows-1252 and Latin-1 differ).
ADDR = """\
Personen-Nr;Gemeindeschlüssel;PLZ;Straße;Hausnummer;Zusatz;Alter
CANARY-A-01;05113000;45127;Kettwiger Straße;12;a;30
CANARY-A-02;05113000;45127;Kettwiger Str.;12 a;;31
CANARY-A-03;05113000;45130;Rüttenscheider Str.;12-14;;32
CANARY-A-04;05113000;45131;Große Weberstraße;12/1;;33
CANARY-A-05;05113000;45133;  Grüner   Weg ;  7 ;b;34
CANARY-A-06;05113000;45136;Straße des 17. Juni;1;;35
CANARY-A-07;05113000;45139;;;;36
CANARY-A-08;05113000;45141;Zollvereinstraße;12a;;37
CANARY-A-09;05113000;45130;Rüttenscheider Str.;20–22;;38
"""
write("ewo_addresses_win1252.csv", ADDR, "cp1252", crlf=True)
write("ewo_addresses_utf8.csv", ADDR, "utf-8", crlf=True)
