"""French labels of the auditor's pages: record types, event types, durations, Paris times."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from web import labels, outreach_labels
from web.field_labels import field_label, field_value

PARIS = ZoneInfo("Europe/Paris")

AGGREGATE_TYPE_LABELS = {
    "Candidate": "Demandeur d'emploi",
    "Offer": "Offre",
    "Outreach": "Prise de contact",
    "TrainingSession": "Session de formation",
    "Account": "Compte",
    "AiOversight": "Interrupteur de l'IA",
    "AuditAccess": "Consultation d'audit",
    "ExplanationLetter": "Lettre d'explication",
    "LogExport": "Export du journal",
    "RetentionRun": "Passage de conservation",
}

EVENT_LABELS = {
    "Candidate.Registered": "Inscription",
    "Candidate.ProfileChanged": "Profil modifié",
    "Candidate.ConsentGiven": "Consentement SMS donné",
    "Candidate.ConsentWithdrawn": "Consentement SMS retiré",
    "Candidate.PersonalDataErased": "Données personnelles effacées",
    "Candidate.OptedOut": "Désinscription des SMS (STOP)",
    "Offer.Published": "Offre publiée",
    "Offer.Changed": "Offre modifiée",
    "Offer.Closed": "Offre clôturée",
    "Offer.MatchRequested": "Présélection demandée",
    "Offer.MatchSuggested": "Suggestion de l'IA",
    "Offer.SuggestionAccepted": "Suggestion acceptée",
    "Offer.SuggestionRejected": "Suggestion rejetée",
    "Offer.CandidateAddedManually": "Ajout à la main",
    "Account.Opened": "Compte ouvert",
    "Account.RoleAssigned": "Rôle attribué",
    "Account.PasswordChanged": "Mot de passe changé",
    "AiOversight.Installed": "Interrupteur installé",
    "AiOversight.SwitchedOn": "IA activée",
    "AiOversight.SwitchedOff": "IA désactivée",
    "AuditAccess.PageOpened": "Page d'audit consultée",
    "Outreach.Created": "Prise de contact créée",
    "Outreach.Approved": "Prise de contact approuvée",
    "Outreach.ReplyReceived": "Réponse SMS reçue",
    "Outreach.ReplyInterpreted": "Lecture de la réponse par l'IA",
    "Outreach.ReadingCorrected": "Lecture corrigée par le conseiller",
    "Outreach.HandedToAdvisor": "Remise au conseiller",
    "Outreach.Concluded": "Issue décidée",
    "Outreach.ConversationMoved": "État de la conversation changé",
    "Outreach.DeliveryStatusChanged": "État de remise du SMS",
    "Outreach.FollowUpScheduled": "Relance programmée",
    "Outreach.MessageAnswered": "Réponse de l'opérateur SMS à un envoi",
    "Outreach.MessageAttempted": "Envoi du SMS tenté",
    "Outreach.MessageFailed": "Envoi du SMS échoué",
    "Outreach.MessageReattempted": "Envoi du SMS retenté",
    "TrainingSession.Scheduled": "Session programmée",
    "ExplanationLetter.Produced": "Lettre d'explication produite",
    "LogExport.Made": "Export du journal",
    "RetentionRun.Completed": "Passage de conservation terminé",
}


def aggregate_type_label(code: str) -> str:
    return AGGREGATE_TYPE_LABELS.get(code, code)


def event_label(code: str) -> str:
    return EVENT_LABELS.get(code, code.split(".", 1)[-1])


def paris_time(moment: datetime | str) -> str:
    """An instant as a Paris wall-clock time, to the second: 30/11/2026 10:00:05."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


def duration(seconds: float) -> str:
    """3.2 -> '3 s'; 125 -> '2 min 5 s'; 7300 -> '2 h 1 min'."""
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


#: Which closed list a decision's reason code comes from, by event type.
REASON_LABELS = {
    "Offer.SuggestionRejected": labels.REJECTION_REASON_LABELS,
    "Offer.SuggestionAccepted": labels.ACCEPTANCE_REASON_LABELS,
    "Offer.CandidateAddedManually": labels.MANUAL_ADDITION_REASON_LABELS,
    "Offer.Closed": labels.CLOSING_REASON_LABELS,
    "Candidate.ConsentWithdrawn": labels.CONSENT_WITHDRAWAL_LABELS,
    "AiOversight.SwitchedOn": labels.AI_SWITCH_REASON_LABELS,
    "AiOversight.SwitchedOff": labels.AI_SWITCH_REASON_LABELS,
    "Outreach.Concluded": outreach_labels.DISCARD_REASON_LABELS,
}


def reason_label(event_type: str, code: str) -> str:
    """'Mobilité (mobilite)': the French label and the stored code, which the auditor may need to quote."""
    label = REASON_LABELS.get(event_type, {}).get(code)
    return f"{label} ({code})" if label and label != code else code


HELPERS = {
    "aggregate_type_label": aggregate_type_label,
    "event_label": event_label,
    "paris_time": paris_time,
    "duration": duration,
    "reason_label": reason_label,
    "field_label": field_label,
    "field_value": field_value,
}
