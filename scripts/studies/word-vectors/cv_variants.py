import os
OUT=os.environ.get('WVSTUDY_OUT','/tmp/wvstudy')
# vec-only and char+vec with the Rust-realistic vector paths (PCA-64 int8, IPADIC lookup)
import pickle, sys, numpy as np
from sklearn.metrics import roc_auc_score
import cv
from cv import Model, T, y, g, W, thr_at
VF=pickle.load(open(OUT+'/feat-variants.pkl','rb'))
task=sys.argv[1]; kinds=sys.argv[2].split(',')
import os; Model.vw=float(os.environ.get('VW','0.1'))
if task=='harass':
    from common import harass_data
    T,y,g=harass_data(); T=np.array(T,dtype=object); W=np.array(cv.cache['harass'][2],dtype=object)
groups=sorted(set(g))
for vk in sys.argv[3].split(','):
    XV=VF[task][vk]
    for kind in kinds:
        C=1.0 if kind=='vec' else 10.0
        oof=np.zeros(len(y))
        for gr in groups:
            te=g==gr; tr=~te
            m=Model(kind,C).fit(list(T[tr]),XV[tr],list(W[tr]),y[tr]); oof[te]=m.score(list(T[te]),XV[te],list(W[te]))
        neg=oof[y==0]; pos=oof[y==1]; line=[f'{kind} [{vk}]',f'{roc_auc_score(y,oof):.4f}']
        for fa in (0.01,0.03):
            t=thr_at(neg,fa); line+=[f'{(pos>t).sum()}/{len(pos)} ({(pos>t).mean()*100:.1f}%)',f'{(neg>t).sum()}/{len(neg)}']
        print(' | '.join(line),flush=True)
