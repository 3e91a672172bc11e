import json, csv, glob, os, re, numpy as np
from functools import lru_cache
ROOT=os.path.abspath(os.path.join(os.path.dirname(__file__),'../../..'))
import os, ja_ginza
P=os.path.join(os.path.dirname(ja_ginza.__file__),'ja_ginza-5.3.0','vocab')

def single_turn_cases(path):
    out=[]; multi=0
    for line in open(path, encoding='utf-8'):
        line=line.strip()
        if not line: continue
        d=json.loads(line)
        if 'query' in d: t=d['query']
        elif 'turns' in d and len(d['turns'])==1: t=d['turns'][0]
        else: multi+=1; continue
        out.append((t, d.get('expect')))
    return out, multi

LOSS=re.compile(r'紛失|盗|なくし|無くし|不正|詐欺|身に覚え|知られ|落とし|偽の')
def urgent_data():
    texts=[];y=[];g=[]
    for f in sorted(glob.glob(ROOT+'/tests/decisions/dev/*.jsonl')):
        rows,_=single_turn_cases(f)
        name=os.path.basename(f)
        for t,e in rows:
            texts.append(t); y.append(int(e=='handoff:urgent')); g.append(name)
    for line in open(ROOT+'/tests/ordinary/dev.txt',encoding='utf-8'):
        line=line.strip()
        if line and not line.startswith('#'):
            texts.append(line); y.append(0); g.append('ordinary-dev')
    for f in sorted(glob.glob(ROOT+'/faq-corpus/*.jsonl')):
        name='faq-'+os.path.basename(f)
        for line in open(f,encoding='utf-8'):
            d=json.loads(line)
            if d.get('subcategory') in ('紛失・盗難','不正利用'): continue
            for t in [d['question']]+d.get('alternatives',[]):
                texts.append(t); y.append(0); g.append(name)
    for f in sorted(glob.glob(ROOT+'/corpora/*/faq.csv')):
        name='corpus-'+f.split('/')[-2]
        for r in csv.DictReader(open(f,encoding='utf-8')):
            if name=='corpus-bank' and (r['category']=='セキュリティ・詐欺対策' or LOSS.search(r['question'])): continue
            texts.append(r['question']); y.append(0); g.append(name)
    return texts, np.array(y), np.array(g)

def check_data():
    """check halves: returns list of (file, texts, labels). Texts are never printed."""
    out=[]
    for f in sorted(glob.glob(ROOT+'/tests/decisions/check/*.jsonl')):
        rows,multi=single_turn_cases(f)
        out.append((os.path.basename(f),[t for t,_ in rows],np.array([int(e=='handoff:urgent') for _,e in rows]),multi))
    return out

HARASS_FILES=['examples.jsonl','written.jsonl','written-4.jsonl','written-5.jsonl','written-6.jsonl','written-9.jsonl','written-14.jsonl']
def harass_data():
    texts=[];y=[];g=[]
    files=[ROOT+'/data/harassment/'+f for f in HARASS_FILES]+sorted(glob.glob(ROOT+'/data/harassment/written-*a.jsonl'))
    for f in files:
        name=os.path.basename(f)
        assert not name.endswith('b.jsonl')
        for line in open(f,encoding='utf-8'):
            line=line.strip()
            if not line: continue
            d=json.loads(line)
            texts.append(d['text']); y.append(int(d['label'])); g.append(name)
    return texts,np.array(y),np.array(g)

# ---------- word vectors ----------
_V=None
def vectors():
    global _V
    if _V is None:
        from spacy.strings import StringStore, hash_string
        from spacy.vectors import Vectors
        ss=StringStore().from_disk(P+'/strings.json')
        v=Vectors(strings=ss).from_disk(P)
        _V=(v, hash_string)
    return _V

_TOK={}
def sudachi(mode='C'):
    if mode not in _TOK:
        from sudachipy import dictionary, tokenizer
        d=dictionary.Dictionary(dict='core')
        _TOK[mode]=(d.create(), getattr(tokenizer.Tokenizer.SplitMode, mode))
    return _TOK[mode]

def lookup_row(m):
    """return row for a sudachi morpheme: normalized form, then dictionary form, surface, lower."""
    v,h=vectors()
    for w in (m.normalized_form(), m.dictionary_form(), m.surface(), m.surface().lower()):
        r=v.key2row.get(h(w))
        if r is not None: return r
    return None

PUNCT=re.compile(r'^[\s\W_]+$')
def tokens(text):
    tok,mode=sudachi('C')
    return [m for m in tok.tokenize(text, mode) if not PUNCT.match(m.surface())]

def rows_of(text):
    """list of (normalized_form, row or None); OOV mode-C tokens re-split in mode A"""
    tokA,modeA=sudachi('A')
    out=[]
    for m in tokens(text):
        r=lookup_row(m)
        if r is None:
            subs=[s for s in m.split(modeA)] if len(m.surface())>1 else []
            rs=[(s.normalized_form(),lookup_row(s)) for s in subs if not PUNCT.match(s.surface())]
            if len(rs)>1 and any(x is not None for _,x in rs):
                out.extend(rs); continue
        out.append((m.normalized_form(), r))
    return out

def mean_vec(texts):
    v,_=vectors()
    X=np.zeros((len(texts),v.shape[1]),dtype=np.float32)
    cov=[]
    for i,t in enumerate(texts):
        rs=[r for _,r in rows_of(t) if r is not None]
        allr=rows_of(t)
        cov.append((len(rs),len(allr)))
        if rs: X[i]=v.data[rs].mean(0)
    return X, cov

def norm_words(texts):
    return [' '.join(w for w,_ in rows_of(t)) for t in texts]
