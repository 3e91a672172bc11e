import os
OUT=os.environ.get('WVSTUDY_OUT','/tmp/wvstudy')
# trains each model on all dev rows, applies the out-of-group <=1% / <=3% FA thresholds to tests/decisions/check/*.jsonl
# prints AGGREGATES ONLY (never texts or which cases)
import pickle, numpy as np, sys
from common import *
from cv import Model, T, y, g, W, XV, cache
res,_,_=pickle.load(open(OUT+'/oof-urgent.pkl','rb'))
C=check_data()
which=sys.argv[1] if len(sys.argv)>1 else 'abcde'
tot={}
for name,(oof,thr,kind,Cc) in res.items():
    if name[0] not in which: continue
    m=Model(kind,Cc).fit(list(T),XV,list(W),y)
    agg=np.zeros(6,int)
    for f,texts,lab,multi in C:
        Xc,_,Wc=cache['check:'+f]
        s=m.score(texts,Xc,Wc)
        for j,fa in enumerate((0.01,0.03)):
            agg[3*j]+=((s>thr[fa])&(lab==1)).sum(); agg[3*j+1]+=((s>thr[fa])&(lab==0)).sum()
        agg[2]+=0
    P=sum(int(l.sum()) for _,_,l,_ in C); N=sum(int((l==0).sum()) for _,_,l,_ in C)
    print(f'{name} | urgent >thr1%: {agg[0]}/{P} | FA: {agg[1]}/{N} | urgent >thr3%: {agg[3]}/{P} | FA: {agg[4]}/{N}',flush=True)
