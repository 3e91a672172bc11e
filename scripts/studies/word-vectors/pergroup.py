import os
OUT=os.environ.get('WVSTUDY_OUT','/tmp/wvstudy')
import pickle, numpy as np, sys
res,y,g=pickle.load(open(OUT+f'/oof-{sys.argv[1]}.pkl','rb'))
names=list(res)
hard=sys.argv[2].split(',') if len(sys.argv)>2 else None
print('group | pos | neg | '+' | '.join(f'{n[:12]} rec@1% / FA@1%' for n in names))
for gr in sorted(set(g)):
    if hard and not any(h in gr for h in hard): continue
    m=g==gr; row=[gr,str(y[m].sum()),str((y[m]==0).sum())]
    for n in names:
        oof,thr,_,_=res[n]; t=thr[0.01]
        row.append(f'{((oof>t)&m&(y==1)).sum()} / {((oof>t)&m&(y==0)).sum()}')
    print(' | '.join(row))
