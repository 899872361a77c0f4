"""Interface strings: French when the browser asks for French, English otherwise."""

from fastapi import Request

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Ask the articles",
        "placeholder": "Ask a question about the articles…",
        "ask": "Ask",
        "asking": "Searching…",
        "since": "From",
        "until": "Until",
        "source": "Source",
        "filters": "Filters",
        "confidence": "confidence",
        "sources": "Sources",
        "closest": "Closest passages",
        "closest_sentence": "The closest passage, which may not answer:",
        "passage_one": "%d matching passage",
        "passage_many": "%d matching passages",
        "quoted_here": "quoted above",
        "conversation": "Conversation",
        "new_chat": "New conversation",
        "gone": "This conversation is no longer kept (conversations unused for a while are "
        "deleted). Ask a new question below.",
        "skip": "Skip to the question",
        "question_label": "Your question",
        "index": "The index",
        "articles_total": "articles",
        "by_language": "By language",
        "by_month": "Articles by month",
        "by_year": "Articles by year",
        "last_update": "Last update",
        "generation": "generation",
        "no_index": "No index yet.",
        "undated_count": "without a month",
        "updating": "Updates",
        "no_update": "No update running.",
        "token_needed": "Type the token to follow updates.",
        "texts": "texts",
        "left": "left",
        "chart_label": "Articles per period, stacked by language",
        "read": "Read in the article",
        "read_label": "Read in the article: %s",
        "not_found": "Not found",
        "empty": "Ask a question: the answer is a sentence quoted from the articles, "
        "or an honest “not found”.",
        "articles": "Articles",
        "admin": "Admin",
        "undated": "undated",
        "quote_language": "Quoted in",
        "error": "Something went wrong",
        "back": "Back to the chat",
        "also_in": "also in",
        "dates_read": "Dates",
        "newest_first": "newest first",
        "remove_filter": "ask without this filter",
        "unkept": "The last answer came from a link and is not kept in the conversation; "
        "the questions you ask below are.",
        "stories": "Stories",
    },
    "fr": {
        "title": "Interroger les articles",
        "placeholder": "Posez une question sur les articles…",
        "ask": "Demander",
        "asking": "Recherche…",
        "since": "Depuis",
        "until": "Jusqu'à",
        "source": "Source",
        "filters": "Filtres",
        "confidence": "confiance",
        "sources": "Sources",
        "closest": "Passages les plus proches",
        "closest_sentence": "Le passage le plus proche, qui peut ne pas répondre :",
        "passage_one": "%d passage correspondant",
        "passage_many": "%d passages correspondants",
        "quoted_here": "cité ci-dessus",
        "conversation": "Conversation",
        "new_chat": "Nouvelle conversation",
        "gone": "Cette conversation n'est plus conservée (les conversations inutilisées un "
        "temps sont effacées). Posez une nouvelle question ci-dessous.",
        "skip": "Aller à la question",
        "question_label": "Votre question",
        "index": "L'index",
        "articles_total": "articles",
        "by_language": "Par langue",
        "by_month": "Articles par mois",
        "by_year": "Articles par année",
        "last_update": "Dernière mise à jour",
        "generation": "génération",
        "no_index": "Pas encore d'index.",
        "undated_count": "sans mois",
        "updating": "Mises à jour",
        "no_update": "Aucune mise à jour en cours.",
        "token_needed": "Saisissez le jeton pour suivre les mises à jour.",
        "texts": "textes",
        "left": "restantes",
        "chart_label": "Articles par période, empilés par langue",
        "read": "Lire dans l'article",
        "read_label": "Lire dans l'article : %s",
        "not_found": "Pas trouvé",
        "empty": "Posez une question : la réponse est une phrase citée des articles, "
        "ou un « pas trouvé » honnête.",
        "articles": "Articles",
        "admin": "Administration",
        "undated": "sans date",
        "quote_language": "Cité en",
        "error": "Une erreur est survenue",
        "back": "Retour à la conversation",
        "also_in": "aussi dans",
        "dates_read": "Dates",
        "newest_first": "les plus récents d'abord",
        "remove_filter": "demander sans ce filtre",
        "unkept": "La dernière réponse vient d'un lien et n'est pas conservée dans la "
        "conversation ; les questions posées ci-dessous le sont.",
        "stories": "Dépêches",
    },
}
LANGUAGE_NAMES = {
    "en": {"fr": "French", "en": "English"},
    "fr": {"fr": "français", "en": "anglais"},
}


def ui_language(request: Request) -> str:
    """The first of fr/en in Accept-Language, by order of preference; English by default."""
    header = request.headers.get("accept-language", "")
    ranked = []
    for position, part in enumerate(header.split(",")):
        code, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, position, code.strip().lower()[:2]))
    for _, _, code in sorted(ranked):
        if code in STRINGS:
            return code
    return "en"
