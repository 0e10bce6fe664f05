"""Interface text of the one-time code pages, Canadian French first, English second."""

from __future__ import annotations

from ivr.web.i18n import Catalogue

TOTP_TEXT: Catalogue = {
    "nav.totp": ("Vérification en deux étapes", "Two-step sign-in"),
    "totp.title": ("Vérification en deux étapes", "Two-step sign-in"),
    "totp.intro": (
        "En plus du mot de passe, la connexion demande un code à 6 chiffres donné par une "
        "application d'authentification sur votre téléphone (par exemple FreeOTP, Aegis, "
        "Google Authenticator ou Microsoft Authenticator).",
        "Besides the password, signing in asks for a 6-digit code from an authenticator "
        "app on your phone (for example FreeOTP, Aegis, Google Authenticator or Microsoft "
        "Authenticator).",
    ),
    "totp.required": (
        "Votre rôle exige la vérification en deux étapes : activez-la pour continuer.",
        "Your role requires two-step sign-in: turn it on to continue.",
    ),
    "totp.active_since": ("Activée depuis le {when}.", "On since {when}."),
    "totp.enrol_title": ("Activer", "Turn on"),
    "totp.step_key": (
        "Dans l'application, ajoutez un compte avec cette clé (saisie manuelle, "
        "basée sur le temps) :",
        "In the app, add an account with this key (manual entry, time-based):",
    ),
    "totp.step_uri": (
        "ou, si l'application accepte une adresse, avec celle-ci :",
        "or, if the app takes an address, with this one:",
    ),
    "totp.step_confirm": (
        "Puis tapez le code que l'application affiche, et votre mot de passe.",
        "Then type the code the app shows, and your password.",
    ),
    "totp.code": ("Code à 6 chiffres", "6-digit code"),
    "totp.code_hint": (
        "Le code change toutes les 30 secondes; chaque code ne sert qu'une fois.",
        "The code changes every 30 seconds; each code works only once.",
    ),
    "totp.password": ("Mot de passe", "Password"),
    "totp.enrol_submit": ("Activer la vérification", "Turn on two-step sign-in"),
    "totp.enrolled": (
        "La vérification en deux étapes est activée. Vos autres sessions ont été fermées.",
        "Two-step sign-in is on. Your other sessions have been ended.",
    ),
    "totp.remove_title": ("Désactiver", "Turn off"),
    "totp.remove_hint": (
        "Par exemple avant de changer de téléphone : vous pourrez l'activer de nouveau.",
        "For example before changing phones: you can turn it on again.",
    ),
    "totp.remove_submit": ("Désactiver la vérification", "Turn off two-step sign-in"),
    "totp.removed": (
        "La vérification en deux étapes est désactivée. Vos autres sessions ont été fermées.",
        "Two-step sign-in is off. Your other sessions have been ended.",
    ),
    "totp.wrong_password": ("Le mot de passe est incorrect.", "The password is wrong."),
    "totp.unavailable": (
        "La vérification en deux étapes demande une clé secrète fixe (IVR_SECRET_KEY) : "
        "demandez à l'administration du serveur de la définir.",
        "Two-step sign-in needs a fixed secret key (IVR_SECRET_KEY): ask whoever runs "
        "the server to set it.",
    ),
    "totp.code_title": ("Code de vérification", "Verification code"),
    "totp.code_submit": ("Valider", "Verify"),
    "totp.wrong_code": (
        "Ce code n'est pas accepté. Attendez le prochain code et réessayez.",
        "This code is not accepted. Wait for the next code and try again.",
    ),
    "totp.start_over": ("Recommencer la connexion", "Start signing in again"),
    "action.login.code_failed": ("Code de connexion refusé", "Sign-in code refused"),
    "action.totp.enrolled": ("Deux étapes activées", "Two-step sign-in on"),
    "action.totp.enrol_failed": ("Activation des deux étapes refusée", "Two-step set-up refused"),
    "action.totp.removed": ("Deux étapes désactivées", "Two-step sign-in off"),
    "action.totp.remove_refused": (
        "Désactivation des deux étapes refusée",
        "Two-step removal refused",
    ),
}
