"""Listing files as they come from the directory: a header, separators, encodings and
mistakes of every kind. Each line's expected fate is in its comment."""

from __future__ import annotations

import codecs

FIRST_LISTING = "\n".join([
    "Nom;Prénom;No civique;Rue;Ville;Téléphone;Type",
    "Tremblay;Marie;12A;rue des Épinettes;Uashat;418 962-0327 poste 12;Résidentiel",  # 2 new
    "Tremblay;Jean;12A;R. DES EPINETTES;Uashat;(418) 927-1234;",  # 3 new, same household
    "Gagnon;Luc;7;r. du caribou;Sept-Îles;1-418-962-1001;",  # 4 new, uashat-nord (odd)
    "Roy;Anne;8;Caribou;Uashat;418.962.1002;",  # 5 new, uashat-sud (even)
    "Côté;Paul;45;ch. du Lac;Mani-utenam;+1 418 968 5000;",  # 6 new, mani-utenam-centre
    "Lavoie;Julie;300;rue de la Baie;Uashat;418 968-5001;",  # 7 new, outside the segments
    "Morin;Emma;5;rue des Érables;Uashat;418 968-5002;",  # 8 new, unknown street
    "Dépanneur du Lac;;10;ch. du Lac;Mani-utenam;418 968-5003;",  # 9 business (name)
    "Fortin;Marc;11;rue de la Plage;Mani-utenam;418 968-5004;Affaires",  # 10 business
    "Bouchard;Sophie;20;RUE DE LA BAIE;Uashat;514 872-1111;",  # 11 new (Montréal)
    "Smith;John;21;rue de la Baie;Uashat;212 555-0100;",  # 12 error: US number
    "Sans Frais;Ligne;22;rue de la Baie;Uashat;1-800-463-2493;",  # 13 error: toll-free
    "Tremblay;Marie;12A;rue des Épinettes;Uashat;418-962-0327;",  # 14 error: duplicate
    "Vide;Numéro;23;rue de la Baie;Uashat;;",  # 15 error: no phone
    "Trop;De;24;rue de la Baie;Uashat;418 968-5005;;en trop;encore",  # 16 error: too many
    "Portail;Réclamé;25;rue de la Baie;Uashat;418 968-5006;",  # 17 claimed (account)
    "Compte;Supprimé;26;rue de la Baie;Uashat;418 968-5007;",  # 18 excluded
    ";;;;;;",  # 19 blank: skipped
    "Sansadresse;Bob;;;Uashat;418 968-5008;",  # 20 error: no address
    "Personnel;Entré;27;rue de la Baie;Uashat;418 968-5009;",  # 21 kept (staff's)
    "",
])  # fmt: skip
CLAIMED = "+14189685006"
EXCLUDED = "+14189685007"
STAFF_ENTERED = "+14189685009"

LATER_FULL_LISTING = "\n".join([
    "Nom;Prénom;No civique;Rue;Ville;Téléphone;Type",
    "Tremblay;Marie;12A;rue des Épinettes;Uashat;418 962-0327;",  # unchanged
    "Tremblay;Jean;12A;rue des Épinettes;Uashat;418 927-1234;",  # unchanged
    "Roy;Anne;;;Uashat;418.962.1002;",  # error (no address): Anne stays enrolled
    "Côté;Paul;46;ch. du Lac;Mani-utenam;418 968-5000;",  # updated: moved
    "Bouchard;Sophie;20;rue de la Baie;Uashat;514 872-1111;",  # unchanged
    "",
])  # fmt: skip
"""Without Gagnon (claimed on the portal since: kept), Lavoie and Morin (deactivated)."""

WINDOWS_TAB_LISTING = "\r\n".join([
    "Nom complet\tAdresse\tNo de téléphone\tCatégorie",
    "Côté, Hélène\t12 rue des Épinettes\t418 968-5010\tRésidence",
    "Bérubé Ève\t3, boul. de l'Anse app. 4\t418 968-5011\t",
    "Garage Ôté Inc.\t4 rue de la Baie\t418 968-5012\t",
    "",
])  # fmt: skip


def utf8_with_bom(text: str) -> bytes:
    return codecs.BOM_UTF8 + text.encode("utf-8")


def windows_1252(text: str) -> bytes:
    return text.encode("cp1252")
