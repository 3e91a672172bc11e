import os
OUT=os.environ.get('WVSTUDY_OUT','/tmp/wvstudy')
import pickle, sys, numpy as np, scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score
from common import *
task=sys.argv[1] if (__name__=='__main__' and len(sys.argv)>1) else 'urgent'
cache=pickle.load(open(OUT+'/feat.pkl','rb'))
if task=='urgent': T,y,g=urgent_data()
else: T,y,g=harass_data()
XV,cov,W=cache[task]
import unicodedata
def nfkc(s): return unicodedata.normalize('NFKC',s).lower()

class Model:
    def __init__(s,kind,C=1.0): s.kind=kind; s.C=C
    def feats(s,texts,vecs,words,fit=False):
        parts=[]
        if 'char' in s.kind:
            if fit: s.cv=TfidfVectorizer(analyzer='char',ngram_range=(1,3),preprocessor=nfkc,sublinear_tf=True,min_df=1)
            parts.append(s.cv.fit_transform(texts) if fit else s.cv.transform(texts))
        if 'word' in s.kind:
            if fit: s.wv=TfidfVectorizer(analyzer=str.split,sublinear_tf=True)
            parts.append(s.wv.fit_transform(words) if fit else s.wv.transform(words))
        if 'vec' in s.kind:
            n=vecs/ (np.linalg.norm(vecs,axis=1,keepdims=True)+1e-9)
            if fit: s.sc=StandardScaler().fit(n)
            z=s.sc.transform(n)*s.vw
            parts.append(sp.csr_matrix(z))
        return sp.hstack(parts).tocsr()
    vw=0.1  # scale of dense block relative to tf-idf block (tfidf rows have L2 norm 1)
    def fit(s,texts,vecs,words,y):
        X=s.feats(texts,vecs,words,fit=True)
        s.lr=LogisticRegression(C=s.C,class_weight='balanced',max_iter=3000).fit(X,y); return s
    def score(s,texts,vecs,words): return s.lr.decision_function(s.feats(texts,vecs,words))

def thr_at(negscores,fa):
    # smallest threshold t such that fraction of negatives with score>t <= fa
    ns=np.sort(negscores)[::-1]; k=int(np.floor(fa*len(ns)))
    return ns[k] if k<len(ns) else -np.inf

KINDS=[('a char1-3','char',10.0),('b wordvec mean','vec',1.0),('c char+vec','char+vec',10.0),('d char+sudachi-words','char+word',10.0),('e char+words+vec','char+word+vec',10.0)]
if __name__=='__main__' and len(sys.argv)>2: KINDS=[k for k in KINDS if k[0][0] in sys.argv[2]]
T=np.array(T,dtype=object); W=np.array(W,dtype=object)
if __name__=='__main__':
    groups=sorted(set(g))
    res={}
    for name,kind,C in KINDS:
        oof=np.zeros(len(y))
        for gr in groups:
            te=g==gr; tr=~te
            m=Model(kind,C).fit(list(T[tr]),XV[tr],list(W[tr]),y[tr])
            oof[te]=m.score(list(T[te]),XV[te],list(W[te]))
        neg=oof[y==0]; pos=oof[y==1]
        line=[name, f'{roc_auc_score(y,oof):.4f}']
        thr={}
        for fa in (0.01,0.03):
            t=thr_at(neg,fa); thr[fa]=t
            line+= [f'{(pos>t).sum()}/{len(pos)} ({(pos>t).mean()*100:.1f}%)', f'{(neg>t).sum()}/{len(neg)}']
        # per-group AUC mean where both classes exist
        aucs=[roc_auc_score(y[g==gr],oof[g==gr]) for gr in groups if 0<y[g==gr].sum()<(g==gr).sum()]
        line.append(f'{np.mean(aucs):.3f} (n={len(aucs)})')
        print(' | '.join(line),flush=True)
        res[name]=(oof,thr,kind,C)
    pickle.dump((res,y,g),open(OUT+f'/oof-{task}.pkl','wb'))
