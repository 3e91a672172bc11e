#!/usr/bin/env python3
"""Round 7 of issue 9: a grammar-generated grid of urgent / non-urgent messages.

Writes tests/decisions/dev/urgent-grid.jsonl (part A, seed 7) and
tests/decisions/dev/urgent-grid-b.jsonl (part B, seed 8) (deterministic: fixed
seeds, fixed iteration order; standard library only; a query already in
another dev file or in an earlier part is skipped).  Part B uses only words,
verbs, endings and framings that part A does not (see PART_B below); it was
written after part A's rule fixes and measured before its own, as a check on
how far part A's fixes carry.  Run from the repository root:

    python3 scripts/urgent_grid.py            # writes the file
    python3 scripts/urgent_grid.py --stdout   # prints both parts instead

Why a grammar: rounds 1-6 wrote dev sentences by hand and the rules were tuned
on them.  Here every sentence is composed from a small grammar written from the
customer's side (the words a customer of the "Madoka" card / mobile / shop
deployment would use, not the rules' vocabulary):

    message = [framing prefix] clause(thing, event, ending) [framing tail]

  things  card (クレジットカード, クレカ, カード, まどかカード, デビットカード,
          家族カード ...), phone (スマホ, 携帯, ケータイ, スマートフォン, iPhone,
          アイフォン ...), SIM, wallet/holder (財布, 長財布, カード入れ,
          カードケース ...), account (アカウント, まどかID, マイページ ...),
          secret (カード番号, 暗証番号, セキュリティコード, パスワード ...)
  events  loss (落とした, なくした, 失くした, 無くした, 紛失した, 置き忘れた,
          どこかに置いてきた, 見当たらない, 見つからない, どっか行った ...),
          theft (盗まれた, すられた, ひったくられた, 取られた, 抜き取られた,
          車上荒らしで盗まれた, パクられた ...), fraud (身に覚えのない請求,
          勝手に使われた, 不正利用された ...), takeover, leak, phishing
  endings plain, ました, てしまいました, ちゃった, ちゃいました, みたいです,
          かもしれません, んですが, Kansai, casual
  framing bare, time/place, request, angry tail, family member (loss/theft)
  orthography  standard, kana only (when every word has a kana spelling),
          half-width katakana/ASCII, full-width ASCII

Pairs (thing x event) that make sense for this deployment, 15 of them:
card x {loss, theft, fraud}, phone x {loss, theft, fraud}, SIM x {loss, theft,
takeover}, wallet x {loss, theft}, account x {takeover, fraud}, secret x
{leak, phishing}.  Every pair gets up to 36 positives drawn without
replacement from endings x framings, with templates, spellings and
orthographies assigned round-robin from shuffled lists, so every template and
spelling of a pair appears.

Negatives come from the SAME clauses, wrapped so that the minimal change makes
them non-urgent (expect "self_service", as in the other dev files):
hypotheticals (もし…たら, …た場合, …たとき, 万が一), procedure questions
(…たときの手続きは？), negations (…ていません), found again (…と思ったら
ありました, …。でも見つかりました), third parties (友達が…らしい, ニュースで
…人の話), and things that are not this deployment's with the loss/theft
clauses (保険証, マイナンバーカード, 図書館のカード, 自転車の鍵, 定期券, 社員証,
診察券, 免許証, 家の鍵, 学生証, ポイントカード, 傘).

Labelling decisions (a reviewer should check these):
  * A family member's card/phone (母が, うちの子の) is urgent, a friend's is not
    (same convention as round 6).
  * A bare wallet/bag lost or stolen is urgent (it usually holds the card),
    as in rounds 3-6.
  * Another service's account taken over is NOT generated (round 6 labelled
    「インスタのアカウントが乗っ取られた」 urgent; it is ambiguous for this
    deployment, so the grid only uses Madoka's own account words).
  * Skipped as ambiguous: ETCカード and キャッシュカード (may or may not be
    issued by this deployment), 定期入れ (holder that may hold only a pass),
    nominal statements without a verb (カード紛失), phone "damage" (落として
    割れた) is generated only as a negative.
  * 定期券 and Suica-type cards are treated as not this deployment's.
  * Angry tails (早くしろ, ふざけるな) keep the urgent label: safety first.
  * A secret "told on the phone" or "typed into a fake site" is urgent only
    with the lure named (偽サイト, 怪しいメール, 電話で聞かれて); typing a
    card number alone is ordinary and not generated.
"""

import json
import random
import re
import sys
import unicodedata

SEED = 7
PER_PAIR = 36
OUT = "tests/decisions/dev/urgent-grid.jsonl"
EXISTING_GLOB = "tests/decisions/dev"

# ---------------------------------------------------------------- lexicon


def W(std, kana=None):
    """A word: standard spelling and an all-kana spelling (or None)."""
    return (std, kana)


THINGS = {
    "card": [
        W("クレジットカード", "くれじっとかーど"), W("クレカ", "くれか"), W("カード", "かーど"),
        W("まどかカード", "まどかかーど"), W("デビットカード", "でびっとかーど"),
        W("まどかのクレジットカード"), W("家族カード", "かぞくかーど"), W("まどかのデビットカード"),
    ],
    "phone": [
        W("スマホ", "すまほ"), W("携帯", "けいたい"), W("ケータイ", "けーたい"),
        W("スマートフォン", "すまーとふぉん"), W("iPhone"), W("アイフォン", "あいふぉん"),
        W("携帯電話", "けいたいでんわ"), W("まどかモバイルのスマホ"),
    ],
    "sim": [
        W("SIMカード"), W("SIM"), W("シムカード", "しむかーど"), W("まどかモバイルのSIM"),
        W("eSIMの入ったスマホ"),
    ],
    "wallet": [
        W("財布", "さいふ"), W("長財布", "ながさいふ"), W("カード入れ", "かーどいれ"),
        W("カードケース", "かーどけーす"), W("お財布", "おさいふ"), W("サイフ"),
        W("カードの入った財布"), W("クレカが入ったバッグ"),
    ],
    "account": [
        W("アカウント", "あかうんと"), W("まどかのアカウント"), W("会員アカウント"),
        W("まどかID"), W("マイページ"), W("ログインID"), W("まどかストアのアカウント"),
    ],
    "secret": [
        W("カード番号", "かーどばんごう"), W("暗証番号", "あんしょうばんごう"),
        W("セキュリティコード"), W("カード情報"), W("クレカの番号"), W("パスワード", "ぱすわーど"),
        W("ログインパスワード"),
    ],
}

NOT_OURS = [
    W("保険証", "ほけんしょう"), W("マイナンバーカード"), W("図書館のカード"), W("自転車の鍵"),
    W("定期券", "ていきけん"), W("社員証"), W("診察券"), W("免許証"), W("家の鍵"),
    W("学生証"), W("ポイントカード"), W("傘", "かさ"),
]


class Verb:
    """A verb phrase that takes endings.

    kind "v": ordinary verb given by its masu-stem and te-form.
    kind "neg": a negative state (見当たらない) given by its nai-base and masu-stem.
    """

    def __init__(self, stem, te=None, kana=None, kana_te=None, kind="v", only=None, neg=True):
        self.kind = kind
        self.std = (stem, te if te is not None else stem + "て")
        self.kana = None
        if kana is not None:
            self.kana = (kana, kana_te if kana_te is not None else kana + "て")
        self.only = only      # allowed endings (None = all)
        self.neg = neg        # usable in "…ていません" negatives

    def forms(self, kana=False):
        stem, te = self.kana if (kana and self.kana) else self.std
        if self.kind == "neg":
            base, masu = stem, te  # here: nai-base, masu-stem
            return {
                "ta": base + "なかった", "te": None, "nai": base + "ない",
                "plain": base + "ない", "masu": masu + "ません",
                "shimatta": base + "なくなってしまいました", "chatta": base + "なくなっちゃった",
                "chaimashita": base + "なくなっちゃいました", "mitai": base + "ないみたいです",
                "kamo": None, "ndesuga": base + "ないんですが",
                "kansai": [base + "へん", base + "へんねん", base + "んようになってもうた"],
                "casual": [base + "ないんだけど", base + "なくて焦ってる", base + "なくなったっぽい"],
                "keigo": [masu + "ませんが", base + "ないのですが", base + "ないようです"],
                "kansai2": [base + "へんねんけど", base + "んようになってしもた"],
                "casual2": [base + "ないっぽい", base + "ないんですけど"],
            }
        ta = te[:-1] + ("だ" if te.endswith("で") else "た")
        chatta = te[:-1] + ("じゃった" if te.endswith("で") else "ちゃった")
        return {
            "ta": ta, "te": te, "plain": ta, "masu": stem + "ました",
            "shimatta": te + "しまいました", "chatta": chatta,
            "chaimashita": chatta[:-2] + "いました", "mitai": ta + "みたいです",
            "kamo": ta + "かもしれません", "ndesuga": ta + "んですが",
            "kansai": [te + "しもた", te + "もうた", ta + "んや", te + "ん", te + "しもてん"],
            "casual": [ta + "っぽい", chatta + "んだけど", ta + "わ", chatta + "かも", ta + "っす"],
            "keigo": [stem + "ましたが", te + "しまったのですが", ta + "ようです", te + "しまいまして"],
            "kansai2": [te + "もうたわ", ta + "みたいやねん", te + "しもたんやけど"],
            "casual2": [ta + "んですけど", chatta + "みたい", ta + "っぽいです"],
        }


ENDINGS = ["plain", "masu", "shimatta", "chatta", "chaimashita", "mitai", "kamo",
           "ndesuga", "kansai", "casual"]

# Templates: "{T}" is the thing; the verb follows the template text.
# (template, verb, template kana or None)
LOSS = [
    ("{T}を", Verb("落とし", kana="おとし"), "{T}を"),
    ("{T}を", Verb("なくし", kana="なくし"), "{T}を"),
    ("{T}を", Verb("失くし"), None),
    ("{T}を", Verb("無くし"), None),
    ("{T}を", Verb("紛失し", kana="ふんしつし"), "{T}を"),
    ("{T}を", Verb("置き忘れ", kana="おきわすれ"), "{T}を"),
    ("{T}をどこかに", Verb("置いてき", kana="おいてき"), "{T}をどこかに"),
    ("{T}を電車に", Verb("忘れてき"), None),
    ("{T}を", Verb("落っことし", kana="おっことし"), "{T}を"),
    ("{T}が", Verb("見当たら", "見当たり", kana="みあたら", kana_te="みあたり", kind="neg"), "{T}が"),
    ("{T}が", Verb("見つから", "見つかり", kana="みつから", kana_te="みつかり", kind="neg"), "{T}が"),
    ("{T}がどっか", Verb("行き", "行って", kana="いき", kana_te="いって"), "{T}がどっか"),
    ("{T}が", Verb("なくなり", "なくなって", kana="なくなり", kana_te="なくなって"), "{T}が"),
    ("{T}が", Verb("無くなり", "無くなって"), None),
]
THEFT = [
    ("{T}を", Verb("盗まれ", kana="ぬすまれ"), "{T}を"),
    ("{T}を", Verb("すられ", kana="すられ"), "{T}を"),
    ("{T}を", Verb("ひったくられ", kana="ひったくられ"), "{T}を"),
    ("{T}を", Verb("取られ", kana="とられ"), "{T}を"),
    ("{T}を", Verb("パクられ"), None),
    ("車上荒らしにあって{T}を", Verb("盗まれ", neg=False), None),
    ("置き引きにあって{T}を", Verb("持っていかれ", neg=False), None),
    ("{T}が", Verb("盗まれ", kana="ぬすまれ"), "{T}が"),
]
THEFT_CARD_ONLY = [
    ("財布から{T}を", Verb("抜き取られ"), None),
    ("かばんの中から{T}だけ", Verb("抜かれ", neg=False), None),
]
FRAUD_CARD = [
    ("{T}を", Verb("不正利用され"), None),
    ("{T}を勝手に", Verb("使われ", kana="つかわれ"), "{T}をかってに"),
    ("{T}に身に覚えのない請求が", Verb("来", "来て"), None),
    ("{T}の明細に知らない買い物が", Verb("あり", "あって", only={"plain", "masu", "mitai", "ndesuga"}, neg=False), None),
    ("{T}で知らないうちに海外の買い物を", Verb("され"), None),
    ("{T}から使った覚えのないお金が", Verb("引き落とされ"), None),
]
FRAUD_PHONE = [
    ("{T}の料金に身に覚えのない請求が", Verb("来", "来て"), None),
    ("{T}で勝手に", Verb("課金され"), None),
    ("{T}のキャリア決済を勝手に", Verb("使われ"), None),
    ("{T}の請求に知らない有料サービスが", Verb("入って", "入っていて", only={"plain", "masu", "mitai", "ndesuga"}, neg=False), None),
]
FRAUD_ACCOUNT = [
    ("{T}で勝手に買い物を", Verb("され"), None),
    ("{T}で身に覚えのない注文を", Verb("され"), None),
    ("{T}のポイントを勝手に", Verb("使われ"), None),
    ("{T}に登録したカードを勝手に", Verb("使われ"), None),
]
TAKEOVER_ACCOUNT = [
    ("{T}を", Verb("乗っ取られ", kana="のっとられ"), "{T}を"),
    ("{T}が", Verb("乗っ取られ", kana="のっとられ"), "{T}が"),
    ("{T}に", Verb("不正ログインされ"), None),
    ("{T}のパスワードを勝手に", Verb("変えられ"), None),
    ("{T}に知らない端末から", Verb("ログインされ"), None),
    ("{T}を", Verb("ハッキングされ"), None),
    ("{T}のメールアドレスを勝手に", Verb("変更され"), None),
]
TAKEOVER_SIM = [
    ("{T}を勝手に", Verb("再発行され"), None),
    ("知らないうちに{T}が", Verb("再発行され"), None),
    ("{T}を", Verb("乗っ取られ", kana="のっとられ"), "{T}を"),
    ("{T}を勝手に別の人に", Verb("切り替えられ"), None),
]
LEAK = [
    ("{T}が", Verb("流出し"), None),
    ("{T}が", Verb("漏れ", kana="もれ"), "{T}が"),
    ("{T}を", Verb("盗み見られ"), None),
    ("{T}が外部に", Verb("漏洩し"), None),
    ("{T}を他人に", Verb("知られ", kana="しられ"), "{T}をたにんに"),
]
PHISHING = [
    ("偽サイトに{T}を", Verb("入力し"), None),
    ("怪しいメールのリンクから{T}を", Verb("入れ"), None),
    ("電話で聞かれて{T}を", Verb("教え", kana="おしえ", neg=False), "でんわできかれて{T}を"),
    ("SMSのリンク先で{T}を", Verb("入力し"), None),
    ("銀行を名乗る電話に{T}を", Verb("言い", "言って"), None),
    ("フィッシングサイトに{T}を", Verb("打ち込み", "打ち込んで"), None),
]

PAIRS = [
    ("card", "loss", LOSS), ("card", "theft", THEFT + THEFT_CARD_ONLY), ("card", "fraud", FRAUD_CARD),
    ("phone", "loss", LOSS), ("phone", "theft", THEFT), ("phone", "fraud", FRAUD_PHONE),
    ("sim", "loss", LOSS), ("sim", "theft", THEFT), ("sim", "takeover", TAKEOVER_SIM),
    ("wallet", "loss", LOSS), ("wallet", "theft", THEFT),
    ("account", "takeover", TAKEOVER_ACCOUNT), ("account", "fraud", FRAUD_ACCOUNT),
    ("secret", "leak", LEAK), ("secret", "phishing", PHISHING),
]

# Framings, per event family: (std, kana or None)
PREFIX_PLACE = [W("さっき駅で", "さっきえきで"), W("昨日旅行先で", "きのうりょこうさきで"),
                W("今朝電車の中で", "けさでんしゃのなかで"), W("さっきコンビニで", "さっきこんびにで"),
                W("昨日の夜、飲み会で", "きのうのよる、のみかいで"), W("出張先のホテルで")]
PREFIX_SINCE = [W("さっきから", "さっきから"), W("今朝から", "けさから"), W("昨日から", "きのうから"),
                W("旅行先で急に")]
PREFIX_TIME = [W("昨日", "きのう"), W("今朝", "けさ"), W("さっき", "さっき"), W("先ほど"),
               W("先週")]
PREFIX_FRAUD = PREFIX_TIME + [W("明細を見たら")]
REQ_STOP = [W("止めてください", "とめてください"), W("どうすればいいですか", "どうすればいいですか"),
            W("至急お願いします"), W("すぐに利用を止めたいです"), W("どうしたらいい？", "どうしたらいい？")]
REQ_ACCOUNT = [W("ログインできないようにしてください"), W("どうすればいいですか", "どうすればいいですか"),
               W("至急対応してください"), W("すぐ止めてほしい")]
REQ_FRAUD = [W("調べてください"), W("どうすればいいですか", "どうすればいいですか"),
             W("至急止めてください"), W("カードを止めたいです")]
ANGRY = [W("早くしろ", "はやくしろ"), W("ふざけるな、早く止めろ"), W("どうなってんだよ、さっさと対応しろ"),
         W("ふざけんな", "ふざけんな"), W("何とかしろよ")]
FAMILY = [W("母が", "ははが"), W("うちの子が", "うちのこが"), W("夫が", "おっとが"), W("祖母が")]

NEG_FOUND_TAIL = [W("と思ったら、かばんの中にありました"), W("と思ったんですが、家にありました"),
                  W("と思っていましたが、見つかりました")]
NEG_FOUND_MASU_TAIL = [W("。でも、さっき見つかりました"), W("。でも交番に届いていて、無事に戻ってきました")]
NEG_RESOLVED = {  # "found again" of the non-loss events
    "fraud": [W("と思ったら、家族が使ったものでした"), W("と思いましたが、勘違いでした")],
    "takeover": [W("と思ったら、自分の入力ミスでした"), W("と思いましたが、勘違いでした")],
    "leak": [W("かと心配しましたが、勘違いでした")],
    "phishing": [W("と思いましたが、公式サイトでした")],
}
UNRELATED = ["有効期限を確認したいです", "ポイントの残高を知りたいです", "住所変更の方法を教えてください",
             "明細の見方を教えてください"]
HYPO = [("もし", "らどうすればいいですか"), ("", "場合、再発行の手数料はかかりますか"),
        ("", "ときはどこに連絡すればいいですか"), ("万が一", "ら、補償はありますか"),
        ("", "らどうなりますか？"), ("もし", "らどないしたらええの？")]
PROC = [("", "ときの手続きを教えてください"), ("", "時の連絡先は？"),
        ("", "場合の補償について知りたいです")]

# ---------------------------------------------------------------- orthography

KANJI = re.compile(r"[\u4e00-\u9fff]")


def _hw_table():
    table = {}
    for cp in range(0xFF61, 0xFFA0):
        c = chr(cp)
        f = unicodedata.normalize("NFKC", c)
        if len(f) == 1 and f not in table:
            table[f] = c
    for c in list(table.values()):
        for mark in "\uff9e\uff9f":
            f = unicodedata.normalize("NFKC", c + mark)
            if len(f) == 1 and f not in table:
                table[f] = c + mark
    return table


HW = _hw_table()


def to_halfwidth(s):
    out = []
    for ch in s:
        if "\u30a0" <= ch <= "\u30ff" and ch in HW:
            out.append(HW[ch])
        elif "\uff01" <= ch <= "\uff5e":
            out.append(chr(ord(ch) - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def to_fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def has_katakana_or_ascii(s):
    return any("\u30a1" <= c <= "\u30fa" or "!" <= c <= "~" for c in s)


# ---------------------------------------------------------------- building


def pick(w, kana):
    return w[1] if (kana and w[1]) else w[0]


def clause(tpl, thing, kana):
    """Template text with the thing filled in (verb not included)."""
    t_std, t_kana, verb = tpl[0], tpl[2], tpl[1]
    text = t_kana if (kana and t_kana) else t_std
    return text.replace("{T}", pick(thing, kana))


def ending_form(verb, ending, kana, rng):
    f = verb.forms(kana)[ending]
    if isinstance(f, list):
        f = rng.choice(f)
    return f


def allowed(verb, ending):
    if verb.only is not None and ending not in verb.only:
        return False
    return verb.forms()[ending] is not None


def join(head, tail, ending):
    sep = "、" if ending == "ndesuga" else "。"
    return head + sep + tail


def prefix_pool(cfg, event, tpl):
    if event in ("loss", "theft"):
        return cfg["PREFIX_SINCE"] if tpl[1].kind == "neg" else cfg["PREFIX_PLACE"]
    return cfg["PREFIX_FRAUD"] if event == "fraud" else cfg["PREFIX_TIME"]


def request_pool(cfg, thing):
    if thing == "account":
        return cfg["REQ_ACCOUNT"]
    if thing == "secret":
        return cfg["REQ_FRAUD"]
    return cfg["REQ_STOP"]


def build_positive(cfg, thing_name, event, tpl, thing, ending, framing, orth, rng):
    kana = orth == "kana"
    head = clause(tpl, thing, kana) + ending_form(tpl[1], ending, kana, rng)
    if framing == "prefix":
        pool = prefix_pool(cfg, event, tpl)
        if cfg.get("PLACED_GET_TIME") and tpl[0] not in ("{T}を", "{T}が"):
            pool = cfg["PREFIX_TIME"]  # the template already names a place
        head = pick(rng.choice(pool), kana) + head
    elif framing == "family":
        who = pick(rng.choice(cfg["FAMILY"]), kana)
        if head.startswith(pick(thing, kana) + "が"):
            head = who[:-1] + "の" + head
        else:
            head = who + head
    msg = head
    if framing == "request":
        msg = join(head, pick(rng.choice(request_pool(cfg, thing_name)), kana), ending)
    elif framing == "angry":
        msg = join(head, pick(rng.choice(cfg["ANGRY"]), kana), ending)
    elif rng.random() < 0.4 and ending not in ("casual", "kansai", "ndesuga"):
        msg += "。"
    return msg


def finish_orth(msg, orth):
    if orth == "kana" and KANJI.search(msg):
        return None
    if orth == "hw":
        return to_halfwidth(msg) if has_katakana_or_ascii(msg) else None
    if orth == "fw":
        if not any("!" <= c <= "~" for c in msg):
            return None
        return to_fullwidth(msg)
    return msg


def skipped(thing_name, tpl):
    """Combinations left out as ambiguous (see the header)."""
    # 「SIMカードが見つかりません」 is also the phone's "no SIM" error message.
    return thing_name == "sim" and tpl[1].std[0] == "見つから"


def load_existing():
    import glob
    seen = set()
    for path in sorted(glob.glob(EXISTING_GLOB + "/*.jsonl")):
        if path.endswith("urgent-grid.jsonl") or path.endswith("urgent-grid-b.jsonl"):
            continue
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    case = json.loads(line)
                    if "query" in case:
                        seen.add(case["query"])
    return seen


def generate(cfg, seen):
    rng = random.Random(cfg["SEED"])
    rows = []
    NOTE = cfg["NOTE"]

    def add(query, expect, note):
        if query in seen:
            return False
        seen.add(query)
        rows.append({"query": query, "expect": expect, "note": note})
        return True

    # ---- positives
    for thing_name, event, tpls in cfg["PAIRS"]:
        framings = ["bare", "prefix", "request", "angry"]
        if event in ("loss", "theft"):
            framings.append("family")
        combos = [(e, f) for e in cfg["ENDINGS"] for f in framings]
        rng.shuffle(combos)
        tpl_cycle = [t for t in tpls if not skipped(thing_name, t)]
        rng.shuffle(tpl_cycle)
        things = list(cfg["THINGS"][thing_name])
        rng.shuffle(things)
        orths = ["std"] * 6 + ["kana", "hw", "fw", "kana"]
        made = ti = si = oi = 0
        for ending, framing in combos:
            if made >= cfg["PER_PAIR"]:
                break
            for _attempt in range(len(tpl_cycle)):
                tpl = tpl_cycle[ti % len(tpl_cycle)]
                ti += 1
                if allowed(tpl[1], ending):
                    break
            else:
                continue
            if framing == "family" and thing_name == "account":
                continue
            thing = things[si % len(things)]
            si += 1
            orth = orths[oi % len(orths)]
            oi += 1
            msg = None
            for o in (orth, "std"):
                raw = build_positive(cfg, thing_name, event, tpl, thing, ending, framing, o, rng)
                msg = finish_orth(raw, o)
                if msg is not None:
                    orth = o
                    break
            note = NOTE + " (thing=%s, event=%s, ending=%s, framing=%s, orth=%s)" % (
                thing_name, event, ending, framing, orth)
            if add(msg, "handoff:urgent", note):
                made += 1

    # ---- negatives from the same clauses
    for thing_name, event, tpls in cfg["PAIRS"]:
        tpl_cycle = [t for t in tpls if not skipped(thing_name, t)]
        rng.shuffle(tpl_cycle)
        things = list(cfg["THINGS"][thing_name])
        rng.shuffle(things)
        k = 0

        def nxt():
            nonlocal k
            while True:
                tpl = tpl_cycle[k % len(tpl_cycle)]
                thing = things[k % len(things)]
                k += 1
                if tpl[1].only is None or "plain" in tpl[1].only:
                    return tpl, thing

        def note(kind, extra=""):
            return NOTE + " negative (thing=%s, event=%s, kind=%s%s)" % (thing_name, event, kind, extra)

        for pre, post in rng.sample(cfg["HYPO"], cfg.get("N_HYPO", 3)):
            tpl, thing = nxt()
            c = clause(tpl, thing, False) + tpl[1].forms()["ta"]
            add(pre + c + post, "self_service", note("hypothetical"))
        for pre, post in rng.sample(cfg["PROC"], cfg.get("N_PROC", 2)):
            tpl, thing = nxt()
            c = clause(tpl, thing, False) + tpl[1].forms()["ta"]
            add(pre + c + post, "self_service", note("procedure"))
        for _ in range(cfg.get("N_NEG", 2)):
            for _try in range(len(tpl_cycle)):
                tpl, thing = nxt()
                if tpl[1].neg and tpl[1].kind == "v":
                    break
            else:
                break
            c = clause(tpl, thing, False)
            t = pick(thing, False)
            if c.startswith(t + "を") or c.startswith(t + "が"):
                c = t + "は" + c[len(t) + 1:]
            add(c + tpl[1].forms()["te"] + "いません。" + rng.choice(cfg["UNRELATED"]), "self_service",
                note("negation"))
        if event in ("loss", "theft"):
            for tail in rng.sample(cfg["NEG_FOUND_TAIL"], 2):
                tpl, thing = nxt()
                f = tpl[1].forms()
                base = f["nai"] if tpl[1].kind == "neg" else f["ta"]
                add(clause(tpl, thing, False) + base + tail[0], "self_service", note("found again"))
            tpl, thing = nxt()
            add(clause(tpl, thing, False) + tpl[1].forms()["masu"] + rng.choice(cfg["NEG_FOUND_MASU_TAIL"])[0],
                "self_service", note("found again"))
        else:
            for tail in cfg["NEG_RESOLVED"][event]:
                tpl, thing = nxt()
                add(clause(tpl, thing, False) + tpl[1].forms()["ta"] + tail[0], "self_service",
                    note("resolved"))
        # third parties
        for form in ("friend", "news"):
            tpl, thing = nxt()
            c = clause(tpl, thing, False)
            t = pick(thing, False)
            f = tpl[1].forms()
            ta = f["nai"] if tpl[1].kind == "neg" else f["ta"]
            if form == "friend":
                if c.startswith(t + "が"):
                    q = "友達の" + c + ta + "らしいです"
                else:
                    q = "友達が" + c + ta + "らしいです"
            else:
                q = "ニュースで" + c + ta + "人の話を見て心配になりました"
            add(q, "self_service", note("third party", ", who=" + form))

    # ---- things that are not this deployment's, with the loss/theft clauses
    for i, thing in enumerate(cfg["NOT_OURS"]):
        for event, tpls in (("loss", cfg["LOSS"]), ("theft", cfg["THEFT"])):
            sample = rng.sample(tpls, 3)
            for j, tpl in enumerate(sample):
                ending = cfg["ENDINGS"][(i * 3 + j + (0 if event == "loss" else 5)) % len(cfg["ENDINGS"])]
                if not allowed(tpl[1], ending):
                    ending = "plain" if allowed(tpl[1], "plain") else "masu"
                head = clause(tpl, thing, False) + ending_form(tpl[1], ending, False, rng)
                r = rng.random()
                if r < 0.3:
                    head = rng.choice(cfg["PREFIX_SINCE"] if tpl[1].kind == "neg" else cfg["PREFIX_PLACE"])[0] + head
                elif r < 0.6:
                    head = join(head, rng.choice(["どうすればいいですか", "再発行できますか", "どこに届け出ればいいですか"]), ending)
                add(head, "self_service",
                    NOTE + " negative (thing=not_ours:%s, event=%s, ending=%s)" % (thing[0], event, ending))
    return rows


PART_A = dict(
    SEED=SEED, PER_PAIR=PER_PAIR, NOTE="round 7: grid", OUT=OUT, THINGS=THINGS, PAIRS=PAIRS, NOT_OURS=NOT_OURS,
    ENDINGS=ENDINGS, LOSS=LOSS, THEFT=THEFT,
    PREFIX_PLACE=PREFIX_PLACE, PREFIX_SINCE=PREFIX_SINCE, PREFIX_TIME=PREFIX_TIME, PREFIX_FRAUD=PREFIX_FRAUD,
    REQ_STOP=REQ_STOP, REQ_ACCOUNT=REQ_ACCOUNT, REQ_FRAUD=REQ_FRAUD, ANGRY=ANGRY, FAMILY=FAMILY,
    HYPO=HYPO, PROC=PROC, UNRELATED=UNRELATED, NEG_FOUND_TAIL=NEG_FOUND_TAIL,
    NEG_FOUND_MASU_TAIL=NEG_FOUND_MASU_TAIL, NEG_RESOLVED=NEG_RESOLVED,
)
PARTS = [PART_A]


# ---------------------------------------------------------------- part B
# Written after part A's fixes and measured before any further change: new
# spellings, verbs, endings (keigo, more Kansai, casual), framings
# (greetings, questions) and negatives (worry, denial, other things), so the
# round's fixes can be judged on combinations they were not made for.

THINGS_B = {
    "card": [W("まどかゴールドカード"), W("法人カード"), W("ゴールドカード"), W("クレジットのカード"),
             W("まどかのカード"), W("クレカ2枚")],
    "phone": [W("スマートホン"), W("ガラケー", "がらけー"), W("iPhone15"), W("Androidのスマホ"),
              W("仕事用の携帯"), W("タブレット")],
    "sim": [W("まどかのSIM"), W("データSIM"), W("SIMカード2枚"), W("ＳＩＭ")],
    "wallet": [W("二つ折り財布"), W("カードホルダー"), W("ウォレット"), W("小銭入れ"), W("ポーチごと財布")],
    "account": [W("マイアカウント"), W("会員ページ"), W("まどかアプリのアカウント"), W("会員ID")],
    "secret": [W("カードの暗証番号"), W("ワンタイムパスワード"), W("認証コード"), W("カード裏の3桁の番号"),
               W("CVV")],
}
LOSS_B = [
    ("{T}を", Verb("紛失いたし", only={"masu"}, neg=False), None),
    ("{T}が", Verb("行方不明になり", "行方不明になって"), None),
    ("{T}を", Verb("見失い", "見失って"), None),
    ("{T}をタクシーに", Verb("置きっぱなしにしてき"), None),
    ("{T}をどこかで", Verb("落とし", kana="おとし"), "{T}をどこかで"),
    ("{T}が", Verb("どこにも見当たら", "どこにも見当たり", kind="neg"), None),
]
THEFT_B = [
    ("{T}を", Verb("盗られ", kana="とられ"), "{T}を"),
    ("{T}を", Verb("持ち去られ"), None),
    ("{T}を", Verb("奪われ"), None),
    ("空き巣に入られて{T}を", Verb("盗まれ", neg=False), None),
    ("満員電車で{T}を", Verb("すられ"), None),
]
FRAUD_CARD_B = [
    ("{T}が不正に", Verb("使われ"), None),
    ("{T}で勝手に", Verb("キャッシングされ"), None),
    ("{T}が誰かに", Verb("使われ"), None),
    ("{T}の利用通知に覚えのない買い物が", Verb("届き", "届いて", only={"plain", "masu", "mitai", "ndesuga", "keigo"}, neg=False), None),
]
FRAUD_PHONE_B = [
    ("{T}で勝手に有料アプリを", Verb("買われ"), None),
    ("{T}の請求に覚えのない課金が", Verb("あり", "あって", only={"plain", "masu", "mitai", "ndesuga"}, neg=False), None),
    ("{T}の料金に知らない請求が", Verb("来", "来て"), None),
]
FRAUD_ACCOUNT_B = [
    ("{T}のポイントを誰かに", Verb("使われ"), None),
    ("{T}で知らない注文を", Verb("され"), None),
    ("{T}で勝手に高額な買い物を", Verb("され"), None),
]
TAKEOVER_ACCOUNT_B = [
    ("{T}のパスワードを誰かに", Verb("変えられ"), None),
    ("{T}に海外から", Verb("ログインされ"), None),
    ("{T}が誰かに", Verb("乗っ取られ"), None),
    ("{T}の登録メールアドレスを", Verb("書き換えられ"), None),
]
TAKEOVER_SIM_B = [
    ("{T}が勝手に別の端末に", Verb("移され"), None),
    ("{T}を知らないうちに", Verb("再発行され"), None),
    ("{T}を誰かに", Verb("乗っ取られ"), None),
]
LEAK_B = [
    ("{T}が", Verb("盗まれ"), None),
    ("{T}を", Verb("覗き見され"), None),
    ("{T}が他人に", Verb("バレ"), None),
    ("{T}が", Verb("流出し"), None),
]
PHISHING_B = [
    ("偽メールのリンクから{T}を", Verb("入れ"), None),
    ("宅配業者を名乗るSMSから{T}を", Verb("入力し"), None),
    ("警察を名乗る人に{T}を", Verb("伝え"), None),
    ("本物そっくりのサイトに{T}を", Verb("入れ"), None),
]
PAIRS_B = [
    ("card", "loss", LOSS_B), ("card", "theft", THEFT_B), ("card", "fraud", FRAUD_CARD_B),
    ("phone", "loss", LOSS_B), ("phone", "theft", THEFT_B), ("phone", "fraud", FRAUD_PHONE_B),
    ("sim", "loss", LOSS_B), ("sim", "theft", THEFT_B), ("sim", "takeover", TAKEOVER_SIM_B),
    ("wallet", "loss", LOSS_B), ("wallet", "theft", THEFT_B),
    ("account", "takeover", TAKEOVER_ACCOUNT_B), ("account", "fraud", FRAUD_ACCOUNT_B),
    ("secret", "leak", LEAK_B), ("secret", "phishing", PHISHING_B),
]
PART_B = dict(
    SEED=8, PER_PAIR=14, NOTE="round 7b: grid", PLACED_GET_TIME=True, N_HYPO=2, N_PROC=1, N_NEG=1,
    OUT="tests/decisions/dev/urgent-grid-b.jsonl", THINGS=THINGS_B, PAIRS=PAIRS_B,
    NOT_OURS=[W("Suica"), W("パスポート"), W("家の合鍵"), W("車のキー"), W("印鑑"), W("通帳"),
              W("年金手帳"), W("障害者手帳")],
    ENDINGS=["plain", "masu", "keigo", "kansai2", "casual2", "shimatta", "chatta", "mitai"],
    LOSS=LOSS_B, THEFT=THEFT_B,
    PREFIX_PLACE=[W("お世話になっております。先ほど駅のホームで"), W("すみません、昨日タクシーで"),
                  W("夜分にすみません。帰り道で"), W("海外旅行中に")],
    PREFIX_SINCE=[W("お世話になっております。朝から"), W("すみません、さっきから")],
    PREFIX_TIME=[W("お世話になっております。昨日"), W("すみません、今日"), W("夜分にすみません。さっき")],
    PREFIX_FRAUD=[W("お世話になっております。昨日"), W("利用通知を見たら"), W("すみません、今月")],
    REQ_STOP=[W("今すぐ止められますか？"), W("どうしたらいいでしょうか"), W("使えないようにしてもらえますか")],
    REQ_ACCOUNT=[W("どうしたらいいでしょうか"), W("ログインを止めてもらえますか")],
    REQ_FRAUD=[W("どうしたらいいでしょうか"), W("カードは止めたほうがいいですか")],
    ANGRY=[W("いい加減にしろ"), W("早く何とかしろ、役立たず"), W("どうなってんだよ")],
    FAMILY=[W("父が"), W("妻が"), W("娘が")],
    HYPO=[("", "らどうしようと心配です"), ("", "ときに備えて何をしておけばいいですか"),
          ("", "ときって、警察にも届けるんですか"), ("もし", "ら、すぐ止めてもらえますか")],
    PROC=[("", "場合の連絡先を教えてください"), ("", "ときの再発行の流れを知りたいです")],
    UNRELATED=["年会費を知りたいです", "引き落とし日を教えてください"],
    NEG_FOUND_TAIL=[W("と思ったら、ポケットに入っていました"), W("けど、見つかりました")],
    NEG_FOUND_MASU_TAIL=[W("。でも、車の中にありました"), W("。その後、駅に届いていました")],
    NEG_RESOLVED={
        "fraud": [W("と思ったら、自分で申し込んだものでした")],
        "takeover": [W("と思いましたが、気のせいでした")],
        "leak": [W("かと思いましたが、勘違いでした")],
        "phishing": [W("と思ったら、本物のサイトでした")],
    },
)
PARTS.append(PART_B)


def main():
    seen = load_existing()
    for part in PARTS:
        rows = generate(part, seen)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        if "--stdout" in sys.argv:
            sys.stdout.write(text)
            continue
        with open(part["OUT"], "w", encoding="utf-8") as fh:
            fh.write(text)
        pos = sum(1 for r in rows if r["expect"] == "handoff:urgent")
        print("wrote %s: %d positives, %d negatives" % (part["OUT"], pos, len(rows) - pos), file=sys.stderr)


if __name__ == "__main__":
    main()
