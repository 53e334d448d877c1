"""The pattern tables of `injection`: one per language, each mapping an attack class to the
shapes an instruction to the summariser takes in that language. Lower case, plain letters:
they are matched against the normalised views of `normalise.detector_views`. A reviewer who
reads the language can check a table line by line; a miss becomes one more line here, with a
case in tests/data/textsafety/injection_corpus.jsonl. Longer than the ~400 lines a module of
this project keeps to because it is data: seven languages of tables, nothing else."""

from __future__ import annotations

S = r"[^.!?。！？\n]"  # a character of the same sentence
# A domain starts only at its first label: from every label, a run of n labels ("a.a.a...")
# would be scanned n times over.
URLISH = r"(?:https?://|www\.|(?<![a-z0-9.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|shop|store|xyz|ly|ru|cn|io|biz|info|top|click|site|online|de|fr|es|jp|co|me|app|link)\b)"


# A made-up code word: letters, then digits, joined by dashes ("canary-8728", "zx-99-secret").
_SECRET_TOKEN = r"(?=[a-z0-9_-]*\d)[a-z]{2,}[a-z0-9]*(?:[-_][a-z0-9]+)+\b"


def _alt(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


# --------------------------------------------------------------------------- English

_AI = _alt(r"ai", r"a\.i\.", "assistant", r"chat ?bot", "chatgpt", r"gpt(?:-?\d)?", "llm", "language model",
           r"summari[sz]er", r"summari[sz](?:ation|ing) (?:bot|model|system|tool|engine|ai)", "bot", "claude",
           "gemini", "copilot", "model", r"(?:ai|review|summary) (?:system|tool|engine|writer)",
           r"automated (?:reader|system|tool|agent|summari[sz]er|writer)", "machine reader")
_PERSONA_EN = _alt("bot", "chatbot", "ai", "assistant", "character", "persona", "model", "writer", "marketer",
                   "seller", "salesman", "salesperson", "copywriter", "spokesperson", "agent", r"summari[sz]er",
                   "dan", "mode", r"[\w-]+bot\d*")
_V_EN = _alt("ignore", "disregard", "forget", "skip", "override", "overrule", "bypass", "abandon", "discard",
             "set aside", "put aside", "cast aside", "throw out", "throw away", "toss out", "get rid of", "ditch", "scrap", "cancel", "erase", "neglect",
             "pay no (?:attention|heed|mind) to", "never mind", "stop following", "do not follow", "don't follow",
             "no longer follow")
_STRONG_Q_EN = _alt("previous", "prior", "above", "earlier", "preceding", "foregoing", "original", "initial",
                    "former", "system", "developer", "hidden")
_Q_EN = _alt("all", "any", "every", "your", "other", "existing", "old", "those", "these")
_O_EN = _alt(r"instructions?", r"prompts?", r"rules?", r"directions?", r"directives?", r"guidelines?", "guidance",
             "context", r"messages?", r"constraints?", r"commands?", r"orders?", "programming", "briefing",
             "configuration", "settings", r"polic(?:y|ies)", "restrictions", "task")
_CORE_O_EN = _alt(r"instructions?", r"prompts?", r"rules", r"guidelines", "guidance", r"directives?", "programming")
_IMP_EN = r"(?:^|[.!?:;]\s*|\b(?:please|kindly|always|just|you must|you should|you will|make sure to|be sure to|remember to|must|should)\s+)"
# "You are <name>, a <noun>": only nouns no shopper is called ("you're lucky, the seller...").
_CORE_EN = _alt("character", "persona", "bot", "chatbot", "assistant", "ai", "model", "agent", r"summari[sz]er", r"[\w-]+bot\d*")
_SUMMARY_EN = r"(?:summar(?:y|ies)|output|response)"
_NEG_EN = _alt(r"negative\w*", r"cons?", r"complaints?", "bad", r"problems?", r"issues?", r"criticisms?",
               r"other reviews?", r"low ratings?", r"defects?", r"flaws?", r"downsides?", r"drawbacks?",
               r"returns?", r"refunds?", "one-star", "1-star")

# Any imperative aimed at the summary: a review has no business telling it what to do.
_DO_EN = _alt("write", "say", "add", "put", "keep", "make sure", "make", "leave", "skip", "include", "mention", "end",
              "start", "finish", "begin", "use", "type", "print", "output", "tell", "point", "send", "give", "rate", "list",
              "state", "report", "describe", "call", "remove", "omit", "drop", "hide", "avoid", "insert", "append", "quote",
              "repeat", "copy", "paste", "show", "display", "note", "remember", "ensure", "focus", "stick", "treat",
              "don't", "do not")
# "the summary page", "summary of the specs": the shop's own summaries, not ours.
_SUMMARY_NOUN_EN = r"(?:summar(?:y|ies)(?! (?:page|screen|tab|section|card|sheet|chart|view|table|on the|printed|of (?:the )?(?:features|specs)))|summari[sz]e|summari[sz]ing|write-?up|recap|your (?:reply|answer|response|output)|the output)"

EN = {
    "summary_directive": (
        rf"(?:^|[.!?:;]\s*|\b(?:please|kindly|just|so|and|then|now|always|never|only|should|must|shall|need to|have to)\s+){_DO_EN}\b{S}{{0,80}}\b{_SUMMARY_NOUN_EN}\b",
        rf"\b(?:in|into|from|for|within|out of) (?:the|your|this|each|every) {_SUMMARY_NOUN_EN}\b,?\s*(?:please\s+)?{_DO_EN}\b",
    ),
    "override": (
        rf"\b{_V_EN}\b{S}{{0,40}}?\b{_STRONG_Q_EN}\b{S}{{0,30}}?\b{_O_EN}\b",
        rf"\b{_V_EN}\b{S}{{0,20}}?\b{_Q_EN}\b{S}{{0,20}}?\b{_CORE_O_EN}\b",
        rf"\b{_V_EN}\b{S}{{0,20}}?\b{_O_EN}\b{S}{{0,15}}?\b(?:above|before|earlier|so far|given (?:to you|earlier|before))\b",
        rf"\b(?:put|set|push|leave|move)\b{S}{{0,20}}\b{_O_EN}\b{S}{{0,10}}\b(?:aside|to (?:one|the) side|behind)\b",
        rf"\b{_O_EN}\b{S}{{0,40}}\b(?:no longer apply|(?:do not|don't) apply any ?more|are (?:now )?(?:void|cancelled|canceled|obsolete|null|revoked|suspended))\b",
        rf"\b{_V_EN}\b{S}{{0,20}}?\b(?:what|everything|anything|all)\b,? (?:you(?:'ve| have)? (?:been|were) (?:told|given|taught|instructed)|(?:they|someone|the system|the developers?) told you|(?:is|was|came|comes|was said|you read) (?:above|before|earlier|previously|so far))",
        r"\b(?:new|updated|real|actual|secret|hidden|additional|revised|overriding|true) (?:instructions?|task|prompt|orders?|rules|directives?)\b[^.!?\n:]{0,30}:",
        r"\bforget (?:everything|all) (?:above|before|you (?:know|were told|have been told))\b",
        r"\b(?:your|the) (?:real|actual|true|new|only) (?:job|task|goal|purpose|mission|instructions?)\s*(?::|is\b|now is\b)",
    ),
    "persona": (
        rf"\byou(?: are|'re) now\b{S}{{0,40}}\b{_PERSONA_EN}\b",
        rf"\bfrom now on,? you(?: are|'re| will be)\b{S}{{0,40}}\b{_PERSONA_EN}\b",
        r"\bfrom now on,? (?:you )?(?:act|behave|respond|answer|write|speak|pretend)\b",
        rf"{_IMP_EN}(?:act|behave|respond|answer|write) (?:as|like) (?:an?|the|my|if)\b",
        r"\bpretend (?:to be|you are|you're|that you)\b", r"\brole-?play(?:ing)? as\b", r"\bplay the (?:role|part) of\b",
        r"\bstay in character\b", r"\byou are no longer (?:an?|the)\b", r"\byour new (?:name|role|persona|identity) is\b",
        rf"\bimagine (?:that )?you are (?:an?|the)\b{S}{{0,30}}\b{_PERSONA_EN}\b",
        rf"\byou(?: are|'re) [\w-]+(?: [\w-]+){{0,2}},? (?:an?|the) (?:[\w-]+ ){{0,3}}{_CORE_EN}\b",
        r"\byou(?: are|'re) (?:now )?(?:an? |the )?(?!robot\b)[\w-]+(?:bot|gpt|ai)\b",
        r"\b(?:assume|take on|adopt|play) the (?:role|persona|identity|voice|part) of\b", r"\blet'?s (?:play|do) (?:a )?(?:game|role-?play)\b",
        r"\b(?:write|speak|answer|respond) as if you (?:were|are)\b",
        r"\b(?:dan|developer|god|jailbreak|unrestricted|evil|admin) mode\b", r"\bjailbr(?:ea|o)k", r"\bdo anything now\b",
    ),
    "address_ai": (
        rf"\b(?:note|message|memo|instructions?|reminder|attention|notice|directive|p\.?s\.?) (?:to|for) (?:the |any |whatever |whoever )?(?:{_AI}|summary|summari[sz]ing (?:bot|model|ai)|writer of the summary|person (?:who )?(?:writes|writing) the summary|(?:one|whoever|whatever) (?:writes|summari[sz]es) (?:the|these))\b",
        rf"\b(?:dear|hey|hi|hello|attention|yo|listen)\s*,?\s*{_AI}\b",
        rf"\bif you(?:'re| are) (?:an? |the )?{_AI}\b",
        rf"\b(?:to|for) (?:the|any|every|whatever|all) {_AI}s? (?:reading|processing|summari[sz]ing|parsing|that reads|who reads|looking at)\b",
        rf"(?:^|[.!?]\s*){_AI}\s*[:,]\s*(?:please\s+)?(?:ignore|say|write|output|print|respond|reply|state|include|add|mention|tell|summari[sz]e|rate|describe|you|end|start|begin|leave|omit|forget)\b",
        rf"\b(?:as|you are|you're) an? {_AI}\b{S}{{0,60}}\b(?:must|should|will|have to|need to|are required)\b",
        rf"\b(?:any|every|all) {_AI}s?\b{S}{{0,40}}\b(?:must|should|shall|reading this)\b",
        rf"\b{_AI}s\b{S}{{0,30}}\b(?:must|should|shall|need to|have to|are to|are (?:required|expected|instructed|asked) to)\b",
        rf"\bwhoever (?:writes|makes|generates) the {_SUMMARY_EN}\b",
    ),
    "output_control": (
        rf"\b(?:end|start|begin|finish|close|open|conclude|sign off|prefix|suffix|terminate)\b{S}{{0,30}}\b(?:summar(?:y|ies)|output|response|answer|reply|description|paragraph)\b{S}{{0,25}}\b(?:with|by|using)\b",
        rf"\b(?:say|write|output|print|state|include|add|mention|insert|put|append|prepend|place|type|use)\b{S}{{0,60}}\b(?:in|into|to|at the (?:start|end|beginning|top|bottom) of|within|inside)\s+(?:(?:the|this|all) {_SUMMARY_EN}|(?:your|every|each|any) (?:{_SUMMARY_EN}|answer|reply|description))\b",
        rf"\b(?:the|your|every|each|any) {_SUMMARY_EN}\s+(?:must|should|shall|has to|needs to|will have to|is to|are to)\b",
        r"\bsummar(?:y|ies) (?:must|shall|has to|have to|needs to|need to|are to|is to)\b",
        rf"{_IMP_EN}(?:respond|reply|answer)\s+(?:only\s+)?with\b",
        r"\bsummari[sz]e\s+(?:this|the|it)\s*(?:product|item|reviews?)?\s+as\b",
        r"\b(?:notes?|instructions?|memo|reminder|tip|rule) for (?:the|your|this|every|each|any) summar(?:y|ies)\b",
        rf"\bwhen (?:you )?(?:summari[sz]e|writ(?:e|ing) (?:the|your) summary)\b{S}{{0,40}}\b(?:always|never|make sure|be sure|remember|must|should|don't|do not)\b",
    ),
    "suppress_negatives": (
        rf"\b(?:do not|don't|never|must not|mustn't|should not|shouldn't|refrain from)\s+(?:mention|mentioning|say|include|including|show|list|report|reveal|summari[sz]e|output|write|bring up|talk about|discuss|repeat|quote)\b{S}{{0,40}}\b{_NEG_EN}\b",
        r"\bonly\s+(?:mention|say|include|list|report|write|output|summari[sz]e|show|talk about|focus on)\s+(?:the\s+)?(?:positive|good|great|5|five|praise|pros|upsides|benefits)\b",
        r"\b(?:leave out|omit|exclude|remove|hide|suppress|filter out|strip out|cut out|delete|skip over|bury|censor)\b[^.!?\n]{0,15}?\b(?:(?:every|all|any|the)\s+)?(?:negative\s+|bad\s+|critical\s+|low\s+|1-star\s+|one-star\s+)?(?:complaints?|criticism|cons|negatives|negative (?:reviews?|feedback|comments?|points?|remarks?)|bad reviews?|low ratings?|critical reviews?|drawbacks|downsides)\b",
    ),
    "fake_rating": (
        rf"{_IMP_EN}(?:rate|score|give|mark|grade|list|report|state|say|claim|declare|write|show|present|put|tell \w+)\b{S}{{0,50}}(?:\b(?:5|five|10|ten|100)\s*(?:/\s*(?:5|10)\b|-?\s*stars?\b|out of (?:5|five|10|ten)\b|%)|\b(?:perfect|top|flawless|maximum) (?:score|rating|marks)\b|\bfull marks\b)",
        rf"{_IMP_EN}(?:say|state|write|claim|report|declare|tell (?:everyone|users|customers|readers|people|them|buyers|shoppers))\b{S}{{0,40}}\b(?:every(?:one|body)|all (?:reviewers|customers|buyers|users)|(?:all|every) reviews?|the average|average rating|rating)\b{S}{{0,30}}\b(?:5|five|10|ten|perfect|top)\b",
        rf"\b(?:summary|rating|average|score)\b{S}{{0,20}}\b(?:must|should|has to|shall|needs to)\b{S}{{0,20}}\b(?:5|five|10|ten|perfect|top)\b",
        rf"\b(?:5|five|10|ten)\s*(?:-?\s*stars?|/\s*(?:5|10))\b{S}{{0,20}}\b(?:in|into) (?:the|your|every|each) summar(?:y|ies)\b",
        rf"\b(?:always|regardless[\w ]{{0,20}}|no matter what)\s+(?:say|rate|give|report|show|state|claim)\w*\b{S}{{0,30}}\b(?:5|five)\s*-?\s*stars?\b",
    ),
    "prompt_leak": (
        rf"\b(?:reveal|print|repeat|show|output|tell me|leak|display|write out|recite|copy|paste|echo|dump|quote|disclose|spell out)\b{S}{{0,30}}\b(?:your\s+(?:\w+\s+)?(?:prompt|instructions?|rules|configuration|guidelines|directives|system message)|the\s+(?:system|initial|original|hidden|secret|full|exact|above)\s+(?:prompt|instructions?|rules|message|text)|(?:the|system) prompt)\b",
        r"\bwhat (?:are|were) your (?:instructions|rules|guidelines)\b", r"\bwhat (?:were|have) you (?:been )?(?:told|instructed|asked) to\b",
        r"\b(?:repeat|print|copy|output|echo) (?:everything|all|the text|the words|what is|what's) (?:above|before this|so far|written above)\b",
    ),
    "link_request": (
        rf"\b(?:include|add|output|print|insert|put|post|share|append|display|show|recommend|mention|paste|drop|place|embed)\b{S}{{0,30}}\b(?:link|url|website|web site|site|hyperlink|coupon|discount code|promo code|shop|store)\b{S}{{0,40}}(?:{URLISH}|\b{_SUMMARY_EN}\b)",
        rf"\b(?:include|add|output|print|insert|put|post|share|append|display|recommend|mention|paste|embed)\b{S}{{0,30}}{URLISH}",
        rf"\b(?:visit|go to|head to|head over to|click)\b{S}{{0,30}}{URLISH}",
        r"\b(?:tell|send|direct|point|refer|redirect) (?:readers|customers|buyers|people|users|shoppers|everyone) to\b",
    ),
    "secret_word": (
        r"\b(?:the|a|this|my) (?:secret|magic|code|special|safe|hidden|key|pass) ?(?:word|phrase|token|code)\b",
        rf"\b(?:word|phrase|token|string|signature|tag)\s*[:\"']?\s*{_SECRET_TOKEN}",
    ),
}

# --------------------------------------------------------------------------- German

_V_DE = _alt(r"ignorier(?:e|t|en sie)?", "vergiss", "vergesst", "vergessen sie", r"missacht(?:e|et|en sie)",
             r"übergeh(?:e|en sie)?", r"überspring(?:e|en sie)?", "verwirf", "verwerfen sie", r"befolge(?:n sie)? nicht")
_Q_DE = _alt(r"vorherige\w*", r"vorige\w*", r"bisherige\w*", r"obige\w*", r"frühere\w*", r"ursprüngliche\w*",
             r"vorangegangene\w*", r"alle\w*", r"sämtliche\w*", r"deine\w*", r"ihre\w*", r"system\w*", r"zuvor\w*")
_O_DE = _alt(r"anweisung\w*", r"instruktion\w*", r"befehl\w*", r"regeln?", r"vorgaben?", r"anordnung\w*",
             r"aufforderung\w*", r"richtlinie\w*", r"prompts?", r"systemprompts?", r"vorschrift\w*")
_PERSONA_DE = _alt("bot", "chatbot", "ki", r"assistent\w*", "charakter", "figur", "persona", "modell", r"texter\w*",
                   r"verkäufer\w*", r"werbe\w*", "agent", "modus", r"[\w-]+bot\d*")
_CORE_DE = _alt("charakter", "figur", "persona", "bot", "chatbot", "ki", r"assistent\w*", "modell", r"[\w-]+bot\d*")
_SUMMARY_DE = r"(?:zusammenfassung\w*|ausgabe|antwort)"
_IMP_DE = r"(?:^|[.!?:;]\s*|\b(?:bitte|immer|nur|du musst|sie müssen)\s*,?\s*)"

_DO_DE = _alt(r"schreib(?:e|t)?", r"sag(?:e|t)?", "füge", "füg", "nimm", r"lass(?:e|t)?", "erwähne", "nenne", "beende",
              "beginne", "halte", r"mach(?:e)?", "gib", "setze", "vermeide", "streiche", "verschweige", "verwende",
              "benutze", "achte darauf", "sorge dafür", "bitte", "niemals", "immer", "nur")

DE = {
    "summary_directive": (
        rf"{_IMP_DE}{_DO_DE}\b{S}{{0,80}}\b(?:zusammenfassung\w*|deiner? antwort|die ausgabe)\b",
        rf"\b(?:in|für) (?:der|die|jeder|deiner) zusammenfassung\b,?\s*(?:bitte\s+)?{_DO_DE}\b",
    ),
    "override": (
        rf"\b{_V_DE}\b{S}{{0,30}}\b{_Q_DE}\b{S}{{0,25}}\b{_O_DE}",
        rf"\blass(?:e|t|en sie)?\b{S}{{0,30}}\b{_Q_DE}\b{S}{{0,25}}\b{_O_DE}{S}{{0,15}}\b(?:beiseite|ausser acht|weg|links liegen)\b",
        rf"\bbeacht(?:e|et|en sie)\b{S}{{0,30}}\b{_Q_DE}\b{S}{{0,25}}\b{_O_DE}{S}{{0,15}}\bnicht\b",
        r"\b(?:vergiss|vergessen sie)\b,? (?:was (?:man )?(?:dir|ihnen) (?:gesagt|aufgetragen|befohlen)|alles (?:bisherige|vorherige|oben|davor|was oben steht))",
        r"\b(?:neue|aktualisierte|geheime|eigentliche|wichtige|zusätzliche)\s+(?:anweisung\w*|aufgabe|befehle|regeln|instruktion\w*)\s*[:\-]",
    ),
    "persona": (
        rf"\b(?:du bist (?:ab )?(?:jetzt|nun|ab sofort|von nun an)|ab (?:jetzt|sofort) bist du|von nun an bist du)\b{S}{{0,40}}\b{_PERSONA_DE}\b",
        r"\btu so,? als (?:wärst|wärest|seist|ob du)\b", r"\bspiel(?:e|en sie)? die rolle\b", r"\bschlüpf(?:e)? in die rolle\b",
        rf"\bdu bist [\w-]+(?: [\w-]+){{0,2}},? (?:ein|eine|der|die) (?:[\w-]+ ){{0,3}}{_CORE_DE}\b",
        rf"\bverhalte dich (?:wie|als)\b{S}{{0,30}}\b{_PERSONA_DE}\b", r"\bgib dich als\b",
        r"\bdu bist (?:kein|keine) (?:ki|assistent|modell) mehr\b", r"\bdein(?:e)? neue(?:r|s)? (?:name|rolle|identität)\b",
    ),
    "address_ai": (
        r"\b(?:hinweis|notiz|nachricht|anweisung|bemerkung|memo) (?:an|für) (?:die |den |das |jede |jeden )?(?:ki|assistent\w*|modell|bot|zusammenfass\w*|verfasser der zusammenfassung|wer die zusammenfassung schreibt)\b",
        r"\b(?:liebe|lieber|hallo|hey|achtung)\s*,?\s*(?:ki|assistent|bot|chatgpt|modell)\b",
        r"\b(?:falls|wenn) du (?:eine )?(?:ki|künstliche intelligenz|ein sprachmodell|ein bot)\b",
        r"\ban die ki,? die\b",
    ),
    "output_control": (
        rf"\b(?:beende|beendet|schließe|schliesse|beginne|starte|fange|ende)\b{S}{{0,30}}\b(?:zusammenfassung\w*|antwort\w*|ausgabe|beschreibung|text)\b{S}{{0,25}}\bmit\b",
        rf"\b(?:schreib|schreibe|sag|sage|füge|füg|setze|setz|nimm|erwähne|gib)\b{S}{{0,60}}\b(?:in (?:die|der|jede|jeder|deine|deiner)|am (?:ende|anfang) (?:der|jeder|deiner)) {_SUMMARY_DE}",
        rf"\b(?:die|jede|deine) {_SUMMARY_DE} (?:muss|soll|sollte|hat)\b",
        rf"{_IMP_DE}antworte\w* (?:nur|ausschließlich) mit\b",
    ),
    "suppress_negatives": (
        rf"\b(?:erwähne|erwähnt|nenne|schreib|schreibe|zeige|zeig)\b (?:keine|keinerlei|nichts über|nicht die)\b{S}{{0,30}}\b(?:negativ\w*|kritik\w*|beschwerde\w*|nachteil\w*|mängel\w*|probleme?|schlechte\w* (?:bewertung\w*|rezension\w*))",
        rf"\b(?:lass|lasse|lassen sie|entferne|streiche|verschweige|verschweigen sie|unterdrücke|blende)\b{S}{{0,40}}\b(?:alle|jede|jegliche|sämtliche|die)\b{S}{{0,10}}\b(?:beschwerde\w*|kritik\w*|nachteile|negativ\w*|mängel|schlechte\w* bewertung\w*)\b{S}{{0,10}}\b(?:weg|aus|raus)?",
        r"\b(?:erwähne|nenne|schreib\w*) nur (?:das )?(?:positive|gute|vorteile|lob)\b",
    ),
    "fake_rating": (
        rf"{_IMP_DE}(?:sag|sage|schreib|schreibe|behaupte|gib|bewerte|melde|nenne)\b{S}{{0,50}}\b(?:5|fünf|10|zehn)\s*(?:sterne\w*|/\s*(?:5|10)|von (?:5|fünf|10|zehn))",
        rf"\b(?:zusammenfassung|bewertung|durchschnitt\w*)\b{S}{{0,20}}\b(?:muss|soll)\b{S}{{0,20}}\b(?:5|fünf|perfekt\w*)\b",
        rf"\b(?:sag|sage|schreib|schreibe|behaupte)\b,? (?:dass )?(?:alle|jeder|jede)\b{S}{{0,30}}\b(?:5|fünf) sterne",
    ),
    "prompt_leak": (
        rf"\b(?:zeig|zeige|gib|wiederhole|verrate|nenne|drucke|schreib|schreibe|kopiere)\b{S}{{0,30}}\b(?:deinen?|ihren?|den|die) (?:system\w*|ursprünglich\w*|versteckt\w*)?\s*(?:prompt|anweisungen|instruktionen|systemprompt|regeln)\b{S}{{0,15}}",
        r"\bsystemprompt\b", r"\bwelche anweisungen hast du\b",
    ),
    "link_request": (
        rf"\b(?:füge|füg|nimm|setze|setz|schreib|schreibe|teile|empfiehl|erwähne)\b{S}{{0,30}}\b(?:link|url|webseite|website|seite|shop|gutschein\w*|rabattcode)\b{S}{{0,40}}(?:{URLISH}|\b{_SUMMARY_DE}\b)",
        rf"\b(?:füge|füg|setze|schreib|schreibe|empfiehl)\b{S}{{0,30}}{URLISH}", rf"\bbesuche\w*\b{S}{{0,30}}{URLISH}",
    ),
    "secret_word": (r"\b(?:geheimwort|codewort|zauberwort|losungswort|geheime\w* wort|code-wort)\b",),
}

# --------------------------------------------------------------------------- Spanish

_V_ES = _alt("ignora", "ignore", "ignoren", "ignorad", "olvida", "olvide", "olviden", "olvídate de", "olvidate de",
             "olvídese de", "descarta", "descarte", "omite", "omita", "pasa por alto", "pase por alto",
             "haz caso omiso (?:a|de)", "haga caso omiso (?:a|de)", "no (?:hagas|haga) caso (?:a|de)", "deja de lado",
             "deje de lado", "desobedece", "anula", "anule", "sáltate")
_O_ES = _alt("instrucci(?:ón|ones)", "indicaci(?:ón|ones)", "órdenes", "ordenes", "reglas", "directrices", "normas",
             "pautas", "consignas", "comandos", "mensajes", "prompt")
_Q_ES = _alt("anteriores", "previas", "precedentes", "de arriba", "originales", "iniciales", "del sistema", "todas",
             "todos", "tus", "sus", "previos", "anterior", "primeras")
_PERSONA_ES = _alt("bot", "chatbot", "ia", "asistente", "personaje", "persona", "modelo", r"redactor\w*",
                   r"vendedor\w*", "publicista", "agente", "modo", r"[\w-]+bot\d*")
_CORE_ES = _alt("personaje", "persona", "bot", "chatbot", "ia", "asistente", "modelo", r"[\w-]+bot\d*")
_SUMMARY_ES = r"(?:resumen|resúmenes|respuesta|salida)"
_IMP_ES = r"(?:^|[.!?¡:;]\s*|\b(?:por favor|siempre|solo|debes|tienes que)\s*,?\s*)"

_DO_ES = _alt("escribe", "di", "añade", "agrega", "pon", "incluye", "menciona", "termina", "empieza", "comienza",
              "omite", "evita", "quita", "elimina", "haz", "usa", "deja", r"no (?:pongas|escribas|incluyas|menciones|digas)",
              "asegúrate de", "por favor", "nunca", "siempre", "solo")

ES = {
    "summary_directive": (
        rf"{_IMP_ES}{_DO_ES}\b{S}{{0,80}}\b(?:resumen|resúmenes|tu respuesta|la salida)\b",
        rf"\ben (?:el|tu|cada) resumen\b,?\s*(?:por favor\s+)?{_DO_ES}\b",
    ),
    "override": (
        rf"\b{_V_ES}\b{S}{{0,30}}\b(?:{_Q_ES}\b{S}{{0,20}}\b{_O_ES}|{_O_ES}\b{S}{{0,20}}\b{_Q_ES})\b",
        rf"\b{_V_ES}\b{S}{{0,15}}\b(?:lo que (?:te|le|os) (?:dijeron|han dicho|indicaron|ordenaron|pidieron)|todo lo (?:anterior|que (?:te|le) dijeron))",
        r"\b(?:nuevas|verdaderas|auténticas|secretas|actualizadas) (?:instrucciones|órdenes|reglas|tareas?)\s*[:\-]",
    ),
    "persona": (
        rf"\b(?:ahora eres|a partir de ahora,? (?:eres|serás)|desde ahora,? eres)\b{S}{{0,40}}\b{_PERSONA_ES}\b",
        r"\bfinge (?:que eres|ser)\b", r"\bhaz como si fueras\b", r"\bhaz (?:de|el papel de)\b", r"\binterpreta (?:el papel|a un|a una)\b",
        rf"\bact[úu]a como (?:si fueras|un|una|el|la)\b{S}{{0,30}}\b{_PERSONA_ES}\b",
        rf"\beres [\w-]+(?: [\w-]+){{0,2}},? (?:un|una|el|la) (?:[\w-]+ ){{0,3}}{_CORE_ES}\b",
        r"\bya no eres (?:un|una)\b", r"\btu nuevo (?:nombre|papel|rol) es\b",
    ),
    "address_ai": (
        r"\b(?:nota|mensaje|aviso|instrucci(?:ón|ones)|recordatorio) (?:para|a) (?:el |la |quien |cualquier )?(?:resumen|resumidor\w*|ia|i\.a\.|asistente|modelo|bot|sistema de resumen|quien (?:resuma|haga el resumen|escriba el resumen))\b",
        r"\b(?:querida|querido|hola|oye|atención)\s*,?\s*(?:ia|asistente|bot|chatgpt|modelo)\b",
        r"\bsi eres (?:una|un) (?:ia|asistente|modelo|bot|inteligencia artificial)\b", r"\ba la ia que (?:lea|procese|resuma)\b",
    ),
    "output_control": (
        rf"\b(?:termina|acaba|finaliza|cierra|empieza|comienza|inicia)\b{S}{{0,30}}\b(?:resumen|resúmenes|respuesta|salida|descripción|texto)\b{S}{{0,25}}\b(?:con|por)\b",
        rf"\b(?:escribe|escriba|di|pon|ponga|añade|añada|agrega|agregue|incluye|incluya|menciona|inserta)\b{S}{{0,60}}\b(?:en|al (?:final|principio|inicio) del?|dentro del?) (?:(?:el|tu|cada|este|la|los) )?{_SUMMARY_ES}\b",
        r"\b(?:el|cada|tu) (?:resumen|respuesta) (?:debe|deberá|tiene que|ha de)\b",
        r"\b(?:responde|contesta)\w* (?:solo|solamente|únicamente) con\b",
    ),
    "suppress_negatives": (
        rf"\bno (?:menciones|mencione|incluyas|incluya|digas|diga|muestres|muestre|escribas|escriba|hables de|hable de)\b{S}{{0,40}}\b(?:negativ\w*|quejas?|críticas?|contras?|problemas?|defectos?|malas (?:reseñas|opiniones)|lo malo)",
        rf"\b(?:omite|omita|elimina|quita|oculta|excluye|deja fuera|suprime)\b{S}{{0,15}}\b(?:todas las|todos los|cualquier|las|los) (?:quejas|críticas|contras|comentarios negativos|reseñas negativas|opiniones negativas|aspectos negativos|malas reseñas|puntos negativos)",
        r"\b(?:solo|solamente|únicamente) (?:menciona|mencione|habla de|incluye|di|escribe) (?:lo |las |los )?(?:positiv\w*|bueno|buenas|ventajas|elogios)",
    ),
    "fake_rating": (
        rf"{_IMP_ES}(?:di|diga|escribe|escriba|afirma|declara|pon|ponga|indica|califica|puntúa|valora)\b{S}{{0,50}}\b(?:5|cinco|10|diez)\s*(?:estrellas|/\s*(?:5|10)|de (?:5|cinco|10|diez))",
        rf"\b(?:resumen|calificación|valoración|puntuación)\b{S}{{0,20}}\b(?:debe|tiene que)\b{S}{{0,20}}\b(?:5|cinco|perfect\w*)\b",
        rf"\bdi(?:ga)? que (?:todos|todo el mundo|cada cliente)\b{S}{{0,30}}\b(?:5|cinco)\b",
    ),
    "prompt_leak": (
        rf"\b(?:muestra|muestre|revela|revele|repite|repita|imprime|imprima|dime|dígame|escribe|escriba|copia)\b{S}{{0,30}}\b(?:tus?|sus?) (?:\w+ )?(?:prompt|instrucciones|indicaciones|reglas|configuración)\b",
        r"\b(?:el|los) prompts? del sistema\b", r"\bmensaje del sistema\b", r"\bcuáles son tus instrucciones\b",
        rf"\b(?:muestra|revela|repite|imprime)\b{S}{{0,20}}\blas instrucciones (?:del sistema|originales|iniciales|ocultas)\b",
    ),
    "link_request": (
        rf"\b(?:incluye|incluya|añade|añada|agrega|agregue|pon|ponga|inserta|comparte|publica|menciona|recomienda)\b{S}{{0,30}}\b(?:enlace|link|url|sitio web|página web|web|tienda|cupón|código de descuento)\b{S}{{0,40}}(?:{URLISH}|\b{_SUMMARY_ES}\b)",
        rf"\b(?:incluye|añade|agrega|pon|inserta|recomienda)\b{S}{{0,30}}{URLISH}", rf"\b(?:visita|visite|entra en|ve a|vaya a)\b{S}{{0,30}}{URLISH}",
    ),
    "secret_word": (r"\bpalabra (?:secreta|clave secreta|mágica|código)\b", r"\bcontraseña secreta\b"),
}

# --------------------------------------------------------------------------- French

_V_FR = _alt("ignore", "ignorez", "ignorer", "oublie", "oubliez", "ne tiens (?:pas|plus) compte", "ne tenez (?:pas|plus) compte",
             "fais abstraction", "faites abstraction", "laisse de côté", "laissez de côté", "mets de côté", "mettez de côté",
             "passe outre", "passez outre", "écarte", "écartez", "néglige", "négligez", "annule", "annulez",
             "outrepasse", "outrepassez", "n'obéis plus", "n'obéissez plus", "ne suis plus", "ne suivez plus")
_O_FR = _alt(r"instructions?", r"consignes?", r"directives?", r"règles?", r"ordres?", r"indications?", r"prompts?", r"commandes?")
_Q_FR = _alt(r"précédent\w*", r"antérieur\w*", "ci-dessus", "plus haut", r"initial\w*", r"originel\w*", r"original\w*",
             "toutes", "tous", "tes", "vos", "votre", "ton", "du système", "système", "d'avant", r"premières?")
_PERSONA_FR = _alt("bot", "chatbot", "ia", r"assistant\w*", "personnage", "persona", "modèle", r"rédact\w*",
                   r"vendeu\w+", "agent", "mode", r"[\w-]+bot\d*")
_CORE_FR = _alt("personnage", "persona", "bot", "chatbot", "ia", r"assistant\w*", "modèle", r"[\w-]+bot\d*")
_SUMMARY_FR = r"(?:résumés?|réponse|sortie)"
_IMP_FR = r"(?:^|[.!?:;]\s*|\b(?:s'il te plaît|s'il vous plaît|svp|toujours|seulement|tu dois|vous devez)\s*,?\s*)"
_NOT_ME = r"(?<!je )(?<!j')(?<!il )(?<!elle )(?<!on )(?<!nous )"  # "je ne dis pas que..." is a review

_DO_FR = _alt("écris", "dis", "ajoute", "mets", "inclus", "mentionne", "termine", "commence", "omets", "évite",
              "retire", "supprime", "fais", "utilise", "laisse", "assure-toi", r"ne (?:mets|écris|dis|mentionne|parle|cite)",
              "n'inclus", "s'il te plaît", "jamais", "toujours")

FR = {
    "summary_directive": (
        rf"{_IMP_FR}{_DO_FR}\b{S}{{0,80}}\b(?:résumés?|ta réponse|la sortie)\b",
        rf"\bdans (?:le|ton|chaque) résumé\b,?\s*(?:s'il te plaît\s+)?{_DO_FR}\b",
    ),
    "override": (
        rf"\b{_V_FR}\b{S}{{0,30}}\b(?:{_Q_FR}\b{S}{{0,20}}\b{_O_FR}|{_O_FR}\b{S}{{0,20}}\b{_Q_FR})",
        rf"\b{_V_FR}\b{S}{{0,15}}(?:ce qu'on (?:t'a|vous a) dit|ce que (?:tu as|vous avez) (?:lu|reçu)|tout ce qui précède)",
        r"\b(?:nouvelles?|vraies?|véritables?|secrètes?) (?:instructions|consignes|règles|tâche|directives)\s*[:\-]",
    ),
    "persona": (
        rf"\b(?:tu es maintenant|tu es désormais|désormais,? tu es|à partir de maintenant,? tu (?:es|seras)|dorénavant,? tu es|vous êtes (?:maintenant|désormais))\b{S}{{0,40}}\b{_PERSONA_FR}\b",
        r"\bfai(?:s|tes) semblant d'être\b", r"\bjoue[zr]? le rôle\b", rf"\bincarne[z]? (?:un|une|le|la)\b{S}{{0,30}}\b{_PERSONA_FR}\b",
        r"\bagis(?:sez)? comme\b", r"\bfai(?:s|tes) comme si (?:tu étais|vous étiez)\b", r"\bcomporte-toi comme\b", r"\bcomportez-vous comme\b", r"\bprétends être\b",
        rf"\btu es [\w-]+(?: [\w-]+){{0,2}},? (?:un|une|le|la) (?:[\w-]+ ){{0,3}}{_CORE_FR}\b",
        r"\btu n'es plus (?:un|une)\b", r"\bton nouveau (?:nom|rôle) est\b",
    ),
    "address_ai": (
        r"\b(?:note|message|remarque|consigne|instructions?|rappel) (?:pour|à|au|à l'attention d[eu]|à l'intention d[eu]) (?:le |la |l'|quiconque )?(?:résumé|résumeur|rédacteur du résumé|ia|assistant|modèle|bot|système de résumé|celui qui (?:résume|rédige le résumé))\b",
        r"\b(?:chère|cher|salut|bonjour|attention)\s*,?\s*(?:ia|assistant|bot|chatgpt|modèle)\b",
        r"\bsi (?:tu es|vous êtes) une (?:ia|intelligence artificielle)\b", r"\bà l'ia qui (?:lit|traite|résume)\b",
    ),
    "output_control": (
        rf"\b(?:termine|terminez|finis|finissez|conclus|concluez|commence|commencez|débute|débutez)\b{S}{{0,30}}\b(?:résumés?|réponses?|texte|sortie|description)\b{S}{{0,25}}\b(?:par|avec)\b",
        rf"\b(?:écris|écrivez|dis|dites|mets|mettez|ajoute|ajoutez|inclus|incluez|insère|insérez|mentionne|mentionnez)\b{S}{{0,60}}(?:\bdans|\bà la fin d[eu]|\bau début d[eu]|\ben fin d[eu]) (?:le |la |ton |votre |chaque |ce |les )?{_SUMMARY_FR}",
        r"\b(?:le|chaque|ton|votre) résumé (?:doit|devra|devrait)\b", r"\bréponds (?:uniquement|seulement) (?:par|avec)\b",
    ),
    "suppress_negatives": (
        rf"{_NOT_ME}\b(?:ne (?:mentionne|mentionnez|cite|citez|dis|dites|montre|montrez|parle|parlez|écris|écrivez)|n'(?:inclus|incluez|écris|écrivez|évoque|évoquez)) (?:pas|jamais|aucun\w*|rien)\b{S}{{0,40}}\b(?:négati\w*|plaintes?|critiques?|défauts?|problèmes?|inconvénients?|mauvais\w* avis|points faibles)",
        rf"\b(?:omets|omettez|supprime|supprimez|retire|retirez|cache|cachez|exclus|excluez|laisse de côté|laissez de côté|enlève|enlevez|passe sous silence|passez sous silence)\b{S}{{0,15}}(?:toutes les|tous les|les|chaque|la moindre) (?:plaintes?|critiques?|avis négatifs|commentaires négatifs|points négatifs|défauts|inconvénients|mauvais avis|réclamations)",
        rf"\b(?:ne parle que|ne parlez que|mentionne uniquement|mentionnez uniquement|parle seulement|parlez seulement|ne cite que)\b{S}{{0,15}}(?:du |des |de )?(?:positif|points positifs|avantages|bons? avis|qualités|éloges)",
    ),
    "fake_rating": (
        rf"{_IMP_FR}(?:dis|dites|écris|écrivez|affirme|affirmez|déclare|déclarez|indique|indiquez|mets|mettez|note(?:z)?(?! que)|attribue|attribuez)\b{S}{{0,50}}\b(?:5|cinq|10|dix)\s*(?:étoiles|/\s*(?:5|10)|sur (?:5|cinq|10|dix))",
        rf"\b(?:le résumé|la note|la moyenne|la notation)\b{S}{{0,20}}\b(?:doit|devra)\b{S}{{0,20}}\b(?:5|cinq|parfait\w*)\b",
        rf"\b(?:dis|dites|écris|écrivez) que (?:tout le monde|tous les (?:clients|acheteurs)|chaque client)\b{S}{{0,30}}\b(?:5|cinq)\b",
    ),
    "prompt_leak": (
        rf"\b(?:affiche|affichez|révèle|révélez|répète|répétez|montre|montrez|écris|écrivez|donne-moi|donnez-moi|recopie|recopiez|imprime|imprimez|dévoile|dévoilez)\b{S}{{0,30}}\b(?:ton|tes|vos|votre) (?:\w+ )?(?:prompt|instructions|consignes|règles|configuration|directives)\b",
        r"\b(?:prompt système|prompt initial|message système|consignes? initiales?|instructions? système)\b", r"\bquelles sont tes (?:instructions|consignes)\b",
    ),
    "link_request": (
        rf"\b(?:inclus|incluez|ajoute|ajoutez|mets|mettez|insère|insérez|partage|partagez|mentionne|mentionnez|recommande|recommandez|colle|collez)\b{S}{{0,30}}\b(?:lien|url|site|site web|boutique|code promo|coupon)\b{S}{{0,40}}(?:{URLISH}|\b{_SUMMARY_FR})",
        rf"\b(?:inclus|incluez|ajoute|ajoutez|mets|mettez|insère|insérez|recommande|recommandez)\b{S}{{0,30}}{URLISH}",
        rf"\b(?:visite|visitez|va sur|allez sur|rends-toi sur|rendez-vous sur)\b{S}{{0,30}}{URLISH}",
    ),
    "secret_word": (r"\bmot (?:secret|de code|magique|code)\b", r"\bmot-clé secret\b"),
}

# --------------------------------------------------------------------------- Russian

_V_RU = _alt("игнорируй(?:те)?", "проигнорируй(?:те)?", "забудь(?:те)?", "не обращай(?:те)? внимания на", "отбрось(?:те)?",
             "отмени(?:те)?", "не слушай(?:те)?", "не следуй(?:те)?", "не выполняй(?:те)?", "откажись(?:тесь)? от",
             "выкинь(?:те)? из головы", "наплюй(?:те)? на")
_O_RU = _alt(r"инструкци\w*", r"указани\w*", r"команд\w*", r"правил\w*", r"распоряжени\w*", r"промпт\w*", r"директив\w*",
             r"предписани\w*", r"установк\w*")
_Q_RU = _alt("вс[её]", r"всех", r"предыдущ\w*", r"прежн\w*", r"прошл\w*", r"вышеуказанн\w*", r"вышеизложенн\w*",
             r"изначальн\w*", r"исходн\w*", r"первоначальн\w*", r"сво\w*", r"тво\w*", r"ваш\w*", r"системн\w*", "ранее", "выше")
_PERSONA_RU = _alt(r"бот\w*", r"чат-бот\w*", "ии", r"ассистент\w*", r"помощник\w*", r"персонаж\w*", r"модель\w*",
                   r"копирайтер\w*", r"продав\w+", r"агент\w*", r"режим\w*", r"нейросет\w*", r"(?<![a-z0-9-])[a-z-]+bot\d*")
_CORE_RU = _alt(r"персонаж\w*", r"бот\w*", r"чат-бот\w*", "ии", r"ассистент\w*", r"модель\w*", r"(?<![a-z0-9-])[a-z-]+bot\d*")
_SUMMARY_RU = r"(?:резюме|сводк\w*|ответ\w*|итог\w*|вывод\w*)"
_IMP_RU = r"(?:^|[.!?:;]\s*|\b(?:пожалуйста|всегда|только|обязательно|ты должен|вы должны)\s*,?\s*)"

_DO_RU = _alt(r"напиши(?:те)?", r"пиши(?:те)?", r"добавь(?:те)?", r"вставь(?:те)?", r"укажи(?:те)?", r"упомяни(?:те)?",
              r"закончи(?:те)?", r"заканчивай(?:те)?", r"начни(?:те)?", r"убери(?:те)?", r"исключи(?:те)?", r"сделай(?:те)?",
              r"используй(?:те)?", r"оставь(?:те)?", r"поставь(?:те)?", r"не (?:пиши|упоминай|добавляй|включай|говори)(?:те)?")

RU = {
    "summary_directive": (
        rf"\b{_DO_RU}\b{S}{{0,80}}\b(?:резюме|сводк\w+|итог\w*|тво\w+ ответ\w*)\b",
        rf"\b(?:резюме|сводк\w+|итог\w*)\b{S}{{0,40}}\b{_DO_RU}\b",
    ),
    "override": (
        rf"\b{_V_RU}\b{S}{{0,30}}\b(?:{_Q_RU}\b{S}{{0,20}}\b{_O_RU}|{_O_RU}\b{S}{{0,20}}\b{_Q_RU}\b)",
        rf"\b{_V_RU}\b,?{S}{{0,10}}(?:(?:вс[её],? )?что (?:тебе|вам) (?:говорили|сказали|велели|приказали)|вс[её] (?:вышесказанное|сказанное (?:выше|ранее)|что было (?:выше|раньше|до этого)))",
        r"\b(?:новые|настоящие|секретные|обновл[её]нные|реальные) (?:инструкции|указания|правила|команды|задачи?)\s*[:\-—]",
    ),
    "persona": (
        rf"\b(?:теперь ты|отныне ты|с этого момента ты|с этого момента вы|теперь вы|отныне вы)\b{S}{{0,40}}\b{_PERSONA_RU}\b",
        r"\bпритворись\b", r"\bпритворитесь\b", rf"\bпредставь(?:те)?,? что ты\b{S}{{0,30}}\b{_PERSONA_RU}\b",
        r"\bведи(?:те)? себя как\b", r"\bсыграй(?:те)? роль\b", r"\bиграй(?:те)? роль\b",
        rf"\bты\s*(?:[—–-]\s*[\w-]+|[a-z][\w-]*)(?: [\w-]+){{0,2}},? (?:[\w-]+ ){{0,2}}{_CORE_RU}\b",
        rf"\bты больше не\b{S}{{0,20}}\b{_PERSONA_RU}\b",
    ),
    "address_ai": (
        r"\b(?:примечание|заметка|сообщение|записка|инструкция|указание|напоминание|обращение) (?:для|к) (?:\w+ )?(?:резюме|сводк\w*|ии|нейросет\w*|ассистент\w*|модел\w*|бот\w*|составител\w* (?:резюме|сводк\w*)|того,? кто (?:пишет|составляет|делает) (?:резюме|сводку)|искусственн\w+ интеллект\w*)",
        r"\b(?:дорогой|дорогая|привет|эй|внимание)[,!]?\s*(?:ии|нейросеть|ассистент|бот|chatgpt|модель)\b",
        r"\bесли ты\s*(?:—\s*)?(?:ии|нейросеть|бот|ассистент|языковая модель|искусственный интеллект)\b", r"\bдля ии,? (?:котор\w+|читающ\w+)",
    ),
    "output_control": (
        rf"\b(?:заканчивай|закончи|завершай|заверши|начинай|начни|оканчивай)\w*\b{S}{{0,30}}\b(?:резюме|сводк\w*|ответ\w*|описани\w*|текст\w*|обзор\w*|итог\w*)\b{S}{{0,25}}\b(?:словом|фразой|строкой|с|на|тем)\b",
        rf"\b(?:напиши|пиши|добавь|вставь|включи|укажи|упомяни|выведи)(?:те)?\b{S}{{0,60}}\b(?:в|во|в конц\w+|в начал\w+) (?:каждо\w+ |сво\w+ |эт\w+ )?{_SUMMARY_RU}",
        r"\b(?:резюме|сводка|ответ|итог) (?:должн\w*|обязан\w*)\b", r"\bотвечай(?:те)? только\b",
    ),
    "suppress_negatives": (
        rf"\bне (?:упоминай|пиши|говори|включай|показывай|указывай|рассказывай)(?:те)?\b{S}{{0,40}}\b(?:негатив\w*|жалоб\w*|недостат\w*|минус\w*|плох\w* отзыв\w*|отрицательн\w*|проблем\w*|критик\w*|претензи\w*)",
        rf"\b(?:убери|исключи|пропусти|скрой|опусти|удали|вырежи)(?:те)?\b{S}{{0,15}}\b(?:жалоб\w*|негатив\w*|минус\w*|недостатк\w*|плохие отзывы|отрицательные отзывы|критик\w*|претензи\w*)",
        r"\b(?:пиши|упоминай|говори|указывай)(?:те)? только (?:о |об |про )?(?:положительн\w*|хорош\w*|плюс\w*|достоинств\w*)",
    ),
    "fake_rating": (
        rf"{_IMP_RU}(?:скажи|напиши|укажи|заяви|сообщи|поставь|оцени|выстави|пиши|утверждай)(?:те)?\b{S}{{0,50}}\b(?:5|пять|10|десять)\s*(?:зв[её]зд\w*|из (?:5|пяти|10|десяти)|/\s*(?:5|10)|балл\w*)",
        rf"\b(?:резюме|оценка|рейтинг|средн\w+ оценк\w+)\b{S}{{0,20}}\bдолжн\w*\b{S}{{0,20}}\b(?:5|пять|идеальн\w*|максимальн\w*)",
        rf"\b(?:скажи|напиши)(?:те)?,? что (?:все|каждый|все покупатели)\b{S}{{0,30}}\b(?:5|пять)\b",
    ),
    "prompt_leak": (
        rf"\b(?:покажи|выведи|повтори|раскрой|напиши|скажи|распечатай|процитируй|перескажи|выдай)(?:те)?\b{S}{{0,30}}\b(?:сво\w+|тво\w+|ваш\w+|системн\w+|исходн\w+|скрыт\w+|первоначальн\w+) (?:\w+ )?(?:промпт\w*|инструкци\w*|подсказк\w*|указани\w*|правил\w*|настройк\w*|сообщени\w*)",
        r"\bсистемн\w+ (?:промпт\w*|подсказк\w*)", r"\bкакие у тебя инструкции\b",
    ),
    "link_request": (
        rf"\b(?:добавь|вставь|включи|укажи|размести|приложи|поделись|порекомендуй|упомяни)(?:те)?\b{S}{{0,30}}\b(?:ссылк\w*|url|сайт\w*|адрес сайта|магазин\w*|промокод\w*|купон\w*)\b{S}{{0,40}}(?:{URLISH}|\b{_SUMMARY_RU})",
        rf"\b(?:добавь|вставь|включи|укажи|порекомендуй)(?:те)?\b{S}{{0,30}}{URLISH}",
        rf"\b(?:переходи|перейди|зайди|посети)(?:те)?\b{S}{{0,30}}{URLISH}",
    ),
    "secret_word": (r"\b(?:секретное|кодовое|волшебное|тайное) слово\b",),
}

# --------------------------------------------------------------------------- Chinese (simplified and traditional)

_V_ZH = _alt("忽略", "忽视", "忽視", "无视", "無視", "不要理会", "不要理會", "别理会", "別理會", "别管", "別管", "不要管", "忘记",
             "忘記", "忘掉", "抛开", "拋開", "撇开", "撇開", "放弃", "放棄", "跳过", "跳過", "(?:不要|不再|别|別|停止)再?(?:遵守|遵循|听从|聽從|执行|執行|按照)", "覆盖", "覆蓋", "推翻", "无需理会", "無需理會", "不必理会", "丢弃", "丟棄", "作废", "作廢")
_Q_ZH = _alt("之前", "以前", "先前", "此前", "上面", "上述", "前面", "前述", "原来", "原來", "原先", "原有", "原始", "所有",
             "全部", "一切", "系统", "系統", "你的", "你收到的", "给你的", "給你的", "开发者", "開發者", "最初", "早先", "上文", "以上")
_O_ZH = _alt("指示", "指令", "说明(?!书)", "說明(?!書)", "规则", "規則", "提示词", "提示詞", "提示", "要求", "命令", "设定",
             "設定", "规定", "規定", "约束", "約束", "准则", "準則", "任务", "任務", "指引", "吩咐")
_PERSONA_ZH = _alt("机器人", "機器人", "助手", "助理", "角色", "人工智能", "ai", "模型", "写手", "寫手", "文案", "推销员",
                   "推銷員", "销售", "銷售", "代理", "模式", "人格", r"(?<![a-z0-9-])[a-z-]+bot")
_SUMMARY_ZH = _alt("总结", "總結", "摘要", "概要", "汇总", "彙總", "回答", "回复", "回覆", "输出", "輸出")
_MUST_ZH = _alt("必须", "必須", "一定要", "务必", "務必", "应该", "應該", "需要", "要", "都")
_WRITE_ZH = _alt("写", "寫", "加", "加上", "添加", "注明", "註明", "包含", "附上", "放上", "插入", "提到", "说", "說", "使用", "用", "放")
_NEG_ZH = _alt("负面", "負面", "差评", "差評", "缺点", "缺點", "问题", "問題", "投诉", "投訴", "抱怨", "不足", "批评", "批評",
               "坏话", "壞話", "不好的", "退货", "退貨", "不满", "不滿")
_STARS_ZH = _alt("五星", "5星", "五颗星", "五顆星", "满分", "滿分", "5分", "十分", "10分")
_LINK_ZH = _alt("链接", "鏈接", "連結", "网址", "網址", "网站", "網站", "网页", "網頁", "店铺", "店鋪", "优惠码", "優惠碼",
                "折扣码", "折扣碼", "url")
_AI_ZH = _alt("ai", "人工智能", "助手", "机器人", "機器人", "模型", "chatgpt", "gpt", "语言模型", "語言模型")

ZH = {
    "summary_directive": (
        rf"(?:请|請|务必|務必|记得|記得|一定要|必须|必須){S}{{0,10}}(?:在|把|给|給)?{_SUMMARY_ZH}",
        rf"{_SUMMARY_ZH}(?:的时候|的時候|时|時|里|裡|中|内|內|部分)[，,]?(?:请|請|要|别|別|不要|务必|務必|一定|只|必须|必須)",
    ),
    "override": (
        rf"{_V_ZH}{S}{{0,12}}{_Q_ZH}{S}{{0,10}}{_O_ZH}",
        rf"{_V_ZH}{S}{{0,10}}(?:被告知|被要求|被吩咐|别人告诉你|別人告訴你|告诉你|告訴你)的(?:一切|所有|内容|內容|话|話)",
        rf"(?:之前|以前|先前|此前|上面|上述|前面|原来|原有|以上|所有|全部|系统|系統){S}{{0,8}}{_O_ZH}{S}{{0,6}}(?:忽略|无视|無視|不用管|不用理会|作废|作廢|都不算|不算数|失效|忘掉|无效|無效)",
        r"(?:新的?|真正的|秘密的?|更新后?的|最新的?)(?:指示|指令|规则|規則|任务|任務|要求)[:：]",
        r"从现在(?:起|开始)[，,]?你?(?:只能|只准|只许|必须|要)|從現在(?:起|開始)[，,]?你?(?:只能|只准|只許|必須|要)",
        rf"把{S}{{0,6}}{_Q_ZH}{S}{{0,8}}{_O_ZH}{S}{{0,6}}(?:忘了|忘掉|忘记|忘記|忽略|无视|無視|作废|作廢|丢掉|丟掉|抛开|拋開)",
    ),
    "persona": (
        rf"(?:你现在是|你現在是|现在你是|現在你是|从现在起[，,]?你|從現在起[，,]?你|从现在开始[，,]?你|從現在開始[，,]?你|今后你|今後你){S}{{0,20}}{_PERSONA_ZH}",
        r"假装你是|假裝你是|假装成|假裝成", rf"扮演(?:一个|一個|一名|成)?{S}{{0,12}}{_PERSONA_ZH}", r"(?:请|請|你)(?:来|來)?扮演",
        r"角色扮演", rf"你是{S}{{1,20}}[，,](?:一个|一個|一位|一名){S}{{0,30}}(?:角色|机器人|機器人|助手|人格|ai|模型)",
        r"你不再是", r"你的新(?:身份|名字|角色)",
    ),
    "address_ai": (
        r"(?:给|給|致|写给|寫給|告诉|告訴)(?:负责|負責)?(?:写|寫|做|生成)?(?:总结|總結|摘要|汇总|彙總|概要)(?:的)?(?:人|者|程序|机器人|機器人|模型|ai|助手|工具|系统|系統)(?:的)?",
        rf"(?:给|給|致|写给|寫給){_AI_ZH}(?:的)?(?:备注|備註|说明|說明|提示|话|話|留言|注意)?[:：，,]",
        r"(?:总结|總結|摘要|汇总|彙總)(?:备注|備註|说明|說明|注意事项|注意事項|须知|須知)[:：]",
        rf"(?:亲爱的|親愛的|嘿|注意)[，,]?\s*{_AI_ZH}", rf"如果你是(?:一个|一個)?{_AI_ZH}",
        rf"(?:正在|负责|負責)(?:阅读|閱讀|处理|處理|总结|總結)(?:这条|這條|本条|這些|这些)?(?:评论|評論|评价|評價)的{_AI_ZH}",
    ),
    "output_control": (
        rf"{_SUMMARY_ZH}{_MUST_ZH}?(?:以|用){S}{{1,30}}(?:结尾|結尾|结束|結束|开头|開頭|开始|開始|收尾)",
        rf"(?:在|于|於)(?:每个|每個|所有|你的)?{_SUMMARY_ZH}(?:的)?(?:开头|開頭|结尾|結尾|末尾|最后|最後|中|里|裡|内|內|最前面){S}{{0,6}}{_WRITE_ZH}",
        rf"{_SUMMARY_ZH}(?:里|裡|中){_MUST_ZH}?(?:写|寫|说|說|加上|提到|包含)",
        r"(?:总结|總結|摘要)(?:必须|必須|一定要|务必|務必|应该|應該)(?:写|寫|说|說|提|包含|是|以)", r"只(?:回复|回答|输出|輸出|回覆)",
    ),
    "suppress_negatives": (
        rf"(?:不要|别|別|不准|不许|不許|切勿|请勿|請勿|禁止|千万不要|千萬不要)(?:提及|提到|提(?!了)|写|寫|说(?!了)|說(?!了)|包括|包含|列出|显示|顯示|透露|出现|出現|总结|總結){S}{{0,12}}{_NEG_ZH}",
        rf"(?:省略|略去|删掉|刪掉|删除|刪除|去掉|去除|隐藏|隱藏|过滤掉|過濾掉|排除|剔除)(?:掉)?{S}{{0,6}}(?:所有|全部|一切|每一?条|每一?條|任何)?(?:的)?(?:投诉|投訴|抱怨|差评|差評|负面|負面|缺点|缺點|批评|批評|不满|不滿)",
        r"只(?:写|寫|说|說|提|提及|提到|包括|列出|总结|總結|讲|講)(?:好的|优点|優點|正面|好评|好評|好话|好話|积极|積極)",
    ),
    "fake_rating": (
        rf"(?:请|請|务必|務必|必须|必須|一定要|总是|總是|始终|始終|无论如何|無論如何|永远|永遠)(?:在{_SUMMARY_ZH}(?:里|中|裡))?(?:说|說|写|寫|声称|聲稱|报告|報告|宣称|宣稱|标注|標註|显示|顯示|注明|註明){S}{{0,12}}{_STARS_ZH}",
        rf"(?:总结|總結|摘要|评分|評分|评级|評級|平均分)(?:里|中|裡)?{_MUST_ZH}?(?:写|寫|说|說|显示|顯示|标|標|改|设|設|定)(?:成|为|為|上)?{S}{{0,8}}{_STARS_ZH}",
        rf"(?:告诉|告訴)(?:大家|所有人|用户|用戶|顾客|顧客|读者|讀者){S}{{0,10}}{_STARS_ZH}",
        rf"(?:不管|无论|無論|不论|不論){S}{{0,12}}[，,]\s*(?:请|請|务必|務必|一定要)(?:给出|给|給|打|写|寫|说|說){S}{{0,4}}{_STARS_ZH}",
    ),
    "prompt_leak": (
        rf"(?:输出|輸出|打印|显示|顯示|重复|重複|告诉我|告訴我|透露|泄露|洩露|写出|寫出|复述|複述|展示|给我看|給我看|公开|公開|列出){S}{{0,10}}(?:系统提示|系統提示|提示词|提示詞|你的指令|你的指示|你的规则|你的規則|原始指令|原始指示|系统指令|系統指令|系统消息|系統消息|你收到的(?:指示|指令)|上面的(?:内容|內容|指示|指令|文字)|初始指令|隐藏指令|隱藏指令)",
        r"系统提示词|系統提示詞|你的指令是什么|你的指令是什麼",
    ),
    "link_request": (
        rf"(?:加上|添加|附上|插入|包含|放上|贴上|貼上|附加|写上|寫上|加入|推荐|推薦|提供){S}{{0,10}}{_LINK_ZH}{S}{{0,20}}(?:{URLISH}|{_SUMMARY_ZH})",
        rf"(?:在|于|於){_SUMMARY_ZH}(?:里|中|裡)?{S}{{0,6}}(?:加上|添加|附上|插入|放上|贴上|貼上|写上|寫上|加入){S}{{0,10}}{_LINK_ZH}",
        rf"(?:加上|添加|附上|插入|放上|贴上|貼上|写上|寫上|加入|推荐|推薦|访问|訪問|前往|登录|登錄|打开|打開|点击|點擊){S}{{0,6}}{URLISH}",
    ),
    "secret_word": (r"(?:秘密|暗|密)(?:词|詞|语|語|号|號|码|碼)|口令|暗号|暗號",),
}

# --------------------------------------------------------------------------- Japanese

_Q_JA = _alt("以前の", "前の", "これまでの", "今までの", "上記の", "最初の", "元の", "全ての", "すべての", "全部の", "システムの",
             "前述の", "先ほどの", "さっきの", "以上の", "あなたへの", "与えられた")
_O_JA = _alt("指示", "命令", "指令", "ルール", "プロンプト", "規則", "制約", "インストラクション", "ガイドライン", "指図")
_V_JA = _alt("無視", "むし", "忘れ", "破棄", "無効", "取り消", "従わな", "聞かな", "気にしな", "捨て", "リセット", "上書き")
_PERSONA_JA = _alt("ボット", "ロボット", "アシスタント", "キャラクター", "キャラ", "ai", "モデル", "ライター", "販売員", "営業",
                   "エージェント", "モード", "人格", r"(?<![a-z0-9-])[a-z-]+bot")
_SUMMARY_JA = _alt("要約", "まとめ(?!買い|て)", "回答", "返答", "出力", "説明文", "サマリー")
_PLEASE_JA = _alt("て", "てください", "なさい", "ること", "るな", "ないで", "ないでください")

JA = {
    "summary_directive": (
        rf"{_SUMMARY_JA}(?:では|には|で|に|の中で|の中に|の際は|の時は|を書く時は){S}{{0,30}}(?:てください|ないでください|なさい|ないで|すること|しないこと|るな)",
    ),
    "override": (
        rf"{_Q_JA}{S}{{0,6}}{_O_JA}{S}{{0,12}}{_V_JA}",
        rf"{_O_JA}(?:を|は)(?:すべて|全て|全部|一切){_V_JA}",
        rf"(?:これまで|今まで|さっき|先ほど)(?:に)?(?:言われた|指示された|受けた|教えられた)(?:こと|内容){S}{{0,6}}(?:忘れ|無視)",
        r"(?:新しい|本当の|真の|秘密の|更新された)(?:指示|命令|ルール|タスク)[:：]",
    ),
    "persona": (
        rf"(?:あなたは今から|今からあなたは|これからあなたは|あなたはこれから|今後あなたは|あなたは今){S}{{0,25}}{_PERSONA_JA}",
        rf"あなたは{S}{{1,40}}(?:キャラクター|キャラ|ボット|アシスタント|人格)(?:です|だ|として)", r"(?:の|な)ふりをして",
        r"(?:役|役割)を演じ", r"ロールプレイ", r"になりきって", rf"{_PERSONA_JA}として(?:振る舞|ふるま|行動|答え|回答)",
        rf"あなたはもう{S}{{0,10}}ではありません",
    ),
    "address_ai": (
        r"(?:要約|まとめ|サマリー)(?:を)?(?:担当|作成|作る|書く|する)(?:者|人|方|ai|ボット|モデル)?(?:へ|に)(?:の)?(?:メモ|注意|お願い|指示|伝言)?",
        r"(?:要約|まとめ|サマリー)(?:へ|に)の(?:メモ|注意|注記|指示|お願い)",
        r"(?:ai|人工知能|アシスタント|ボット|言語モデル|chatgpt)(?:さん)?(?:へ|に)(?:の)?(?:メモ|注意|お願い|指示|伝言)?[:：、,]",
        r"もし(?:あなたが)?(?:ai|人工知能|言語モデル|ボット)(?:なら|であれば)", r"(?:親愛なる|ねえ)\s*(?:ai|アシスタント|ボット)",
    ),
    "output_control": (
        rf"{_SUMMARY_JA}(?:の)?(?:最後|最初|冒頭|末尾|終わり|始め|文末|先頭)(?:に|は){S}{{0,25}}(?:入れ|書|付け|加え|追加|含め|記載|置い|使|添え|締め|終わ)",
        rf"{_SUMMARY_JA}(?:は|を)(?:すべて|必ず|常に|毎回)?{S}{{0,25}}(?:で終わ|で締め|で始め|で終え|で結)",
        rf"(?:すべての|全ての|各|毎回の?){_SUMMARY_JA}",
        rf"{_SUMMARY_JA}(?:に|には|の中に)(?:必ず|常に)?{S}{{0,25}}(?:を入れ|を含め|と書|を書|を追加|を加え|を記載|を載せ|と記)",
        rf"{_SUMMARY_JA}(?:は|には)?(?:必ず|常に){S}{{0,20}}(?:こと|しなさい|してください|すること)", r"とだけ(?:答え|返答|回答|書)",
    ),
    "suppress_negatives": (
        r"(?:悪い|否定的な?|ネガティブな?|低評価の?|批判的な?|マイナスの?)(?:レビュー|意見|点|評価|コメント|感想|内容|こと)(?:は|を|には)?(?:すべて|全て|一切|絶対に)?(?:書かない|書くな|触れない|触れるな|無視して|省いて|省略して|除外して|含めない|含めるな|載せない|言わない|言及しない|出さない|削除して|消して|隠して)",
        r"(?:苦情|不満|欠点|短所|文句|クレーム)(?:は|を|に|には)?(?:すべて|全て|一切|全部)?(?:書かないで|書くな|触れないで|触れるな|無視して|省いて|省略して|除外して|含めないで|載せないで|言わないで|言及しないで|削除して|消して|隠して)",
        r"(?:良い|いい|よい|ポジティブな?|肯定的な?)(?:点|こと|面|意見|レビュー)(?:だけ|のみ)(?:を)?(?:書いて|述べて|言って|伝えて|まとめて|含めて|挙げて|取り上げて|書くこと|書きなさい)",
    ),
    "fake_rating": (
        rf"(?:星5|星五つ|五つ星|5つ星|満点|5点|★5|★★★★★)(?:と|だと|であると)(?:書|言|記載|表示|報告|主張|伝え){S}{{0,4}}{_PLEASE_JA}",
        r"(?:評価|評点|レーティング|スコア|平均)(?:を|は)(?:必ず|常に)?(?:5|五|満点|星5)(?:に|と)(?:して|する|書|設定|変更|表示)",
        rf"{_SUMMARY_JA}(?:に|で|には|では)(?:必ず|常に)?{S}{{0,15}}(?:星5|五つ星|5つ星|満点)",
        r"(?:全員|みんな|すべての(?:人|購入者|レビュアー))が(?:星5|五つ星|5つ星|満点)(?:を付けた|をつけた|と評価した)と(?:書|言|伝え)",
    ),
    "prompt_leak": (
        r"(?:システムプロンプト|プロンプト|あなたの指示|元の指示|最初の指示|あなたへの指示|隠された指示|初期設定|システムメッセージ|指示内容)(?:を|も|の内容を)?(?:すべて|全て|そのまま)?(?:表示|出力|教え|見せ|繰り返|書き出|公開|開示|貼り付け|コピー)",
        r"(?:上記|上)の(?:文章|テキスト|内容)(?:を)?(?:すべて|そのまま)?(?:繰り返|出力|コピー|表示)",
    ),
    "link_request": (
        rf"{_SUMMARY_JA}{S}{{0,15}}(?:リンク|url|サイト|ウェブサイト|ホームページ|クーポン){S}{{0,10}}(?:追加|載せ|入れ|貼|記載|含め|掲載|紹介)",
        rf"(?:リンク|url|サイト|ウェブサイト|ホームページ){S}{{0,6}}{URLISH}", rf"{URLISH}{S}{{0,10}}(?:にアクセス|を訪問|をご覧|をチェック|へどうぞ)",
    ),
    "secret_word": (r"合言葉|秘密の(?:言葉|単語|コード|ワード)|暗号",),
}

# --------------------------------------------------------------------------- any language

# Chat-template tokens of the common model families, and tags/markers that fake the prompt's
# own structure. They mean nothing in a review, whatever its language.
ANY = {
    "chat_template": (
        r"<\|[a-z_]{2,40}\|>",  # ChatML <|im_start|>, Llama 3 <|start_header_id|>, Phi <|user|>, Command R
        r"<\s*/?\s*(?:start_of_turn|end_of_turn|bos|eos|s|sys|system|user|assistant|model|instructions?|prompt|review_?text|reviews?|context|summary|output|human|product_facts)\s*(?:\s[^<>]{0,60})?>",
        r"\[/?(?:inst|sys|system_prompt|available_tools|tool_calls|tool_results)\]", r"<<\s*/?sys\s*>>",  # Llama 2, Mistral
        r"#{2,}\s*(?:instruction|system|response|assistant|input|user|human|new task|task)s?\b",  # Alpaca
        r"\bend of (?:reviews?|input|data|context|document|prompt)\b", r"^\s*[-=]{3,}\s*(?:end|begin|start|new)\b",
        r"\b(?:begin|end|start)\s+(?:of\s+)?(?:system|instructions?|prompt)\b",
        r"(?:评论|評論|评价|評價)(?:结束|結束|到此结束)|ende der (?:bewertungen|rezensionen)|fin de (?:las reseñas|los comentarios|des avis|des commentaires)|レビュー(?:終了|ここまで)|конец отзывов",
    ),
    "role_marker": (
        r"\bsystem (?:update|notice|notification|message|override|alert|instruction)s?\s*:|systemnachricht\s*:|systemhinweis\s*:|aviso del sistema\s*:|message système\s*:|системное (?:сообщение|уведомление)\s*:|(?:系统|系統)(?:通知|消息|更新|提示|指令)[:：]|システム(?:通知|メッセージ)[:：]",
        r"(?:^|[\n.!?>\]}|]\s*)(?:system|assistant|developer|user|human|系统|系統|助手|用户|用戶|システム|アシスタント|ユーザー|система|ассистент|пользователь|système|sistema|asistente|usuario|utilisateur|assistent|benutzer)\s*(?:prompt|message|nachricht|mensaje|消息|提示|сообщение)?\s*[:：]",
    ),
}

LANGUAGES: dict[str, dict[str, tuple[str, ...]]] = {"en": EN, "zh": ZH, "de": DE, "es": ES, "fr": FR, "ja": JA, "ru": RU, "any": ANY}
