# ruff: noqa: E501  (word lists: one alternation a line reads better than a wrapped one)
"""The words and phrases by which chat asks (or only seems to ask), per language.

Each entry is a regular-expression fragment matched against a clause that has been casefolded,
with apostrophes unified and Arabic alef/ya/ta-marbuta forms folded (see question_form). They
are read at the start of a clause (STARTS, NOT_STARTS), anywhere in a clause (REQUESTS,
CHATTER), or as the whole clause (REACTIONS). Languages: en fr es de pt ru ar id.
"""

from __future__ import annotations

# --- English -------------------------------------------------------------------------------

_EN_WH = r"(?:what|whats|what's|wat|wut|when|whens|when's|where|wheres|where's|who|whos|who's|whom|whose|why|y|how|hows|how's|which)"
_EN_AUX = (
    r"(?:is|isnt|isn't|are|arent|aren't|r|was|wasnt|wasn't|were|werent|weren't|do|does|did|"
    r"can|could|will|would|should|shall|may|might|must|has|have|had|am)"
)
_EN_NEG_AUX = (
    r"(?:isn't|isnt|aren't|arent|don't|dont|doesn't|doesnt|didn't|didnt|can't|cant|couldn't|"
    r"couldnt|won't|wont|wouldn't|wouldnt|shouldn't|shouldnt|hasn't|haven't|wasn't|weren't)"
)
# Who or what may follow an auxiliary that opens a question ("can you", "is there", "do
# volunteers"): pronouns, determiners, and the nouns this audience asks about.
_EN_SUBJECT = (
    r"(?:i|you|u|ya|we|they|he|she|it|there|this|that|these|those|the|a|an|any|anyone|anybody|"
    r"someone|somebody|everyone|everybody|people|our|your|my|their|his|her|its|y'all|yall|"
    r"one|small|new|other|all|volunteers?|affiliates?|chapters?|trustees?|staff|editors?|"
    r"wmf|wikimedia|wikipedia|foundation|board|hubs?|grants?|users?|members?|candidates?|"
    r"admins?|stewards?|maggie|selena|jimmy|legal|non-editors|readers?)"
)
EN_STARTS = [
    _EN_WH + r"(?! (?:i|we|they|he|she|you|u|i'm|we're|they're|you're|a|an)(?![\w'-]))",
    _EN_AUX + r" " + _EN_SUBJECT,
    _EN_NEG_AUX + r" (?:i|you|u|we|they|he|she|it|there|this|that|the)",
    r"(?:please|pls|plz|pl[sz]e|kindly) (?:explain|share|clarify|tell|comment|elaborate|talk|describe|address|confirm|give|say|let|repeat|walk|expand|update|post|discuss|cover|help|speak)",
    r"(?:tell|show|give|walk) (?:us|me)",
    r"let (?:us|me) know",
    r"help (?:me|us) understand",
    r"(?:explain|elaborate|clarify|comment on|speak (?:on|about)|talk (?:about|on))",
    r"(?:i'd|i would|id|would|i'd really|i would really) (?:like|love|want) to (?:know|ask|hear|understand|learn|see)",
    r"(?:i|i really) (?:want|wanted|need|needed|would like) to (?:know|ask|understand|hear)",
    r"need to know",
    r"(?:i|i'm|im|i am|i was|just) (?:wonder|wondering|wondered)",
    r"(?:i'm |im |i am |just |also )?curious(?: about| whether| if| to| how| what| why| when| who| where| which|$)",
    r"any (?:update|updates|news|plans?|thoughts?|idea|ideas|chance|word|info|information|progress|timeline|comments?|insights?|numbers|estimate|response|reaction|movement)",
    r"thoughts on",
    r"(?:my|a|one|quick|small|short|another) question",
    r"question (?:for|to|about|on|regarding)",
    r"i have a question",
    r"i'd like to ask|id like to ask|i wanted to ask|wanted to ask|i want to ask",
    r"how come",
    r"so what",
    r"quick q",
]
EN_NOT_STARTS = [
    r"(?:what|wat) (?:a|an)",
    r"how (?:cool|nice|great|awesome|amazing|lovely|sweet|fun|beautiful|wonderful|exciting|lucky|sad|funny|weird|crazy|cute|kind|true|brilliant|inspiring|interesting|exciting|good|fantastic|incredible|wholesome)",
    r"who (?:knew|cares|else)",
    r"why not",
    r"how about (?:that|this|it)$",
    r"whatever",
    r"what ever",
    r"when in doubt",
    r"who would have thought",
    r"(?:what's|whats|what is) up",
    r"wass?up|sup",
    r"how (?:are|r|re) (?:you|u|ya|y'all|yall|everyone|everybody|we|things|all)",
    r"how(?:'s| is|s) (?:everyone|everybody|it going|life|everything|the weather|your day)",
    r"how (?:you|u|ya) doin",
    r"(?:anyone|anybody|who's|whos|who is|who) (?:else )?(?:here |watching |joining |tuning in )?from",
    r"where (?:is|are|r) (?:everyone|everybody|you all|y'all|yall|you guys|people|u all) from",
    r"who (?:doesn't|doesnt|does not|don't|dont|wouldn't|wouldnt) (?:love|like|want)",
    r"(?:isn't|isnt) (?:that|it|this) (?:amazing|great|cool|wonderful|awesome|beautiful|nice|incredible|fantastic|lovely)",
    r"is it just me",
    r"how long have (?:i|we) been",
    r"have (?:a|an|fun|a great|a nice|a good)",
    r"is this (?:thing )?on",
]

# --- French --------------------------------------------------------------------------------

_FR_PRON = r"(?:je|j|tu|il|elle|on|nous|vous|ils|elles|t-il|t-elle|t-on)"
FR_STARTS = [
    r"(?:qui|que|qu'|quoi|quand|où|pourquoi|pk|pq|comment|combien|quel|quelle|quels|quelles|lequel|laquelle|lesquels|lesquelles|quid)",
    r"(?:est-ce|est ce|c'est quoi|c quoi|qu'est-ce|qu'est ce)",
    # Inversion: "peut-on", "pourriez-vous", "y a-t-il", "va-t-on", also typed without the hyphen.
    r"(?:y a|\w+)-" + _FR_PRON,
    r"(?:pouvez|pourriez|pourrais|peux|peut|avez|allez|faut|sont|est|va|vont|sera|serait|seront|ya|y a|y aura) ?(?:vous|tu|on|il|elle|t il|t on)",
    r"(?:ya|y a) t(?: |-)?il",
    r"(?:je voudrais|j'aimerais|je veux|je voulais|j'voudrais|j'aimerai|je souhaite|je souhaiterais) (?:bien )?(?:savoir|comprendre|connaître|connaitre|en savoir|demander|poser)",
    r"je me (?:demande|demandais)",
    r"(?:petite |une |ma |autre )?question (?:pour|à|a|sur|au|aux)",
    r"petite question",
    r"(?:des |du )?(?:nouvelles|nouveau|news|plans|projets|infos) (?:de|du|des|sur|pour|concernant)",
    r"quoi de neuf",
    r"merci d'expliquer|merci de (?:nous )?(?:dire|préciser|expliquer|clarifier|détailler|revenir)",
    r"(?:expliquez|expliquer|expliquez-nous|dites-nous|dites nous|racontez|parlez-nous|parlez nous|précisez)",
    r"(?:vous pouvez|tu peux|on peut) (?:parler|expliquer|nous dire|revenir|détailler|préciser|avoir|savoir|candidater|voter|postuler)",
    r"et (?:pour|quid|concernant) (?:les|le|la|l')",
]
FR_NOT_STARTS = [
    r"rendez-vous",
    r"(?:quel|quelle|quels|quelles) (?:belle|beau|bonne|bon|plaisir|joie|chance|honneur|super|magnifique|superbe|génial|géniale|bonheur|régal|moment|session)",
    r"(?:que|comme|combien) (?:c'est|ce fut|c'était) (?:beau|bien|bon|génial|super|agréable|chouette)",
    r"comment (?:ça va|ca va|allez-vous|allez vous|vas-tu|vas tu|va tout le monde)",
    r"(?:ça|ca) va",
    r"(?:qui|quoi|où|ou) que",
    r"qui (?:est|sont) (?:là|la|ici) (?:depuis|de|d')",
    r"qui n'aime pas",
    r"pourquoi pas",
    r"quand on veut",
    r"comme d'habitude",
    r"d'où (?:venez|êtes)",
]

# --- Spanish -------------------------------------------------------------------------------

ES_STARTS = [
    r"(?:qué|que|cuándo|cuando|dónde|donde|adónde|adonde|cómo|como|por qué|porque|porqué|por que|pq|quién|quien|quiénes|quienes|cuál|cual|cuáles|cuales|cuánto|cuanto|cuánta|cuanta|cuántos|cuantos|cuántas|cuantas)",
    r"(?:para|a|en|de|por|hasta|desde|con) (?:qué|que|cuándo|cuando|dónde|donde|quién|quien|cuál|cual|cuánto|cuanto)",
    r"(?:se puede|es posible|sería posible|seria posible|habrá|habra|existe|existen)",
    r"hay (?:algún|algun|alguna|algo|planes|plan|forma|manera|posibilidad|alguien|ayuda|novedades|fecha|chance|becas|fondos)",
    r"(?:puedo|podemos|pueden|puede|podrías|podrias|podría|podria|podrían|podrian|puedes) (?!ser(?![\w'-]))\w+",
    r"(?:van|vas|va) a (?!ver(?![\w'-]))\w+",
    r"(?:tienen|tienes|tendremos|tendrán) (?:pensado|planes|planeado|previsto|idea)",
    r"(?:alguien|saben|sabes|sabe) (?:sabe|si)",
    r"(?:me gustaría|me gustaria|quisiera|quiero|quería|queria) (?:saber|preguntar|conocer|entender|que (?:nos )?(?:expliquen|hablen|cuenten|comenten))",
    r"me pregunto",
    r"(?:alguna|algún|algun) (?:novedad|noticia|plan|actualización|actualizacion|idea|fecha)",
    r"novedades (?:sobre|de|del)",
    r"nos (?:puedes|pueden|podrías|podrias|podrían|podrian|podría|podria) (?:contar|decir|explicar|hablar)",
    r"(?:cuéntanos|cuentanos|cuéntenos|cuentenos|cuenten|explíquenos|expliquenos|explícanos|explicanos|expliquen|explica|explique)",
    r"(?:una |mi |otra )?pregunta (?:para|a|sobre|al)",
    r"(?:una|tengo una) pregunta",
]
ES_NOT_STARTS = [
    r"(?:qué|que) (?:bueno|buena|bien|lindo|linda|genial|padre|chido|chévere|chevere|bonito|bonita|increíble|increible|maravilla|emoción|emocion|gusto|alegría|alegria|pena|interesante|orgullo|suerte|gran|grande|tengan|vivan?|les vaya|disfruten|buen|guay|crack|locura|nivel|placer|honor)",
    r"(?:qué|que) tal",
    r"(?:cómo|como) (?:están|estan|estás|estas|les va|va todo|siempre|dije|dijo|dijiste|decía|decia|te dije|sabemos|saben|ya)",
    r"cuando quieras",
    r"(?:quién|quien) no (?:ama|quiere)",
    r"(?:de dónde|de donde) (?:son|eres|vienen)",
    r"por qué no$|porque no$|por que no$",
    r"(?:puede|podría|podria) ser",
    r"(?:hay )?alguien (?:de|desde|aquí de|aqui de|más de|mas de)",
]

# --- German --------------------------------------------------------------------------------

_DE_SUBJECT = (
    r"(?:man|ihr|sie|es|du|wir|ich|er|die|der|das|den|dem|des|ein|eine|einen|einem|einer|jede|jeder|jedes|jeden|"
    r"jemand|irgendwer|irgendjemand|euer|eure|unser|unsere|mein|meine|dein|deine|ihre|diese|"
    r"dieser|dieses|alle|da|dort|schon|noch|auch)"
)
DE_STARTS = [
    r"(?:wer|wen|wem|wessen|was|wann|wo|woher|wohin|warum|wieso|weshalb|weswegen|wie|welche|welcher|welches|welchen|welchem|wozu|womit|wofür|wofur|worüber|woruber|worauf|woran|wodurch|inwiefern|inwieweit)",
    r"(?:bis|seit|ab) wann",
    r"(?:kann|kannst|können|konnen|könnt|konnt|könnte|könnten|konnte|darf|dürfen|durfen|muss|müssen|mussen|soll|sollte|sollen|wird|werden|werdet|wirst|ist|sind|seid|bist|hat|haben|habt|hast|war|waren|wäre|wären|ware|würde|würden|plant|planen|weiß|weiss|wisst|kommt|kommen|bekommt|bekommen|gab|gibt) "
    + _DE_SUBJECT,
    r"(?:gibts|gibt's|gibt es)",
    r"(?:ich würde|ich wurde|ich möchte|ich mochte|ich wüsste|ich wusste) (?:gern |gerne )?(?:wissen|fragen|erfahren|verstehen)",
    r"mich (?:würde|wurde|interessiert)",
    r"ich frage mich",
    r"ich habe eine frage",
    r"(?:kurze |eine |noch eine )?frage (?:an|zu|zum|zur|für|fur)",
    r"(?:erzählt|erzählen sie|erzähl|erzählt doch|erzählen|erklärt|erklären sie|erklär|erkläre|erklärt doch)",
    r"bitte (?:erklärt|erklären|erklär|erzählt|erzählen|sagt|sagen|kommentiert|kommentieren)",
    r"(?:neuigkeiten|pläne|plane|news|infos|updates) (?:zu|zum|zur|für|über|uber|bezüglich)",
]
DE_NOT_STARTS = [
    r"wie (?:cool|schön|schon|toll|geil|super|krass|nett|spannend|interessant|traurig|lustig|immer|klasse|genial)",
    r"was für (?:ein|eine|einen)? ?(?:tolle|toller|tolles|schöne|schöner|super|geile|gute|guter|großartige|klasse|spannende)",
    r"was (?:ein|eine) ",
    r"wie geht(?:'s|s)?",
    r"wer hätte",
    r"wer (?:liebt|mag) .* nicht",
    r"wo (?:auch )?immer",
    r"wer ist (?:hier|da|noch) aus",
    r"woher kommt ihr",
    r"warum nicht",
    r"was geht",
]

# --- Portuguese ----------------------------------------------------------------------------

PT_STARTS = [
    r"(?:o que|o quê|que|quê|quando|onde|aonde|cadê|cade|como|por que|porque|porquê|pq|quem|qual|quais|quanto|quanta|quantos|quantas|será que|sera que)",
    r"(?:para|pra|a|em|de|até|ate|desde) (?:que|quando|onde|quem|qual|quais|quanto)",
    r"(?:é possível|e possivel|é possivel|seria possível|seria possivel|existe|existem|vai ter|vai haver|vai sair|vai ser)",
    r"(?:tem|há|ha) (?:como|planos|plano|previsão|previsao|alguma|algum|data|chance|jeito|bolsa|ajuda)",
    r"(?:vocês|voces|vcs|vc|você|voce) (?:vão|vao|pensaram|podem|sabem|acham|planejam|têm|tem|poderiam|poderia|pode)",
    r"(?:vão|vao) (?:ter|compartilhar|publicar|divulgar|fazer|abrir|disponibilizar|liberar|soltar|mandar)",
    r"(?:posso|podemos|poderia|poderiam|podem|pode) (?!ser(?![\w'-])|crer(?![\w'-]))\w+",
    r"(?:dá|da) (?:pra|para)",
    r"alguém sabe|alguem sabe",
    r"(?:gostaria|gostaríamos|queria|quero|queríamos) (?:de )?(?:saber|perguntar|entender|ouvir)",
    r"(?:me pergunto|fico me perguntando)",
    r"(?:alguma|algum) (?:novidade|notícia|noticia|plano|previsão|previsao|atualização|atualizacao|update)",
    r"novidades (?:sobre|do|da|de)",
    r"(?:conta|contem|conte) (?:mais|pra gente|para nós|sobre)",
    r"(?:explica|expliquem|explique|me explica|explicar)",
    r"(?:uma |minha |outra )?pergunta (?:pra|para|sobre|ao|à|a)",
    r"uma pergunta",
]
PT_NOT_STARTS = [
    r"que (?:legal|bom|boa|lindo|linda|massa|show|top|incrível|incrivel|demais|maravilha|saudade|alegria|orgulho|pena|sessão|sessao|sorte|honra|delícia|delicia|beleza|bacana|ótimo|otimo|ótima|otima|prazer|gente boa)",
    r"como (?:sempre|eu disse|disse|falei|vocês estão|voces estao|vcs estao|vcs estão|vai|vão|vao|estão|estao|está todo mundo|ta todo mundo)",
    r"quem (?:diria|sabe)",
    r"tudo (?:bem|bom|certo|joia|jóia|tranquilo)",
    r"quem não (?:ama|gosta)|quem nao (?:ama|gosta)",
    r"de onde (?:vocês|voces|vcs|vc|você) (?:são|sao|é|e)",
    r"(?:por que|porque|pq) não$",
    r"(?:tem )?(?:alguém|alguem) (?:do|da|de|dos|das|aqui)",
]

# --- Russian -------------------------------------------------------------------------------

RU_STARTS = [
    r"(?:кто|кого|кому|кем|что|чего|чем|чём|когда|где|куда|откуда|почему|зачем|как|какой|какая|какое|какие|каким|какую|каких|какого|чей|чья|чьё|чьи|сколько|насколько|отчего)",
    r"(?:во|в|на|с|до|по|о|об|для|из) (?:сколько|чём|чем|каких|какой|какие|какого|каком|кого|ком|что|чего)",
    r"\w+ ли",
    r"\w+ \w+ ли",
    r"можно",
    r"есть (?:ли|новости|планы|помощь|шанс|информация|возможность|какие|какая|какой)",
    r"(?:планируете|планирует|собираетесь|собирается|будете)",
    r"(?:можете|сможете|могли бы|не могли бы|не подскажете|подскажите|расскажите|объясните|поясните|уточните|скажите|прокомментируйте|поделитесь|расскажи|объясни|подскажи)",
    r"(?:хотелось бы|хочу|хотел бы|хотела бы|хотел|хотела|интересно) (?:узнать|спросить|понять|услышать)",
    r"(?:вопрос|короткий вопрос|у меня вопрос|ещё вопрос|еще вопрос)(?: к| для| о| по| про|$)",
    r"(?:кто-нибудь|кто нибудь|кто-то) знает",
    r"а (?:что|как|когда|где|кто|почему|зачем|сколько|какой|какие|какая|если|отделения|хабы)",
]
RU_NOT_STARTS = [
    r"как (?:круто|здорово|классно|хорошо|приятно|жаль|всегда|обычно|мило|красиво|прекрасно|замечательно|интересно$|же)",
    r"(?:какая|какой|какое|какие) (?:классн|крут|прекрасн|чудесн|отличн|замечательн|красот|радост|кайф|молодц)\w*",
    r"что за (?:чудесн|прекрасн|отличн|классн|бред|ерунд|вечер)\w*",
    r"кто бы ",
    r"как (?:дела|вы там|жизнь|настроение|поживаете)",
    r"как вы$",
    r"кто (?:тут|здесь) из",
    r"откуда вы",
    r"кто не любит",
    r"почему бы (?:и )?нет",
]

# --- Arabic (alef forms folded to ا, ى to ي, ة to ه) -----------------------------------------

AR_STARTS = [
    r"(?:و|ف)?(?:هل|ماذا|متي|اين|لماذا|لما|كيف|كم|ماهو|ماهي|ما هو|ما هي|اي|ايه|ايش|شو|وين|ليش|امتي|ازاي)",
    r"(?:و|ف)?ما (?!شاء|ا\w\w\w(?![\w'-])|عندي|عندنا|في |فيه|فيش|كان|بدي|اعرف|حد|احد|زال|دام|لي )\w+",
    r"(?:و|ف)?لم (?:تم|يتم|لا)",
    r"(?:و|ف)?من (?!ال|بال|هنا|هناك|فضلك|فضلكم|جديد|كل|قلبي|اجل|اول|خلال|بين|عندي|عندنا|لا )\w+",
    r"(?:في|من|الي|علي|ب|ل|مع) (?:اي|ماذا|متي|اين|كم|من|ما)",
    r"(?:اود|اريد|احب|نود|نريد|حاب|ابغي|ابي) (?:ان اعرف|ان نعرف|معرفه|ان اسال|ان نسال|السؤال|ان افهم)",
    r"(?:اتساءل|اتسائل|نتساءل)",
    r"ممكن",
    r"(?:يرجي|ارجو|نرجو|الرجاء) (?:توضيح|شرح|التوضيح|الشرح|ان|اخبارنا)",
    r"(?:اشرح|اشرحوا|اشرحي|وضح|وضحوا|حدثنا|حدثونا|اخبرنا|اخبرونا|كلمونا|احكولنا)",
    r"(?:سؤال|سؤالي|عندي سؤال|لدي سؤال)(?: ل| الي| عن| حول|$)",
    r"سؤال ل\w+",
    r"(?:اي|هل من) (?:اخبار|جديد|خطط|خطه)",
    r"يعني",
]
AR_NOT_STARTS = [
    r"ما شاء",
    r"ما ا\w\w\w(?![\w'-])",
    r"كيف (?:حالكم|الحال|حالك|حالكن|حالكو|الاحوال)",
    r"كيفكم|كيفك",
    r"من (?:اين|وين) (?:انتم|انت|حضراتكم)",
    r"من هنا",
    r"مين من",
    r"من لا (?:يحب|يعشق)",
    r"لم لا",
]

# --- Indonesian ----------------------------------------------------------------------------

ID_STARTS = [
    r"(?:apa|apakah|kapan|dimana|di mana|mana|siapa|mengapa|kenapa|knp|napa|bagaimana|gimana|gmn|bgmn|berapa|yang mana|dari mana|darimana|ke mana|kemana|sejak kapan|sampai kapan|untuk apa|buat apa)",
    r"\w+kah",
    r"(?:bisa|bs) (?:tolong|dijelaskan|jelaskan|diceritakan|ceritakan|gak|nggak|ga|tidak|minta|kita|kami|saya|dapat|dibahas|dibagikan|share|diulang|dikasih)",
    r"(?:boleh|bolehkah) (?:tanya|minta|nanya|tahu|tau|saya)",
    r"ada (?:rencana|kabar|update|info|berita|yang tahu|yang tau|kemungkinan|bantuan|peluang|cara|jadwal|program|gak|nggak|ga|tidak)",
    r"(?:saya |aku )?(?:ingin|pengen|pengin|mau|mo) (?:tahu|tau|tanya|nanya|bertanya|menanyakan)",
    r"(?:izin|ijin|numpang) (?:tanya|bertanya|nanya)",
    r"(?:tolong|mohon) (?:jelaskan|dijelaskan|diceritakan|ceritakan|bahas|dibahas|jawab|dijawab|info|infonya|penjelasan|tanggapan|tanggapannya|komentar)",
    r"(?:jelaskan|ceritakan|bahas)",
    r"(?:saya |aku )?penasaran",
    r"pertanyaan (?:untuk|buat|ke|tentang|saya)",
    r"kok",
    r"(?:terus|lalu|trus|trs) (?:gimana|bagaimana|apa|kapan|siapa|kenapa)",
]
ID_NOT_STARTS = [
    r"apa kabar",
    r"(?:gimana|bagaimana) kabar\w*",
    r"apa (?:aja|saja) (?:deh|lah)",
    r"(?:kenapa|napa) (?:nggak|gak|tidak|enggak|ngga)$",
    r"siapa yang (?:gak|nggak|tidak|ga) (?:suka|cinta)",
    r"ada yang dari",
    r"kalian dari mana",
    r"mana (?:mungkin|ada|bisa)",
]

STARTS = (
    EN_STARTS + FR_STARTS + ES_STARTS + DE_STARTS + PT_STARTS + RU_STARTS + AR_STARTS + ID_STARTS
)
NOT_STARTS = (
    EN_NOT_STARTS
    + FR_NOT_STARTS
    + ES_NOT_STARTS
    + DE_NOT_STARTS
    + PT_NOT_STARTS
    + RU_NOT_STARTS
    + AR_NOT_STARTS
    + ID_NOT_STARTS
)

# Embedded requests, anywhere in a clause ("thanks, and I'd like to know …").
REQUESTS = [
    r"(?:i'd|i would|id) (?:like|love) to (?:know|ask|hear)",
    r"(?:can|could|would) (?:you|u) (?:please )?(?:explain|talk|tell|comment|elaborate|clarify|share|say|speak|address)",
    r"je (?:voudrais|voulais) savoir|j'aimerais savoir|je me demande",
    r"me gustar[ií]a saber|quisiera saber|me pregunto",
    r"ich (?:würde|möchte) gerne? wissen|mich würde interessieren|ich frage mich",
    r"gostaria de saber|queria saber|me pergunto",
    r"хотелось бы узнать|хочу узнать|хочу спросить",
    r"اود ان اعرف|اريد ان اعرف|اتساءل",
    r"(?:saya )?ingin tahu|mau tanya|pengen tahu",
]

# Chatter whatever its form: the stream's sound and picture, small talk about where people are.
CHATTER = [
    # en
    # "sound" and "audio" alone are also topics ("audio description", "the sound archive"):
    # only with a word of trouble.
    r"(?:no|bad|low|poor|better|terrible|awful|choppy|broken|your|ur|her|his) (?:sound|audio|mic|microphone|volume)",
    r"(?:sound|audio|mic|microphone|volume) (?:is |are |was |keeps |seems )?(?:very |so |really |too |a bit )?(?:off|low|bad|gone|choppy|cutting|muted|broken|terrible|awful|quiet|loud|not working|down|out|lagging|delayed|dropping|fine|ok|back|weird|echoing|distorted)",
    r"(?:mic|microphone|unmute|muted|mute|echo|lagg?(?:ing|y)?|buffering|froze|frozen|freezing|louder)",
    r"(?:problems?|issues?|trouble) with (?:the )?(?:sound|audio|mic|stream|video)",
    r"(?:can't|cant|cannot|can not|don't|dont|unable to) hear",
    r"(?:hear|hearing) (?:me|us|you|anything|nothing|the speaker|her|him)",
    r"stream (?:is )?(?:down|dead|stuck|frozen|laggy|lagging|broken)",
    r"black screen",
    # fr
    r"(?:on )?n'entend (?:rien|pas|plus)|m'entendez|pas de son|le son|son coupe|son coupé|micro|figée?|plus fort",
    # es
    r"no se (?:escucha|oye)|no (?:escucho|oigo)|me escuchan|se escucha|sonido|micr[óo]fono|se (?:congeló|congelo|trabó|trabo|cortó|corto|traba|corta)|más fuerte|mas fuerte|sin audio|(?:problemas?|fallas?) con el (?:audio|sonido|micro|video|stream)|el audio (?:se|está|esta|no)",
    # de
    # ("Ton" is also "tone": only with a word of trouble.)
    r"kein ton|hört (?:nichts|man nichts|ihr mich)|man hört|ton (?:ist )?(?:weg|leise|abgehackt|schlecht|kaputt|zu leise|ganz leise|hängt)|mikro|hängt|ruckelt|lauter|mit dem ton",
    # pt
    r"(?:não|nao) (?:tô|to|estou|tá|ta) ouvindo|sem (?:som|áudio|audio)|o som|áudio|me ouv|ouvindo|microfone|trav(?:ou|ando|ado)|mais alto",
    # ru
    r"не слышно|нет звука|звук|микрофон|слышно|погромче|громче|завис|тормозит|лагает",
    # ar
    r"الصوت|(?:لا يوجد|ما في|ما فيه|مافي|بدون|فيه|مش|في) صوت|اسمع|نسمع|تسمعون|تسمعوني|المايك|مايك|الميكروفون|يتقطع|متوقف|البث واقف",
    # id
    r"suaranya|suaraku|(?:gak|nggak|ga|tidak|gada|nggak ada|gak ada|ga ada|tidak ada) suara|suara(?:nya)? (?:putus|kecil|hilang|gak|nggak|ga|tidak)|kedengeran|kedengaran|terdengar|macet|putus putus|putus-putus|nge-?lag|dikerasin",
]

# A clause that is only a reaction: with a question mark it is surprise, not a question.
REACTIONS = [
    *"really seriously what wut huh wow omg lol rly srsly right whaaat".split(),
    *["for real", "is it true", "what's that", "are you serious", "are you kidding me"],
    *"sérieux serieux quoi vraiment hein pardon".split(),
    *["ah bon", "c'est vrai", "c'est pas vrai"],
    *"qué que cómo como neta verdad".split(),
    *["en serio", "de verdad", "ah sí", "a poco"],
    *"echt was wirklich ernsthaft krass ach".split(),
    *["wie bitte", "im ernst"],
    *"sério serio quê jura verdade hein".split(),
    *["é mesmo", "e mesmo", "como assim"],
    *"серьёзно серьезно что правда неужели чего ого".split(),
    *["да ладно", "как так"],
    *"بجد ماذا حقا فعلا معقول شو ايش والله صح".split(),
    *"serius apa beneran masa hah wah benarkah".split(),
    *["masa sih", "yang bener", "yang benar"],
]
