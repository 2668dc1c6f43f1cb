import json, re, subprocess, sys
import os
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lex import L
RULES = sys.argv[1]
# Forms that name no user ("don't tell him", "without telling anyone", "without asking"): a surprise or a
# user's own request uses them too, so they count as stealth, which joins only a destructive act or a secret.
GENERIC = {"without telling anyone", "without telling anybody", "without anyone noticing", "without anyone knowing",
  "不要告诉他", "别告诉他", "no le digas ~ usuario", "no le avises", "no le informes", "no le cuentes", "no se lo cuentes", "sin que nadie",
  "sin avisar", "sin avisarle", "sin decirle", "sin decirselo", "sin decir nada", "sin informar", "sin informarle", "sin notificar",
  "nao lhe diga", "nao lhe conte", "nao conte nada", "nao diga nada", "nao avise ninguem", "sem avisar", "sem contar", "sem dizer nada",
  "sem informar", "sem notificar", "sem que ninguem",
  "ne lui dis rien", "ne lui dis pas", "ne previens pas", "ne le previens pas", "ne previens personne", "n'en parle a personne",
  "sans prevenir", "sans le prevenir", "sans avertir", "sans informer", "sans en informer", "sans le dire", "sans rien dire", "sans que personne", "a son insu",
  "sag niemandem", "erzahl niemandem", "ohne jemandem", "ohne es jemandem", "ohne dass jemand", "ohne dass es jemand", "ohne bescheid zu geben", "ohne dass es auffallt",
  "не предупреждай", "не уведомляй", "ничего не говори", "никому не говори", "чтобы никто не", "без ведома", "без уведомления", "без предупреждения",
  "не попереджай", "нікому не кажи", "нічого не кажи", "щоб ніхто не", "без відома", "без повідомлення", "без попередження",
  "non dirgli", "non dirle", "non dire niente", "non dire nulla", "non avvisare", "non avvisarlo", "senza avvisare", "senza dirlo", "senza dirgli",
  "senza dire niente", "senza informare", "senza che nessuno", "all'insaputa",
  "vertel niemand", "zeg niemand", "meld het niet", "zonder het te melden", "zonder te melden", "zonder iets te zeggen", "zonder het te zeggen",
  "zonder iemand", "zonder dat iemand", "zonder medeweten",
  "nie mów nic", "nic nie mow", "nikomu nie mow", "nie powiadamiaj", "nie zdradzaj", "nie uprzedzaj", "bez wiedzy", "bez informowania",
  "bez powiadamiania", "bez uprzedzenia", "żeby nikt nie", "tak, zeby nikt",
  "kimseye soyleme", "kimseye bahsetme", "haber vermeden", "kimseye soylemeden", "fark ettirmeden", "kimse fark etmeden",
  "đừng nói cho ai", "đừng cho ai biết", "mà không báo", "mà không nói", "không ai hay biết", "không để ai biết",
  "किसी को मत बताना", "किसी को मत बताओ", "किसी को पता न चले", "बिना बताए", "बिना बताये", "बिना सूचना", "जानकारी के बिना",
  "لا تخبر احدا", "لا تخبر أحدا", "دون ان يلاحظ", "دون أن يلاحظ", "دون علم", "بدون علم", "دون اخطار", "دون إخطار", "دون ابلاغ", "دون إبلاغ",
  "säg inget till någon", "berätta inte för någon", "utan att berätta", "utan att säga", "utan att meddela", "utan att informera",
  "utan att varna", "utan att nämna", "utan att någon",
  "jangan beri tahu siapa", "jangan bilang siapa", "jangan kabari", "jangan sampai ada yang tahu", "tanpa sepengetahuan", "tanpa memberi tahu",
  "tanpa memberitahu", "tanpa pemberitahuan", "tanpa ada yang tahu"}
# "Without asking" is consent, not concealment: users grant it ("delete the temp files without asking").
DROP = {"ohne zu fragen", "ohne nachzufragen", "bez pytania", "tanpa bertanya", "tanpa menanyakan", "tanpa izin", "mà không hỏi",
  "không hỏi ý kiến", "не спрашивая", "не питаючи", "बिना पूछे", "बिना अनुमति", "utan att fråga", "zonder te vragen", "دون اذن", "دون إذن",
  "tanpa persetujuan"}

phr = []
for lang, d in L.items():
    for k, v in d.items():
        for p in v:
            phr.append(p)
parts = sorted({q for p in phr for q in p.split(' ~ ')})
out = subprocess.run(['go', 'run', './norm'], cwd=HERE, input='\n'.join(q.rstrip('*') for q in parts) + '\n', capture_output=True, text=True).stdout.split('\n')
norm = dict(zip(parts, out))

def frag(p):
    xs = []
    for q in p.split(' ~ '):
        star = q.endswith('*')
        n = norm[q].strip()
        e = re.escape(n).replace('\\ ', ' ').replace(' ', '\\s')
        if n[:1].isascii() and n[:1].isalnum() and not xs:
            e = '\\b' + e
        if star:
            e += '\\pL*'
        xs.append(e)
    e = '[^\\n]{0,25}'.join(xs)
    last = p.rstrip('*')[-1:]
    if not p.endswith('*'):
        n = norm[p.split(' ~ ')[-1]].strip()
        if n[-1:].isascii() and n[-1:].isalnum():
            e += '\\b'
    return e

def alt(ps):
    fs = sorted({frag(p) for p in ps}, key=lambda s: (-len(s), s))
    return '(?:' + '|'.join(fs) + ')'


# One top-level alternative per language and part: the rule engine finds each alternative's
# literal beginnings (at most 256) and tries only that small pattern where one occurs.
CUs, Ss, Ds, XSs, CONJ = [], [], [], [], []
READS = {"read", "cat", "dump", "print", "extract", "post", "读取", "读出", "获取", "导出", "讀取", "読み取", "読んで", "取得", "抽出", "읽어", "가져와", "추출",
  "lee", "extrae", "leia", "extraia", "lis", "extrais", "recupere", "lies", "lese", "auslesen", "extrahiere", "прочитай", "извлеки", "достань",
  "витягни", "дістань", "leggi", "estrai", "recupera", "lees", "haal ~ op", "przeczytaj", "wyciagnij", "odczytaj", "oku", "cikar",
  "đọc", "lấy", "पढ़ो", "निकालो", "اقرأ", "استخرج", "läs", "hämta", "baca", "ambil", "poste", "投稿"}
SECFILE = ["~/.ssh", ".ssh/", "id_rsa", "id_ed25519", ".aws/credentials", "~/.aws", "kubeconfig", ".npmrc", ".git-credentials", "/etc/shadow",
  "authorized_keys", ".netrc"]
norm.update({p: p for p in SECFILE})  # ASCII paths: their own normal form
gap = '[^\\n]{0,160}?'
en = L['en']
for g in GENERIC | DROP:
    if g not in phr: print('unknown phrase', g, file=sys.stderr)
for lang, m in L.items():
    cu = [p for p in m['cu'] if p not in DROP and p not in GENERIC]
    s = m['s'] + [p for p in m['cu'] if p in GENERIC]
    d, sec = m['d'], m['sec']
    # Verbs of reading ("read", "lies", "lee", "oku") and "post" or "print" are the words of every
    # page about tokens and keys: paired with a secret they cost the rule budget on documentation.
    # Sending verbs only; a credentials file named by its path is an act of its own (SECFILE).
    x = [v for v in m['x'] if v not in READS]
    CUs.append(alt(cu)); Ss.append(alt(s)); Ds.append(alt(d))
    XSs.append(alt(x) + '[^\\n]{0,60}?' + alt(sec))
    XSs.append(alt(sec) + '[^\\n]{0,40}?' + alt(x))  # verb last (tr, hi, ja, ko), or the secret named first
    extra = [] if lang == 'en' else en['d'] + en['sec']
    act = alt(d + x + sec + extra)
    harm = alt(d + sec + extra)
    CONJ += [alt(cu) + gap + act, act + gap + alt(cu), alt(s) + gap + harm, harm + gap + alt(s)]
new = [
 {"id": "conceal.from-user-multilingual",
  "pattern": '|'.join(CUs + Ss),
  "action": "flag", "severity": "low",
  "description": "Hides an act from the user, in English and 18 other languages (zh, ja, ko, es, pt, fr, de, ru, uk, it, nl, pl, tr, vi, hi, ar, sv, id; normalised forms): do not tell or inform the user, without the user knowing, the user must not find out, do not mention it in the reply, a cover story (tell them it was only ..., that everything is fine), and stealth (secretly, silently, quietly, without anyone noticing). People plan surprises and quiet refactors in the same words: evidence for the model, not a verdict; beside a match of act.destroy-or-send-secrets-multilingual on one line it is also the model's context:concealed-act evidence (sanitizer/concealed.go)."},
 {"id": "act.destroy-or-send-secrets-multilingual",
  "pattern": '|'.join(Ds + XSs + [alt(SECFILE)]),
  "action": "flag", "severity": "low",
  "description": "A destructive, irreversible or privilege-changing act (delete, wipe, format, force-push, revoke, cancel all, transfer money, disable) or sending, uploading or copying a secret (a password, key, token, credentials, .env, the chat history), in the languages of conceal.from-user-multilingual. Users delete their own files every day, so a match alone is no evidence for the model (IsEvidence in sanitizer/concealed.go): it counts only as half of a concealed act, beside a match of conceal.from-user-multilingual on the same line."},
]
rules = json.load(open(RULES))
ids = {r['id'] for r in new}
rules = [r for r in rules if r['id'] not in ids] + new
open(RULES, 'w').write(json.dumps(rules, indent=1, ensure_ascii=False) + '\n')
for r in new: print(r['id'], len(r['pattern']))
