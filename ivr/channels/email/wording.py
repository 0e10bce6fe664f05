"""What alert emails say around the alert's own text, per language (the templates in
``templates/`` are shared): French first, English second; Innu-aimun alerts are
recorded audio, so their emails are in French."""

from __future__ import annotations

CATEGORY_LABELS = {
    "fr": {
        "evacuation": "Évacuation", "air_quality": "Qualité de l'air",
        "boil_water": "Avis d'ébullition de l'eau",
        "boil_water_lifted": "Fin de l'avis d'ébullition",
        "all_clear": "Fin de l'alerte", "exercise": "Exercice", "other": "Avis",
    },
    "en": {
        "evacuation": "Evacuation", "air_quality": "Air quality",
        "boil_water": "Boil-water advisory",
        "boil_water_lifted": "Boil-water advisory lifted",
        "all_clear": "All clear", "exercise": "Exercise", "other": "Notice",
    },
}  # fmt: skip

FRAMES = {
    "fr": {
        "lang": "fr-CA",
        "colon": " :",
        "exercise": "EXERCICE : aucune action n'est requise.",
        "service": "Information ITUM, le service d'alerte de Uashat mak Mani-utenam.",
        "questions": "Questions :",
        "why_everyone": "Vous recevez ce courriel parce que votre adresse est inscrite "
        "aux alertes de toute la communauté.",
        "why_sectors": "Vous recevez ce courriel parce que votre adresse est inscrite "
        "aux alertes touchant :",
        "change": "Changer mes choix d'alertes par courriel (par exemple, ne plus recevoir "
        "les exercices)",
        "emergencies": "Les alertes d'urgence continuent d'arriver par courriel tant que "
        "vous ne les arrêtez pas sur cette page.",
    },
    "en": {
        "lang": "en-CA",
        "colon": ":",
        "exercise": "EXERCISE: no action is needed.",
        "service": "Information ITUM, the alert service of Uashat mak Mani-utenam.",
        "questions": "Questions:",
        "why_everyone": "You receive this email because your address is registered for "
        "alerts to the whole community.",
        "why_sectors": "You receive this email because your address is registered for "
        "alerts about:",
        "change": "Change my email alert choices (for example, stop exercises)",
        "emergencies": "Emergency alerts keep coming by email unless you turn them off on "
        "that page.",
    },
}
