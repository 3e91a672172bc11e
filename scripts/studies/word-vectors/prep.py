import os
OUT=os.environ.get('WVSTUDY_OUT','/tmp/wvstudy')
# tokenizes everything once and caches features
import pickle, numpy as np, time
from common import *
t=time.time()
T,y,g=urgent_data(); H,hy,hg=harass_data(); C=check_data()
print('urgent rows',len(T),'pos',y.sum(),'groups',len(set(g)))
print('harass rows',len(H),'pos',hy.sum(),'groups',len(set(hg)))
print('check files',[(f,len(t),int(l.sum()),m) for f,t,l,m in C])
cache={}
for name,texts in [('urgent',T),('harass',H)]+[('check:'+f,t) for f,t,_,_ in C]:
    X,cov=mean_vec(texts); W=norm_words(texts)
    cache[name]=(X,cov,W)
pickle.dump(cache,open(OUT+'/feat.pkl','wb'))
print('s',time.time()-t)
