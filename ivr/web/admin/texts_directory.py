"""Interface text of the directory import page, Canadian French first, English second;
merged into the staff pages' catalogue (ivr.web.admin.texts)."""

from __future__ import annotations

from ivr.web.i18n import Catalogue

DIRECTORY_TEXT: Catalogue = {
    "nav.directory": ("Annuaire 411", "411 directory"),
    "action.directory.uploaded": ("Annuaire : fichier lu", "Directory: file read"),
    "action.directory.applied": ("Annuaire : import appliqué", "Directory: import applied"),
    "action.directory.apply_refused": ("Annuaire : import refusé", "Directory: import refused"),
    "action.directory.exclusion_lifted": (
        "Annuaire : exclusion levée",
        "Directory: exclusion lifted",
    ),
    "directory.title": ("Import de l'annuaire 411", "411 directory import"),
    "directory.lead": (
        "Les lignes résidentielles de l'annuaire reçoivent les alertes par appel. Un import "
        "se lit d'abord : le résumé dit ce qui changerait, puis vous confirmez. Ce qu'un "
        "résident a inscrit sur le portail n'est jamais changé.",
        "Residential lines of the directory get alerts by phone call. An import is read "
        "first: the summary says what would change, then you confirm. What a resident set "
        "on the portal is never changed.",
    ),
    "directory.upload": ("Lire un fichier de l'annuaire", "Read a directory file"),
    "directory.file": ("Fichier CSV", "CSV file"),
    "directory.file_hint": (
        "CSV avec en-tête, en UTF-8 ou Windows-1252, séparé par des virgules, des "
        "points-virgules ou des tabulations. Colonnes : téléphone; nom (ou nom et prénom); "
        "adresse (ou no civique et rue); au besoin ville et type (résidentiel ou affaires).",
        "CSV with a header, in UTF-8 or Windows-1252, separated by commas, semicolons or "
        "tabs. Columns: phone; name (or family and given names); address (or civic number "
        "and street); if needed city and type (residential or business).",
    ),
    "directory.full": ("Liste complète de l'annuaire", "Complete directory listing"),
    "directory.full_hint": (
        "Cochez si le fichier contient tout l'annuaire : les numéros inscrits par l'annuaire "
        "qui n'y sont plus cesseront d'être appelés, sauf ceux réclamés sur le portail.",
        "Tick if the file holds the whole directory: numbers the directory enrolled that it "
        "no longer lists will no longer be called, except those claimed on the portal.",
    ),
    "directory.read_submit": ("Lire le fichier (rien n'est changé)", "Read the file (no change)"),
    "directory.no_file": ("Choisissez un fichier CSV.", "Choose a CSV file."),
    "directory.recent": ("Imports récents", "Recent imports"),
    "directory.none": ("Aucun import pour l'instant.", "No imports yet."),
    "directory.when": ("Date", "When"),
    "directory.file_name": ("Fichier", "File"),
    "directory.kind": ("Liste", "Listing"),
    "directory.kind_full": ("complète", "complete"),
    "directory.kind_partial": ("partielle", "partial"),
    "directory.state": ("État", "State"),
    "directory.state_reading": ("lecture en cours", "reading"),
    "directory.state_ready": ("à confirmer", "to confirm"),
    "directory.state_applied": ("appliqué", "applied"),
    "directory.state_failed": ("échec", "failed"),
    "directory.import_title": ("Import {id} : {file}", "Import {id}: {file}"),
    "directory.reading": ("Lecture du fichier…", "Reading the file…"),
    "directory.progress": ("{done} lignes lues sur {total}", "{done} of {total} lines read"),
    "directory.refresh": ("Actualiser", "Refresh"),
    "directory.failed": ("Le fichier n'a pas pu être lu :", "The file could not be read:"),
    "directory.detected": (
        "Encodage {encoding}, séparateur {delimiter}. Colonnes reconnues : {columns}.",
        "Encoding {encoding}, separator {delimiter}. Columns recognized: {columns}.",
    ),
    "directory.summary_dry": ("Ce que l'import ferait", "What the import would do"),
    "directory.summary_applied": ("Ce que l'import a fait", "What the import did"),
    "directory.rows": ("Lignes lues", "Rows read"),
    "directory.count_new": ("Nouveaux numéros inscrits", "New numbers enrolled"),
    "directory.count_updated": (
        "Mis à jour (nom, adresse, réinscrits)",
        "Updated (name, address, back)",
    ),
    "directory.count_unchanged": ("Inchangés", "Unchanged"),
    "directory.count_deactivated": (
        "Désactivés (absents de la liste complète)",
        "Deactivated (absent from the complete listing)",
    ),
    "directory.count_claimed": ("Gardés : réclamés sur le portail", "Kept: claimed on the portal"),
    "directory.count_excluded": ("Ignorés : compte supprimé", "Skipped: account deleted"),
    "directory.count_kept": ("Gardés : inscrits par le personnel", "Kept: registered by staff"),
    "directory.count_business": ("Ignorés : entreprises", "Skipped: businesses"),
    "directory.count_errors": ("Lignes en erreur", "Rows in error"),
    "directory.count_unmatched": ("Adresses sans secteur", "Addresses in no sector"),
    "directory.errors": ("Lignes en erreur", "Rows in error"),
    "directory.unmatched": ("Adresses sans secteur", "Addresses in no sector"),
    "directory.unmatched_hint": (
        "Ces ménages seront inscrits sans secteur : seules les alertes à toute la communauté "
        "les joindront, jusqu'à ce que les rues des secteurs les couvrent.",
        "These households will be enrolled without a sector: only alerts to the whole "
        "community reach them, until the sectors' streets cover them.",
    ),
    "directory.line": ("Ligne", "Line"),
    "directory.row": ("Contenu", "Content"),
    "directory.reason": ("Raison", "Reason"),
    "directory.more_rows": ("Lignes non affichées : {count}.", "Rows not shown: {count}."),
    "directory.confirm": ("Appliquer cet import", "Apply this import"),
    "directory.confirm_hint": (
        "L'import est appliqué d'un seul coup, de nouveau comparé à l'état actuel.",
        "The import is applied all at once, compared again with the current state.",
    ),
    "directory.applied_at": ("Appliqué le {when}.", "Applied on {when}."),
    "directory.exclusions": ("Numéros exclus", "Excluded numbers"),
    "directory.exclusions_hint": (
        "Le numéro d'un résident qui a supprimé son compte n'est plus inscrit par l'annuaire. "
        "Levez l'exclusion si le résident le demande.",
        "The number of a resident who deleted their account is no longer enrolled by the "
        "directory. Lift the exclusion if the resident asks.",
    ),
    "directory.number": ("Numéro de téléphone", "Phone number"),
    "directory.lift": ("Lever l'exclusion", "Lift the exclusion"),
    "directory.lifted": (
        "Exclusion levée pour {number} : le prochain import pourra l'inscrire.",
        "Exclusion lifted for {number}: the next import may enroll it.",
    ),
    "directory.not_excluded": ("Ce numéro n'est pas exclu.", "This number is not excluded."),
}
