"""Interface text of the sectors page and the sector map, Canadian French first, English
second; merged into the staff pages' catalogue (ivr.web.admin.texts)."""

from __future__ import annotations

from ivr.web.i18n import Catalogue

SECTORS_TEXT: Catalogue = {
    "nav.sectors": ("Secteurs", "Sectors"),
    "action.sectors.uploaded": ("Secteurs importés", "Sectors imported"),
    "action.sectors.upload_refused": ("Import de secteurs refusé", "Sector import refused"),
    "sectors.title": ("Secteurs", "Sectors"),
    "sectors.lead": (
        "Les secteurs servent à cibler les alertes. Chaque ménage est placé dans un secteur "
        "par son adresse (segments de rue) ou par sa position (polygone).",
        "Sectors are how alerts are targeted. Each household is placed in a sector by its "
        "address (street segments) or by its position (polygon).",
    ),
    "sectors.map_caption": (
        "Carte des secteurs, une aide visuelle : la liste ci-dessous présente les mêmes "
        "secteurs et les mêmes choix.",
        "Map of the sectors, a visual aid: the list below shows the same sectors and the "
        "same choices.",
    ),
    "sectors.list": ("Liste des secteurs", "List of sectors"),
    "sectors.none": ("Aucun secteur pour l'instant.", "No sectors yet."),
    "sectors.sector": ("Secteur", "Sector"),
    "sectors.code": ("Code", "Code"),
    "sectors.phone_key": ("Touche au téléphone", "Key on the phone"),
    "sectors.community": ("Communauté", "Community"),
    "sectors.community_uashat": ("Uashat", "Uashat"),
    "sectors.community_mani_utenam": ("Mani-utenam", "Mani-utenam"),
    "sectors.parent": ("Secteur parent", "Parent sector"),
    "sectors.households": ("Ménages", "Households"),
    "sectors.polygon": ("Polygone", "Polygon"),
    "sectors.segments": ("Segments de rue", "Street segments"),
    "sectors.yes": ("oui", "yes"),
    "sectors.no": ("non", "no"),
    "sectors.download": ("Télécharger en GeoJSON", "Download as GeoJSON"),
    "sectors.download_hint": (
        "Les secteurs cochés, ou tous si aucun n'est coché. Le fichier peut être modifié "
        "puis importé de nouveau.",
        "The ticked sectors, or all of them if none is ticked. The file can be edited and "
        "imported again.",
    ),
    "sectors.upload": ("Importer des secteurs (GeoJSON)", "Import sectors (GeoJSON)"),
    "sectors.upload_hint": (
        "Une FeatureCollection GeoJSON. Chaque Feature : un Polygon ou un MultiPolygon "
        "(longitude, latitude) ou aucune géométrie, et les propriétés code, community "
        "(uashat ou mani-utenam), name_fr, name_en, et au besoin parent et streets. Un "
        "secteur du fichier remplace celui de même code ou s'ajoute; les autres restent. "
        "Si une seule Feature est invalide, rien n'est enregistré.",
        "A GeoJSON FeatureCollection. Each Feature: a Polygon or a MultiPolygon "
        "(longitude, latitude) or no geometry, and the properties code, community "
        "(uashat or mani-utenam), name_fr, name_en, and if needed parent and streets. A "
        "sector of the file replaces the one with the same code or is added; the others "
        "stay. If even one Feature is invalid, nothing is saved.",
    ),
    "sectors.file": ("Fichier GeoJSON", "GeoJSON file"),
    "sectors.upload_submit": ("Importer", "Import"),
    "sectors.uploaded": (
        "Fichier importé. Secteurs ajoutés : {added}; remplacés : {updated}. Ménages qui ont "
        "changé de secteur : {moved}.",
        "File imported. Sectors added: {added}; replaced: {updated}. Households that changed "
        "sector: {moved}.",
    ),
    "sectors.refused": (
        "Rien n'a été enregistré. Problèmes trouvés : {count}.",
        "Nothing was saved. Problems found: {count}.",
    ),
    "sectors.more_problems": ("Problèmes non affichés : {count}.", "Problems not shown: {count}."),
    "sectors.no_file": ("Choisissez un fichier GeoJSON.", "Choose a GeoJSON file."),
    "sectors.not_text": (
        "Le fichier n'est pas du texte UTF-8.",
        "The file is not UTF-8 text.",
    ),
    "sectors.not_json": ("Le fichier n'est pas du JSON valide.", "The file is not valid JSON."),
    "sectors.not_json_at": (
        "Le fichier n'est pas du JSON valide (ligne {line}, colonne {column}).",
        "The file is not valid JSON (line {line}, column {column}).",
    ),
    "sectors.not_collection": (
        "Le fichier doit être une FeatureCollection GeoJSON avec une liste « features ».",
        "The file must be a GeoJSON FeatureCollection with a 'features' list.",
    ),
    "sectors.no_features": (
        "La FeatureCollection ne contient aucune Feature.",
        "The FeatureCollection holds no Feature.",
    ),
}
