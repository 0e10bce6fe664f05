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
    "welcome.title": ("Votre compte Information ITUM", "Your Information ITUM account"),
    "welcome.intro": (
        "Avec un compte, vous pourrez vérifier et corriger comment vous recevez les "
        "alertes.",
        "With an account, you will be able to check and correct how you receive alerts.",
    ),
    "welcome.sign_in": ("Se connecter", "Sign in"),
    "welcome.sign_up": ("Créer un compte", "Create an account"),
    "welcome.forgot": ("Mot de passe oublié", "Forgot password"),
    "field.phone": ("Numéro de téléphone", "Phone number"),
    "field.phone_hint": ("10 chiffres, par exemple 418 962-0327.",
                         "10 digits, for example 418 962-0327."),
    "field.password": ("Mot de passe", "Password"),
    "sign_in.submit": ("Se connecter", "Sign in"),
    "sign_in.failed": ("Numéro ou mot de passe incorrect.", "Wrong number or password."),
    "sign_in.throttled": ("Trop d'essais. Réessayez dans 15 minutes.",
                          "Too many attempts. Try again in 15 minutes."),
    "sign_in.signed_out": ("Vous êtes déconnecté.", "You are signed out."),
    "sign_in.password_changed": (
        "Votre mot de passe est changé. Connectez-vous avec le nouveau.",
        "Your password is changed. Sign in with the new one.",
    ),
    "sign_up.intro": (
        "Nous vous envoyons un code pour vérifier que ce numéro est bien le vôtre.",
        "We send you a code to check that this number is yours.",
    ),
    "sign_up.channel": ("Comment recevoir le code ?", "How do you want the code?"),
    "sign_up.sms": ("Par texto (cellulaire)", "By text message (cell phone)"),
    "sign_up.voice": ("Par appel téléphonique (ligne fixe)", "By phone call (landline)"),
    "sign_up.submit": ("Recevoir un code", "Get a code"),
    "code.voice_unavailable": (
        "L'envoi du code par appel n'est pas encore offert. Choisissez le texto, ou "
        "appelez le 418 962-0327.",
        "Sending the code by phone call is not available yet. Choose a text message, or "
        "call 418 962-0327.",
    ),
    "codes.unavailable": ("Les comptes ne sont pas encore offerts.",
                          "Accounts are not available yet."),
    "forgot.intro": (
        "Entrez le numéro de votre compte : nous lui envoyons un code par texto pour "
        "choisir un nouveau mot de passe.",
        "Enter your account's number: we send it a code by text message to choose a new "
        "password.",
    ),
    "forgot.submit": ("Recevoir un code", "Get a code"),
    "code.title": ("Entrez le code", "Enter the code"),
    "code.sent_sign_up": ("Un code de 6 chiffres a été envoyé au {phone}.",
                          "A 6-digit code was sent to {phone}."),
    "code.sent_reset": (
        "Si le {phone} a un compte, un code de 6 chiffres vient de lui être envoyé par "
        "texto (au plus 3 codes par heure).",
        "If {phone} has an account, a 6-digit code was just sent to it by text message "
        "(at most 3 codes an hour).",
    ),
    "code.label": ("Code à 6 chiffres", "6-digit code"),
    "code.hint": ("Le code expire 10 minutes après l'envoi.",
                  "The code expires 10 minutes after it was sent."),
    "code.submit": ("Vérifier", "Check"),
    "code.refused": (
        "Ce code n'est pas bon ou n'est plus valide. Vérifiez-le, ou demandez un nouveau "
        "code.",
        "This code is wrong or no longer valid. Check it, or ask for a new code.",
    ),
    "code.again": ("Demander un nouveau code", "Ask for a new code"),
    "password.title": ("Choisissez votre mot de passe", "Choose your password"),
    "password.for": ("Pour le {phone}.", "For {phone}."),
    "password.existing": (
        "Ce numéro a déjà un compte : ce mot de passe remplacera l'ancien, puis vous "
        "vous connecterez.",
        "This number already has an account: this password will replace the old one, "
        "then you will sign in.",
    ),
    "password.hint": (
        "Au moins 8 caractères. Une phrase de quelques mots est facile à retenir.",
        "At least 8 characters. A sentence of a few words is easy to remember.",
    ),
    "password.submit": ("Enregistrer le mot de passe", "Save the password"),
    "account.title": ("Mon compte", "My account"),
    "account.phone": ("Numéro : {phone}", "Number: {phone}"),
    "account.later": (
        "Bientôt, vous pourrez ici vérifier et corriger vos coordonnées. D'ici là, "
        "appelez le 418 962-0327.",
        "Soon you will be able to check and correct your contact details here. Until "
        "then, call 418 962-0327.",
    ),
    "account.sign_out": ("Se déconnecter", "Sign out"),
}  # fmt: skip
