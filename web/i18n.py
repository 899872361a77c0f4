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
        "sources": "Other sources",
        "closest": "Closest passages",
        "read": "Read in the article",
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
        "sources": "Autres sources",
        "closest": "Passages les plus proches",
        "read": "Lire dans l'article",
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
