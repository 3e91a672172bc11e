import os
OUT=os.environ.get('WVSTUDY_OUT','/tmp/wvstudy')
# oracle late fusion of out-of-group scores: s = z(a) + w*z(b); w picked on the same CV (optimistic upper bound)
import pickle, numpy as np, sys
from sklearn.metrics import roc_auc_score
from cv import thr_at
res,y,g=pickle.load(open(OUT+f'/oof-{sys.argv[1]}.pkl','rb'))
ks=list(res); a=res[ks[0]][0]; b=res[ks[1]][0]
z=lambda s:(s-s.mean())/s.std()
for w in (0,0.1,0.2,0.3,0.5,1.0):
    s=z(a)+w*z(b); neg=s[y==0]; pos=s[y==1]
    out=[f'w={w}',f'AUC {roc_auc_score(y,s):.4f}']
    for fa in (0.01,0.03):
        t=thr_at(neg,fa); out.append(f'rec@{fa}: {(pos>t).sum()}/{len(pos)} ({(pos>t).mean()*100:.1f}%)')
    print(' | '.join(out))
