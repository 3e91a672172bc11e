# weight of the dense vector block in char+vec (default 0.1)
import sys, numpy as np
from sklearn.metrics import roc_auc_score
import cv
from cv import Model, thr_at
from common import harass_data
task=sys.argv[1]
if task=='harass':
    T,y,g=harass_data(); T=np.array(T,dtype=object); XV,_,W=cv.cache['harass']; W=np.array(W,dtype=object)
else:
    T,y,g,XV,W=cv.T,cv.y,cv.g,cv.XV,cv.W
groups=sorted(set(g))
for vw in map(float,sys.argv[2].split(',')):
    Model.vw=vw; oof=np.zeros(len(y))
    for gr in groups:
        te=g==gr; tr=~te
        m=Model('char+vec',10.0).fit(list(T[tr]),XV[tr],list(W[tr]),y[tr]); oof[te]=m.score(list(T[te]),XV[te],list(W[te]))
    neg=oof[y==0]; pos=oof[y==1]; line=[f'char+vec vw={vw}',f'{roc_auc_score(y,oof):.4f}']
    for fa in (0.01,0.03):
        t=thr_at(neg,fa); line+=[f'{(pos>t).sum()}/{len(pos)} ({(pos>t).mean()*100:.1f}%)',f'{(neg>t).sum()}/{len(neg)}']
    print(' | '.join(line),flush=True)
