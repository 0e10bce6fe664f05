"""Interface text of the staff pages, Canadian French first, English second."""

from __future__ import annotations

from ivr.web.admin.texts_alerts import ALERTS_TEXT
from ivr.web.admin.texts_directory import DIRECTORY_TEXT
from ivr.web.admin.texts_residents import RESIDENTS_TEXT
from ivr.web.admin.texts_sectors import SECTORS_TEXT
from ivr.web.admin.texts_totp import TOTP_TEXT
from ivr.web.i18n import LANGUAGES, Catalogue

_BASE: Catalogue = {
    "app.name": ("Information ITUM", "Information ITUM"),
    "app.tagline": ("Alertes d'urgence — administration", "Emergency alerts — administration"),
    "lang.switch": ("English", "Français"),
    "nav.dashboard": ("Tableau de bord", "Dashboard"),
    "nav.staff": ("Personnel", "Staff"),
    "nav.password": ("Mot de passe", "Password"),
    "nav.logout": ("Se déconnecter", "Sign out"),
    "role.admin": ("Administration", "Administrator"),
    "role.approver": ("Approbation", "Approver"),
    "role.operator": ("Rédaction", "Operator"),
    "role.viewer": ("Consultation", "Viewer"),
    "login.title": ("Connexion du personnel", "Staff sign-in"),
    "login.email": ("Courriel", "Email"),
    "login.password": ("Mot de passe", "Password"),
    "login.submit": ("Se connecter", "Sign in"),
    "login.failed": ("Courriel ou mot de passe incorrect.", "Wrong email or password."),
    "login.throttled": (
        "Trop de tentatives. Réessayez dans quelques minutes.",
        "Too many attempts. Try again in a few minutes.",
    ),
    "login.logged_out": ("Vous êtes déconnecté.", "You are signed out."),
    "login.expired": (
        "Votre session a expiré. Veuillez vous reconnecter.",
        "Your session has expired. Please sign in again.",
    ),
    "dashboard.title": ("Tableau de bord", "Dashboard"),
    "dashboard.hello": ("Bonjour, {name}.", "Hello, {name}."),
    "dashboard.role": ("Votre rôle : {role}.", "Your role: {role}."),
    "dashboard.session": (
        "Votre session prend fin au plus tard le {when}.",
        "Your session ends at the latest on {when}.",
    ),
    "dashboard.system": ("État du système", "System status"),
    "dashboard.database": ("Base de données", "Database"),
    "dashboard.database_ok": ("en service", "up"),
    "dashboard.schema": ("Version du schéma", "Schema version"),
    "dashboard.sessions": ("Sessions du personnel actives", "Active staff sessions"),
    "dashboard.staff": ("Personnel actif ({count})", "Active staff ({count})"),
    "dashboard.manage_staff": ("Gérer le personnel", "Manage staff"),
    "dashboard.audit_all": ("Journal d'audit récent", "Recent audit log"),
    "dashboard.audit_mine": ("Vos actions récentes", "Your recent actions"),
    "audit.when": ("Date", "When"),
    "audit.who": ("Personne", "Who"),
    "audit.action": ("Action", "Action"),
    "audit.subject": ("Objet", "Subject"),
    "audit.address": ("Adresse", "Address"),
    "audit.empty": ("Aucune entrée pour l'instant.", "No entries yet."),
    "audit.system": ("(système)", "(system)"),
    "action.login.succeeded": ("Connexion", "Sign-in"),
    "action.login.failed": ("Connexion refusée", "Sign-in refused"),
    "action.login.throttled": ("Connexion bloquée (trop d'essais)", "Sign-in blocked (too many)"),
    "action.logout": ("Déconnexion", "Sign-out"),
    "action.staff.created": ("Compte créé", "Account created"),
    "action.staff.disabled": ("Compte désactivé", "Account disabled"),
    "action.password.changed": ("Mot de passe changé", "Password changed"),
    "action.password.change_refused": (
        "Changement de mot de passe refusé",
        "Password change refused",
    ),
    "action.personal_data.read": (
        "Consultation de renseignements personnels",
        "Personal data viewed",
    ),
    "staff.title": ("Personnel", "Staff"),
    "staff.name": ("Nom", "Name"),
    "staff.email": ("Courriel", "Email"),
    "staff.role": ("Rôle", "Role"),
    "staff.status": ("État", "Status"),
    "staff.active": ("actif", "active"),
    "staff.disabled": ("désactivé", "disabled"),
    "staff.created_at": ("Créé le", "Created"),
    "staff.last_login": ("Dernière connexion", "Last sign-in"),
    "staff.never": ("jamais", "never"),
    "staff.you": ("vous", "you"),
    "staff.disable": ("Désactiver", "Disable"),
    "staff.disabled_done": ("Le compte de {name} est désactivé.", "{name}'s account is disabled."),
    "staff.create": ("Ajouter un membre du personnel", "Add a staff member"),
    "staff.create_submit": ("Créer le compte", "Create account"),
    "staff.created": ("Compte créé pour {name}.", "Account created for {name}."),
    "staff.password_once": (
        "Mot de passe initial (affiché une seule fois — transmettez-le de façon sûre) :",
        "Initial password (shown only once — hand it over safely):",
    ),
    "password.title": ("Changer mon mot de passe", "Change my password"),
    "password.current": ("Mot de passe actuel", "Current password"),
    "password.new": ("Nouveau mot de passe", "New password"),
    "password.confirm": ("Confirmer le nouveau mot de passe", "Confirm the new password"),
    "password.hint": (
        "Au moins 8 caractères. Une phrase de passe est idéale; le collage est permis.",
        "At least 8 characters. A passphrase is ideal; pasting is allowed.",
    ),
    "password.submit": ("Changer le mot de passe", "Change password"),
    "password.wrong_current": (
        "Le mot de passe actuel est incorrect.",
        "The current password is wrong.",
    ),
    "password.mismatch": (
        "Les deux nouveaux mots de passe ne sont pas identiques.",
        "The two new passwords do not match.",
    ),
    "password.changed": (
        "Mot de passe changé. Vos autres sessions ont été fermées.",
        "Password changed. Your other sessions have been ended.",
    ),
    "error.title": ("Erreur", "Error"),
    "error.csrf": (
        "Cette page a expiré ou la demande ne vient pas de ce site. Rechargez la page "
        "et recommencez.",
        "This page has expired or the request did not come from this site. Reload the page "
        "and try again.",
    ),
    "error.forbidden": (
        "Votre rôle ne permet pas d'ouvrir cette page ni de faire cette action.",
        "Your role does not allow this page or this action.",
    ),
    "error.back": ("Retour", "Back"),
}

TEXT: Catalogue = {
    **_BASE,
    **ALERTS_TEXT,
    **SECTORS_TEXT,
    **DIRECTORY_TEXT,
    **RESIDENTS_TEXT,
    **TOTP_TEXT,
}


def action_label(language: str, action: str) -> str:
    """A readable name for an audit action; the action code itself when there is none."""
    texts = TEXT.get("action." + action)
    return texts[LANGUAGES.index(language)] if texts else action
