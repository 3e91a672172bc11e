import os
OUT=os.environ.get('WVSTUDY_OUT','/tmp/wvstudy')
# vector-path variants for the Rust runtime: PCA-64 int8, IPADIC base-form lookup; also writes features for cv
import pickle, re, numpy as np, fugashi, ipadic, sys
from common import *
v,h=vectors()
D=v.data
mu=D.mean(0); U,S,Vt=np.linalg.svd(D-mu,full_matrices=False)
for k in (32,64,128): print('PCA',k,'explained var %.3f'%((S[:k]**2).sum()/(S**2).sum()))
K=64
Z=(D-mu)@Vt[:K].T
scale=np.abs(Z).max(0)/127.0
Q=np.round(Z/scale).astype(np.int8)
Zq=Q.astype(np.float32)*scale   # dequantised 64-d rows
tagger=fugashi.GenericTagger(ipadic.MECAB_ARGS)
tokC,modeC=sudachi('C'); alias={}
PUN=re.compile(r'^[\s\W_]+$')
def alias_of(b):
    if b not in alias:
        ms=list(tokC.tokenize(b,modeC)); alias[b]=ms[0].normalized_form() if len(ms)==1 else None
    return alias[b]
def ipadic_rows(t):
    out=[]
    for w in tagger(t):
        s=w.surface
        if PUN.match(s): continue
        f=w.feature; base=f[6] if len(f)>6 and f[6]!='*' else s
        r=None
        for k in (base, s, base.lower(), s.lower(), alias_of(base)):
            if k is None: continue
            r=v.key2row.get(h(k))
            if r is not None: break
        if r is not None: out.append(r)
    return out
def sud_rows(t): return [r for _,r in rows_of(t) if r is not None]
def feats(texts,rowf,M):
    X=np.zeros((len(texts),M.shape[1]),dtype=np.float32)
    for i,t in enumerate(texts):
        rs=rowf(t)
        if rs: X[i]=M[rs].mean(0)
    return X
out={}
T,y,g=urgent_data(); H,hy,hg=harass_data(); C=check_data()
sets=[('urgent',T),('harass',H)]+[('check:'+f,t) for f,t,_,_ in C]
for name,texts in sets:
    out[name]={'sud300':feats(texts,sud_rows,D),'sud64q':feats(texts,sud_rows,Zq),'ipa64q':feats(texts,ipadic_rows,Zq),'ipa300':feats(texts,ipadic_rows,D)}
pickle.dump(out,open(OUT+'/feat-variants.pkl','wb'))
# size estimate
keys=[v.strings[k] for k in v.key2row.keys()]
kb=sum(len(k.encode()) for k in keys)
print('all keys',len(keys),'key bytes %.1f MB'%(kb/1e6))
print('full 20000x300 f32 %.1f MB; 20000x64 int8 %.2f MB'%(20000*300*4/1e6,20000*64/1e6))
# project vocabulary: keys reached from all project texts (dev, faq, corpora, harassment dev)
used=set()
for name,texts in sets[:2]:
    for t in texts:
        for _,r in rows_of(t): pass
for name,texts in sets[:2]:
    for t in texts:
        for w in tagger(t):
            s=w.surface; f=w.feature; base=f[6] if len(f)>6 and f[6]!='*' else s
            for k in (base,s,alias_of(base)):
                if k and h(k) in v.key2row: used.add(k)
print('distinct keys hit by project texts (IPADIC path)',len(used))
for N in (5000,20000,50000,100000,480443):
    sub=keys[:N]; b=sum(len(k.encode())+1 for k in sub)
    # with shared 20k-row table: rows referenced
    print(f'N={N}: keys {b/1e6:.2f} MB + row index {N*2/1e6:.2f} MB + rows(<=20000x64 int8) {min(N,20000)*64/1e6:.2f} MB; as N x 64 int8 {N*64/1e6:.2f} MB')
