"""The cue vocabulary of the claim checker: word lists and patterns, no logic.

Kept apart from `claims.py` so the rules read in one sitting and the vocabulary can grow
without touching them. Every pattern runs on lower-cased text unless its name says
otherwise (acronyms, proper names and attributions need the original case).
"""

from __future__ import annotations

import re
from functools import lru_cache

# `words` factors a phrase list into an alternation that matches the same, found sooner.
from forum.content.fastre import Gated
from forum.content.fastre import alternation as words

NUMBER_WORDS = (
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "hundreds?",
    "thousands?",
    "millions?",
    "billions?",
    "dozens?",
    "half",
    "a third",
    "a quarter",
    "doubled?",
    "tripled?",
    "halved",
    "tenfold",
    "twice",
)
EVENT_VERBS = (
    "announced",
    "closed",
    "closing",
    "scrapped",
    "cut",
    "axed",
    "rose",
    "risen",
    "fell",
    "fallen",
    "increased",
    "decreased",
    "dropped",
    "soared",
    "plummeted",
    "started",
    "launched",
    "banned",
    "approved",
    "rejected",
    "voted",
    "decided",
    "signed",
    "awarded",
    "ruled",
    "arrested",
    "charged",
    "convicted",
    "sentenced",
    "fined",
    "jailed",
    "resigned",
    "sacked",
    "fired",
    "elected",
    "opened",
    "built",
    "demolished",
    "sold",
    "bought",
    "privatised",
    "outsourced",
    "collapsed",
    "died",
    "killed",
    "injured",
    "spent",
    "paid",
    "raised",
    "reduced",
    "introduced",
    "abolished",
    "cancelled",
    "canceled",
    "delayed",
    "postponed",
    "confirmed",
    "admitted",
    "refused",
    "shut",
    "moved",
    "merged",
    "hired",
    "employs",
    "employed",
    "invested",
    "borrowed",
    "owes",
    "earned",
    "earns",
    "costs?",
    "went into administration",
    "went bust",
    "has been hosting",
    "has already",
    "have already",
    "was caught",
    "were caught",
    "won",
    "lost",
    "beat",
    "scored",
    "broke",
    "released",
    "recorded",
    "reported",
    "found guilty",
    "overturned",
    "dropped",
    "withdrew",
    "leaked",
    "is planning",
    "are planning",
    "plans to",
    "is going to",
    "are going to",
    "has \\w+ed",
    "(?:has|have|had) (?:\\w+en|made|done|lost|won|put|cut|spent|paid|sold|built|left|shut)",
    "(?:starts|begins|opens|reopens|reopening|closes|ends|kicks in|comes into force|goes up|"
    "go up|going up|going down|goes in)",
    "have \\w+ed",
    "had \\w+ed",
    "was \\w+ed",
    "were \\w+ed",
    "is being \\w+ed",
    "(?:has|have|had) been \\w+(?:ed|en|ing)",
    "were all \\w+ed",
    "got \\w+ed",
    "downgraded",
    "upgraded",
    "found",
    "knew",
    "prosecuted",
    "switching",
    "rationed",
    "shot",
    "owned by",
    "committed by",
    "go(?:es)? to landfill",
    "gone",
    "done nothing",
    "works? better",
    "don't work",
    "doesn't work",
)
CAUSE = (
    "because of",
    "caused",
    "causes",
    "causing",
    "led to",
    "leads to",
    "leading to",
    "due to",
    "as a result",
    "resulted in",
    "results in",
    "responsible for",
    "driven by",
    "linked to",
    "blamed on",
    "is why",
    "that's why",
    "contributed to",
    "triggered",
    "because",
    "so \\w+ that",
    "so (?:bad|full|polluted|expensive|busy) (?:they|that|the)",
)
COMPARISON = (
    "record",
    "highest",
    "lowest",
    "largest",
    "smallest",
    "biggest",
    "fastest",
    "slowest",
    "more than",
    "fewer than",
    "less than",
    "compared (?:to|with)",
    "twice as",
    "worst",
    "most \\w+ (?:since|in|of)",
    "outnumber\\w*",
    "above average",
    "below average",
    "overtook",
    "ahead of",
    "behind",
    "since (?:19|20)\\d\\d",
    "all-time",
    "record-breaking",
    "more \\w+(?: \\w+){0,4} than",
    "(?!rather\\b|other\\b|whether\\b|never\\b|either\\b|neither\\b)\\w{2,}er (?:\\w+ ){0,8}than",
    "the most \\w+",
    "every (?:single )?(?:day|year|week|time)",
    "any other",
    "up every year",
)
BODIES = (
    "council",
    "government",
    "ministry",
    "minister",
    "department",
    "police",
    "nhs",
    "court",
    "judge",
    "parliament",
    "mps?",
    "committee",
    "inspectorate",
    "regulator",
    "company",
    "firm",
    "club",
    "board",
    "school",
    "university",
    "hospital",
    "trust",
    "agency",
    "authority",
    "service",
    "treasury",
    "home office",
    "mayor",
    "union",
    "party",
    "club's",
    "team",
    "manager",
    "chancellor",
    "prime minister",
    "secretary",
    "officials?",
    "landlords?",
    "developers?",
    "contractors?",
)
SOURCE = (
    "according to",
    "source:",
    "sources:",
    "\\(source",
    "as reported (?:by|in)",
    "reported by",
    "figures (?:from|published|released|show)",
    "data (?:from|show)",
    "statistics (?:from|show)",
    "published (?:by|in)",
    "(?:report|study|survey|review|"
    "analysis|audit|inquiry|paper|research|poll|dataset|census|foi)s? (?:by|from|in|for|"
    "published|found|finds|shows?|showed|says|said|suggests|suggested|revealed|reveals)",
    "freedom of information",
    "foi (?:request|response|answer|reply)",
    "foi,",
    "the \\w+ report",
    "(?:ons|nao|ifs|obr|bbc|reuters|guardian|telegraph|lancet|bmj|ofsted|ofcom|who|cdc)"
    " (?:figures|data|report|statistics|analysis|found|shows|showed|published|reported|"
    "says|said|survey|study)",
    "(?:told|tells) (?:the|a|reporters|mps|the committee|parliament|bbc|us)",
    "in (?:a|an|the|his|her|their|its) (?:statement|interview|letter|speech|press release|"
    "report|review|outlook|bulletin|release)",
    # "As the Irish Times reported", "as the BBC revealed": an outlet named as the source.
    "\\bas (?!i |we |you |they |people )(?:the )?\\w+(?: \\w+){0,3} (?:reported|revealed|"
    "found|showed|said|noted)",
    # A named publication, page or dataset that holds the figure: "ESPNcricinfo's stats page
    # has", "the ONS release for March shows", "Trolley Watch counted".
    "(?:stats|statistics|data|figures|release|outlook|tracker|watch|dashboard|page|portal|"
    "register|notice|survey|index)(?: \\w+){0,3} (?:has|have|had|shows?|showed|counted|"
    "records?|recorded|lists?|listed|puts?|gives?|forecasts?)\\b",
    "\\bis on (?:the|their|its) (?:\\w+ ){0,2}(?:website|portal|site|page|register)",
    # An academic citation: "(Science, 2015)", "(Smith et al., 2019)".
    "\\([a-z][\\w .&]{1,60}, (?:19|20)\\d\\d\\)",
    "published (?:on|in|last|this|yesterday|today)",
    "cited in",
    "via ",
    "see:",
    "(?:report|survey|accounts|notice|list|register|minutes|records|figures|data|statistics)"
    "\\b[^.]{0,80}\\b(?:shows?|showed|found|finds|reported|reports|sets out|says|said|"
    "reveals?|revealed|confirms?|confirmed|rated|called|described|concluded|recommended)\\b",
    "\\b\\w+ (?:estimates|estimated|forecasts|forecast|projects|projected) that",
    "based on (?:\\w+ ){0,4}(?:survey|study|fieldwork|report|data|analysis|figures|research)",
    "\\bper (?:the|its|their|a) ",
    "\\bper \\w+['’]s ",
    "(?:statement|release|review|report|accounts|portal|website|filing|minutes|bulletin|"
    "tables?|register) (?:lists|listed|puts|put|estimated|estimates|concluded|concludes|"
    "states|stated)\\b",
    "(?:posted|announced|said|wrote|confirmed) on (?:its|their|the|his|her) (?:\\w+ ){0,2}"
    "(?:website|facebook|twitter|x|instagram|page|site|account|feed)",
)
# Gated patterns (see `fastre.Gated`) list, after the pattern, plain strings one of which
# the searched text must hold for it to match; most sentences hold none, and are spared.
ATTRIBUTED_SAY = Gated(
    re.compile(
        r"\b(?!i\b|we\b|you\b|they\b|people\b|everyone\b|some\b)([A-Za-z][\w'’.-]*)\s+"
        r"(?:said|says|stated|states|wrote|writes|confirmed|announced|told|concluded|estimated)\b"
        r"(?:\s+(?:that|in|on|:))?",
    ),
    (
        *("said", "says", "state", "wrote", "writes", "confirmed", "announced", "told"),
        *("concluded", "estimated"),
    ),
)
OPINION_START = re.compile(
    r"^(?:i think|i believe|i feel|i reckon|i suspect|i hope|i wish|i guess|i doubt|"
    r"i'm not sure|im not sure|i am not sure|i'd say|i would say|in my (?:view|opinion)|imo|"
    r"imho|personally|it seems|it feels|for me|to me|my view|i love|i hate|i like|i dislike|"
    r"i agree|i disagree|i'm sure|honestly|frankly|surely|maybe|perhaps|probably)\b"
)
REQUEST_START = re.compile(
    r"^(?:please|pls|could you|can you|would you|will you|can someone|could someone|"
    r"does anyone|anyone know|let's|lets|let us|don't|do not|read|see|check|sign|join|"
    r"contact|email|write to|go to|visit|share|remember|imagine|consider|keep|stop|try|apply|"
    r"book|register|come|donate|vote|call|tell|ask|watch|listen|what a|what an|how lovely|"
    r"we'll|we will|we're holding|we're running|we are running|we're hosting|join us|"
    r"just finished|just got back|wishing|good morning|good night|rip)\b"
)
THANKS = re.compile(
    r"^(?:thanks|thank you|thx|cheers|great (?:post|article|piece|blog)|well said|"
    r"good (?:post|point|article)|nice|hi|hello|welcome|congrat\w*|brilliant|excellent|"
    r"spot on|agreed|exactly|ok|okay|yes|no|hear hear|good luck|best of luck|shout ?out|rip|"
    r"happy birthday|get well|bring back)\b"
)
THANKS_ANYWHERE = Gated(
    re.compile(r"\b(?:thanks|thank you|enjoy your|well done|congratulations)\b"),
    ("thank", "enjoy your", "well done", "congratulations"),
)
RATING = Gated(
    re.compile(r"\b\d+(?:\.\d+)? ?(?:stars?|/10|out of (?:5|10))\b"), ("star", "/10", "out of ")
)
HEARSAY = Gated(
    re.compile(
        r"according to (?:my|a|some|our|his|her) (?:mate|friend|neighbou?r|mum|dad|mother|father|"
        r"colleague|cousin|brother|sister|uncle|aunt|bloke|guy|lad|someone)|"
        r"\b(?:i heard|i've heard|word is|rumour has it|everyone knows|people say|they say|"
        r"experts say|scientists say|"
        r"studies show|studies have shown|research shows|research has shown|research says|"
        r"science says|a study (?:proved|proves|showed|shows|found)|(?:economists|scientists|"
        r"experts|doctors) agree|all over the news|look it up|apparently|word on the street|"
        r"it's official|it’s official|a (?:friend|mate|mate of mine|bloke|guy) (?:who|that) \w+ "
        r"(?:there|at \w+) (?:says|said|reckons))\b|^(?:the )?figures show\b"
    ),
    (
        *("according to", "heard", "word is", "rumour has it", "everyone knows", "people say"),
        *("they say", "experts", "scientists", "studies", "research", "science says", "a study"),
        *("economists", "doctors", "all over the news", "look it up", "apparently", "official"),
        *("word on the street", "a friend", "a mate", "a bloke", "a guy", "figures show"),
    ),
)
EVALUATIVE_WORDS = (
    "should",
    "shouldn't",
    "ought",
    "must",
    "need to",
    "needs to",
    "would",
    "could",
    "might",
    "may",
    "terrible",
    "awful",
    "disgrace\\w*",
    "shameful",
    "ridiculous",
    "stupid",
    "brilliant",
    "great",
    "amazing",
    "wonderful",
    "fantastic",
    "best",
    "good",
    "bad",
    "worse",
    "wrong",
    "right",
    "fair",
    "unfair",
    "sad",
    "shame",
    "pathetic",
    "joke",
    "nonsense",
    "rubbish",
    "useless",
    "hopeless",
    "incompetent",
    "clueless",
    "obviously",
    "clearly",
    "ruin\\w*",
    "destroy\\w*",
    "love\\w*",
    "goosebumps",
    "gutted",
    "delighted",
    "proud",
    "seems",
    "appears",
    "feel",
    "opinion",
    "agree",
    "disagree",
    "love",
    "hate",
    "fiasco",
    "mess",
    "rob",
    "robbing",
)
EVALUATIVE = re.compile(r"\b(?:" + words(*EVALUATIVE_WORDS) + r")\b")
PERSONAL_START = re.compile(
    r"^(?:i|i've|i'm|i'd|i was|me|we've been|our family|someone tried my)\b"
)
MY_START = re.compile(r"^(?:my|our|mine)\b")
IMPLIED_I = re.compile(r"^(?:just )?[a-z]+ed (?!by\b)")
ASKING = Gated(
    re.compile(r"\b(?:we|i)(?:'d| would)? (?:ask|urge|encourage|invite) you\b"),
    ("ask you", "urge you", "encourage you", "invite you"),
)
QUOTED = Gated(
    re.compile(r"[\"“”«»](?:[^\"“”«»]{8,})[\"“”«»]|(?<!\w)['‘’](?:[^'‘’]{12,})['‘’](?!\w)"),
    tuple("\"“”«»'‘’"),
)
CHALLENGE = re.compile(
    r"\b(?:source\??|citation|evidence|proof|expand|explain|clarify|really\?|is that true|"
    r"where did you|where's the|do you have|can you back|fake news|not true|untrue|myth|"
    r"claim|claims|claimed|rumou?r|supposedly|allegedly)\b"
)
FIGURE = re.compile(
    r"(?<![\w:])(?<!\w\()(?:[£$€]\s?\d[\d,.]*\s?(?:m|bn|k|million|billion)?|\d[\d,]*(?:\.\d+)?\s?"
    r"(?:%|per ?cent|percent|pc\b|m\b|bn\b|k\b)?)(?![\d:])|\b(?:" + words(*NUMBER_WORDS) + r")\b"
)
TIME_OF_DAY = Gated(re.compile(r"\b\d{1,2}:\d{2}\b"), (":",))
DATE_WORDS = (
    "(?:19|20)\\d\\d",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sept?",
    "oct",
    "nov",
    "dec",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "yesterday",
    "last (?:year|month|week|night|summer|winter|spring|autumn|decade)",
    "this (?:year|month|week)",
    "next (?:year|month|week)",
)
DATE = re.compile(r"\b(?:" + words(*DATE_WORDS) + r")\b")
YEAR = Gated(re.compile(r"\b(?:19|20)\d\d\b"), ("19", "20"))
BODY_STATE = re.compile(
    r"(?:\b[A-Z]{2,6}\d?s?|(?i:\bthe (?:" + words(*BODIES) + r")))\s+"
    r"(?i:(?:has|have|had|is|are|was|were)\s+(?:(?:a|an|the|no|not|now|already|still|just|been)\s+)*\w+)"
)
FUTURE = Gated(
    re.compile(
        r"(?<!\bi )(?<!\bwe )(?<!\byou )\b(?:will|won't|is set to|are set to|is due to|are due to)"
        r"\s+(?!be (?:happy|glad|interesting|nice|great)\b)\w+"
    ),
    ("will", "won't", " set to", " due to"),
)
ACRONYM = re.compile(
    r"\b(?!I\b|OK\b|TV\b|UK\b|US\b|USA\b|EU\b|AM\b|PM\b)[A-Z][A-Za-z]?[A-Z]{1,5}\d?s?\b"
)
PROPER_NAME = re.compile(r"(?<=[a-z,;] )(?:[A-Z][a-z]+(?:\s+(?:of|for|and|the)?\s*[A-Z][a-z]+)+)")
URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
# A sentence ends at . ! or ? (with closing quotes or brackets) before whitespace, or at
# a line break; "59.7%" and "e.g." inside a sentence do not end it.
# The abbreviation look-behinds sit after the first mark, so they run only where one is.
BOUNDARY = re.compile(
    r"[.!?…](?<!\bet al\.)(?<!\b[Mm]r\.)(?<!\b[Mm]rs\.)(?<!\b[Dd]r\.)(?<!\bvs\.)(?<!\bSt\.)"
    r"(?<!\be\.g\.)(?<!\bi\.e\.)[.!?…]*[\"'”’)\]]*(?=\s)|\n+"
)

WEIGHTS = {
    "figure": 1.0,
    "date": 0.5,
    "event": 1.0,
    "cause": 1.0,
    "comparison": 1.0,
    "body": 0.6,
    "future": 1.0,
    "state": 0.5,
}


@lru_cache(maxsize=1)
def patterns() -> dict[str, re.Pattern[str]]:
    return {
        "event": re.compile(r"\b(?:" + words(*EVENT_VERBS) + r")\b"),
        "cause": re.compile(r"\b(?:" + words(*CAUSE) + r")\b"),
        "comparison": re.compile(r"\b(?:" + words(*COMPARISON) + r")\b"),
        "body": re.compile(r"\bthe (?:" + words(*BODIES) + r")\b"),
        "source": re.compile(words(*SOURCE)),
    }
