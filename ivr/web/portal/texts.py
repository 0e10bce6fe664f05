"""Interface text of the residents' pages, Canadian French first, English second."""

from __future__ import annotations

from ivr.web.i18n import Catalogue

TEXT: Catalogue = {
    "app.name": ("Information ITUM", "Information ITUM"),
    "app.tagline": ("Alertes d'urgence de Uashat mak Mani-utenam",
                    "Emergency alerts of Uashat mak Mani-utenam"),
    "lang.switch": ("English", "Français"),
    "prefs.title": ("Vos alertes par courriel", "Your email alerts"),
    "prefs.address": ("Adresse : {address}", "Address: {address}"),
    "prefs.legend": ("Que voulez-vous recevoir à cette adresse ?",
                     "What do you want to receive at this address?"),
    "prefs.all": ("Toutes les alertes : les urgences et les exercices",
                  "All alerts: emergencies and exercises"),
    "prefs.emergencies": ("Seulement les alertes d'urgence (pas d'exercices)",
                          "Emergency alerts only (no exercises)"),
    "prefs.none": ("Aucune alerte par courriel, même en cas d'urgence",
                   "No alerts by email, not even emergencies"),
    "prefs.none_hint": (
        "Déconseillé : en cas d'évacuation ou d'avis sur l'eau, vous ne seriez pas "
        "averti par courriel. Les appels et les textos que vous avez choisis continuent.",
        "Not recommended: you would not be warned by email of an evacuation or a water "
        "advisory. The calls and text messages you chose continue.",
    ),
    "prefs.save": ("Enregistrer", "Save"),
    "prefs.saved": ("Vos choix sont enregistrés.", "Your choices are saved."),
    "prefs.one_click": (
        "C'est noté : vous ne recevrez plus les exercices par courriel. Les alertes "
        "d'urgence continuent d'arriver; vous pouvez les arrêter sur cette page.",
        "Done: you will no longer receive exercises by email. Emergency alerts keep "
        "coming; you can turn them off on this page.",
    ),
    "prefs.invalid_address": (
        "Des courriels envoyés à cette adresse ont été refusés : elle ne reçoit plus "
        "d'alertes. Pour la corriger, appelez le 418 962-0327.",
        "Emails sent to this address were refused: it no longer receives alerts. To "
        "correct it, call 418 962-0327.",
    ),
    "prefs.other": (
        "Pour changer d'adresse, de secteur ou de numéro de téléphone, appelez le "
        "418 962-0327.",
        "To change your address, area or phone number, call 418 962-0327.",
    ),
    "link.invalid.title": ("Lien non valide", "Invalid link"),
    "link.invalid": (
        "Ce lien n'est pas valide ou cette adresse n'est plus inscrite. Pour de l'aide, "
        "appelez le 418 962-0327.",
        "This link is not valid or this address is no longer registered. For help, call "
        "418 962-0327.",
    ),
    "choice.invalid": ("Choisissez une des options.", "Choose one of the options."),
}  # fmt: skip
