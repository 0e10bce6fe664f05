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
    "account.contacts": ("Mes coordonnées", "My contact details"),
    "account.contacts_hint": (
        "Votre adresse, vos numéros, vos courriels et comment vous voulez être averti.",
        "Your address, numbers, emails and how you want to be warned.",
    ),
    "account.my_data": ("Mes données", "My data"),
    "account.my_data_hint": (
        "Les alertes reçues, l'historique des changements, télécharger ou supprimer.",
        "Alerts received, the history of changes, download or delete.",
    ),
    "account.sign_out": ("Se déconnecter", "Sign out"),
    "nav.account": ("Mon compte", "My account"),
    "account.change_password": ("Changer mon mot de passe", "Change my password"),
    "change.title": ("Changer mon mot de passe", "Change my password"),
    "change.intro": (
        "Après le changement, vous vous connecterez de nouveau, partout, et un texto "
        "vous en avertira.",
        "After the change you will sign in again, everywhere, and a text message will "
        "tell you.",
    ),
    "change.current": ("Mot de passe actuel", "Current password"),
    "change.new": ("Nouveau mot de passe", "New password"),
    "form.errors": ("Corrigez ces points :", "Please correct:"),
    "form.saved": (
        "Vos coordonnées sont enregistrées. Elles serviront dès la prochaine alerte.",
        "Your details are saved. They will be used from the next alert.",
    ),
    "form.new": (
        "Remplissez ce formulaire pour recevoir les alertes de votre secteur.",
        "Fill in this form to receive the alerts of your area.",
    ),
    "form.you": ("Vous", "You"),
    "form.name": ("Votre nom", "Your name"),
    "form.language": ("Langue des messages", "Language of messages"),
    "lang.fr": ("Français", "French"),
    "lang.en": ("Anglais", "English"),
    "lang.innu": ("Innu-aimun (messages vocaux)", "Innu-aimun (voice messages)"),
    "form.address": ("Votre adresse", "Your address"),
    "form.street": ("Rue", "Street"),
    "form.street_choose": ("Choisissez votre rue", "Choose your street"),
    "form.civic_number": ("Numéro civique", "Civic number"),
    "form.civic_hint": ("Par exemple 12 ou 12A.", "For example 12 or 12A."),
    "form.unit": ("Appartement ou unité (facultatif)", "Apartment or unit (optional)"),
    "form.sector": ("Votre secteur : {sector}", "Your area: {sector}"),
    "form.no_sector": (
        "Cette adresse n'est dans aucun secteur connu : vous recevrez seulement les "
        "alertes pour toute la communauté. Vérifiez le numéro, ou appelez le 418 962-0327.",
        "This address is in no known area: you will receive only the alerts for the "
        "whole community. Check the number, or call 418 962-0327.",
    ),
    "form.street_missing": (
        "Votre rue n'est pas dans la liste ? Appelez le 418 962-0327.",
        "Your street is not in the list? Call 418 962-0327.",
    ),
    "form.household": ("Les autres personnes de votre maison", "The other people in your home"),
    "form.household_hint": (
        "Pour savoir qui habite à cette adresse en cas d'évacuation. Videz un nom pour le "
        "retirer.",
        "To know who lives at this address in an evacuation. Empty a name to remove it.",
    ),
    "form.member_name": ("Nom de la personne {n}", "Name of person {n}"),
    "form.member_language": ("Langue de la personne {n}", "Language of person {n}"),
    "form.phones": ("Vos téléphones", "Your phones"),
    "form.phones_hint": (
        "Cochez comment joindre chaque numéro. Videz un numéro pour le retirer.",
        "Tick how to reach each number. Empty a number to remove it.",
    ),
    "form.own_phone": ("Numéro du compte : {phone}", "Account number: {phone}"),
    "form.phone_number": ("Numéro {n}", "Number {n}"),
    "form.phone_use": ("Type de téléphone", "Kind of phone"),
    "use.mobile": ("Cellulaire", "Cell phone"),
    "use.landline": ("Fixe (maison)", "Landline (home)"),
    "use.work": ("Travail", "Work"),
    "form.by_voice": ("Appel", "Call"),
    "form.by_sms": ("Texto", "Text message"),
    "form.emails": ("Vos courriels", "Your email addresses"),
    "form.email_remove": ("Retirer {email}", "Remove {email}"),
    "form.email_waiting": (
        "{email} : en attente de confirmation. Ouvrez le lien que nous vous avons envoyé.",
        "{email}: waiting for confirmation. Open the link we sent you.",
    ),
    "form.email_failed": (
        "{email} : le message de confirmation n'a pas pu être envoyé. Vérifiez l'adresse.",
        "{email}: the confirmation message could not be sent. Check the address.",
    ),
    "form.email_new": ("Ajouter un courriel", "Add an email address"),
    "form.email_hint": (
        "Nous y envoyons un lien : l'adresse sert aux alertes une fois le lien ouvert.",
        "We send it a link: the address is used for alerts once the link is opened.",
    ),
    "form.order": ("Comment préférez-vous être averti ?", "How do you prefer to be warned?"),
    "form.order_hint": (
        "Pour les alertes urgentes, nous utilisons tous les moyens cochés plus haut. Pour "
        "les autres avis, seulement votre premier choix.",
        "For urgent alerts we use every way ticked above. For other notices, only your "
        "first choice.",
    ),
    "form.order_n": ("Choix {n}", "Choice {n}"),
    "form.order_none": ("(aucun)", "(none)"),
    "channel.voice": ("Appel", "Call"),
    "channel.sms": ("Texto", "Text message"),
    "channel.email": ("Courriel", "Email"),
    "form.consents": ("Votre consentement", "Your consent"),
    "consent.emergency_alerts": (
        "J'accepte de recevoir les alertes d'urgence (évacuation, qualité de l'air, eau).",
        "I agree to receive emergency alerts (evacuation, air quality, water).",
    ),
    "consent.emergency_hint": (
        "Sans cette case, vous ne recevrez aucune alerte d'urgence.",
        "Without this box, you will receive no emergency alerts.",
    ),
    "consent.exercise_alerts": (
        "J'accepte de recevoir les exercices d'alerte.",
        "I agree to receive alert exercises.",
    ),
    "consent.optional_notices": (
        "J'accepte de recevoir d'autres avis de la communauté (facultatif).",
        "I agree to receive other community notices (optional).",
    ),
    "privacy.title": ("Vos renseignements personnels", "Your personal information"),
    "privacy.text": (
        "Ces renseignements servent seulement à vous avertir en cas d'urgence. Ils sont "
        "confidentiels : seuls les employés responsables des alertes y ont accès, et "
        "chaque consultation est enregistrée. Vous pouvez les consulter, les télécharger "
        "ou les supprimer dans « Mes données ». Questions : Information ITUM, "
        "418 962-0327.",
        "This information is used only to warn you in an emergency. It is confidential: "
        "only the staff in charge of alerts can see it, and every look is recorded. You "
        "can see, download or delete it in \"My data\". Questions: Information ITUM, "
        "418 962-0327.",
    ),
    "form.save": ("Enregistrer", "Save"),
    "data.title": ("Mes données", "My data"),
    "data.received": ("Les alertes reçues", "Alerts received"),
    "data.none_received": ("Aucune alerte ne vous a encore été envoyée.",
                           "No alert was sent to you yet."),
    "data.alert": ("Alerte", "Alert"),
    "data.when": ("Date", "Date"),
    "data.channel": ("Moyen", "Way"),
    "data.to": ("À", "To"),
    "data.outcome": ("Résultat", "Result"),
    "data.history": ("L'historique des changements", "History of changes"),
    "data.no_history": ("Aucun changement enregistré.", "No change recorded."),
    "data.by_you": ("par vous", "by you"),
    "data.by_staff": ("par le personnel", "by staff"),
    "data.download": ("Télécharger toutes mes données (JSON)", "Download all my data (JSON)"),
    "data.delete": ("Supprimer mon compte", "Delete my account"),
    "data.delete_text": (
        "Vos coordonnées, les personnes de votre maison et l'historique seront effacés, et "
        "vous ne recevrez plus d'alertes. Un numéro inscrit à l'annuaire ne sera pas "
        "réinscrit automatiquement.",
        "Your details, the people of your home and the history will be erased, and you "
        "will no longer receive alerts. A number listed in the directory will not be "
        "enrolled again automatically.",
    ),
    "data.delete_confirm": ("Je comprends : supprimer mon compte et mes données.",
                            "I understand: delete my account and my data."),
    "data.delete_password": ("Votre mot de passe, pour confirmer", "Your password, to confirm"),
    "delete.confirm_needed": ("Cochez la case pour confirmer.", "Tick the box to confirm."),
    "delete.wrong_password": ("Mot de passe incorrect.", "Wrong password."),
    "welcome.deleted": (
        "Votre compte et vos données sont supprimés.",
        "Your account and your data are deleted.",
    ),
    "field.name": ("Nom", "Name"),
    "field.language": ("Langue", "Language"),
    "field.address": ("Adresse", "Address"),
    "field.sector": ("Secteur", "Area"),
    "field.household": ("Maison", "Household"),
    "field.phones": ("Téléphones", "Phones"),
    "field.emails": ("Courriels", "Emails"),
    "field.channel_order": ("Ordre des moyens", "Order of ways"),
    "field.consents": ("Consentements", "Consents"),
    "outcome.confirmed": ("Confirmé", "Confirmed"),
    "outcome.listened": ("Écouté", "Listened"),
    "outcome.hung_up_during_message": ("Raccroché pendant le message", "Hung up during message"),
    "outcome.voicemail_complete": ("Laissé sur le répondeur", "Left on voicemail"),
    "outcome.voicemail_partial": ("Répondeur (en partie)", "Voicemail (in part)"),
    "outcome.busy": ("Occupé", "Busy"),
    "outcome.no_answer": ("Pas de réponse", "No answer"),
    "outcome.congestion": ("Réseau occupé", "Network busy"),
    "outcome.not_in_service": ("Numéro hors service", "Number not in service"),
    "outcome.rejected": ("Refusé", "Rejected"),
    "outcome.failed": ("Échec", "Failed"),
    "outcome.accepted": ("Envoyé", "Sent"),
    "outcome.delivered": ("Reçu", "Delivered"),
    "outcome.undeliverable": ("Non livrable", "Undeliverable"),
    "outcome.expired": ("Expiré", "Expired"),
    "outcome.channel_unavailable": ("Moyen indisponible", "Way unavailable"),
    "outcome.pending": ("En attente", "Pending"),
    "outcome.in_progress": ("En cours", "In progress"),
    "outcome.cancelled": ("Annulé", "Cancelled"),
    "outcome.done": ("Terminé", "Done"),
    "verify.title": ("Confirmer votre courriel", "Confirm your email"),
    "verify.text": ("Recevoir les alertes d'Information ITUM à {address} ?",
                    "Receive Information ITUM alerts at {address}?"),
    "verify.submit": ("Confirmer", "Confirm"),
    "verify.done": ("C'est fait : {address} recevra les alertes que vous avez choisies.",
                    "Done: {address} will receive the alerts you chose."),
    "verify.failed": (
        "Ce lien a déjà servi ou n'est plus valide. Ajoutez l'adresse de nouveau dans "
        "« Mes coordonnées ».",
        "This link was already used or is no longer valid. Add the address again in \"My "
        "contact details\".",
    ),
}  # fmt: skip
