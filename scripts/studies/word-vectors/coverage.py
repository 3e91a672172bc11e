import re, numpy as np, collections, fugashi, ipadic
from common import *
T,y,g=urgent_data()
dev=[t for t,gg in zip(T,g) if not gg.startswith(('faq-','corpus-','ordinary'))]
v,h=vectors()
has=lambda w: h(w) in v.key2row
tagger=fugashi.GenericTagger(ipadic.MECAB_ARGS)
PUNCT=re.compile(r'^[\s\W_]+$')
c=collections.Counter(); types={'surf':set(),'base':set(),'all':set()}
oov=collections.Counter()
for t in dev:
    for w in tagger(t):
        s=w.surface
        if PUNCT.match(s): continue
        f=w.feature  # ipadic: pos,pos1,pos2,pos3,ctype,cform,base,reading,pron
        base=f[6] if len(f)>6 and f[6]!='*' else s
        c['tok']+=1
        a=has(s) or has(s.lower()); b=has(base) or has(base.lower())
        c['surf']+=a; c['base']+=b; c['either']+=(a or b)
        if not (a or b): oov[s]+=1
        if f[0] in ('名詞','動詞','形容詞','副詞'):
            c['ctok']+=1; c['c_surf']+=a; c['c_base']+=b; c['c_either']+=(a or b)
# sudachi reference
sc=collections.Counter()
for t in dev:
    for m in tokens(t):
        sc['tok']+=1; sc['norm']+=has(m.normalized_form()); sc['surf']+=has(m.surface())
        sc['any']+= lookup_row(m) is not None
print('dev queries',len(dev))
print('IPADIC tokens',c['tok'],'surface %.1f%%'%(100*c['surf']/c['tok']),'base %.1f%%'%(100*c['base']/c['tok']),'base-or-surface %.1f%%'%(100*c['either']/c['tok']))
print('IPADIC content tokens (noun/verb/adj/adv)',c['ctok'],'surface %.1f%%'%(100*c['c_surf']/c['ctok']),'base %.1f%%'%(100*c['c_base']/c['ctok']),'either %.1f%%'%(100*c['c_either']/c['ctok']))
print('Sudachi C tokens',sc['tok'],'surface %.1f%%'%(100*sc['surf']/sc['tok']),'normalized %.1f%%'%(100*sc['norm']/sc['tok']),'norm/dict/surf %.1f%%'%(100*sc['any']/sc['tok']))
print('top IPADIC OOV:',oov.most_common(40))
# build-time alias: IPADIC base form -> Sudachi normalized form of that base form (single-token analyses only, else mode-C first token)
tokC,modeC=sudachi('C')
alias={}
def alias_of(b):
    if b not in alias:
        ms=[m for m in tokC.tokenize(b,modeC)]
        alias[b]= ms[0].normalized_form() if len(ms)==1 else None
    return alias[b]
cc=collections.Counter()
for t in dev:
    for w in tagger(t):
        s=w.surface
        if PUNCT.match(s): continue
        f=w.feature; base=f[6] if len(f)>6 and f[6]!='*' else s
        a=has(s) or has(s.lower()) or has(base) or has(base.lower())
        al=alias_of(base); b= al is not None and has(al)
        cc['tok']+=1; cc['any']+=(a or b)
        if f[0] in ('名詞','動詞','形容詞','副詞'): cc['ctok']+=1; cc['cany']+=(a or b)
print('IPADIC base/surface + alias(base->Sudachi normalized): all %.1f%% content %.1f%%'%(100*cc['any']/cc['tok'],100*cc['cany']/cc['ctok']))
print('alias table size (distinct IPADIC base forms in dev):',len(alias))
