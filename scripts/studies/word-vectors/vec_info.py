import time, numpy as np
from spacy.strings import StringStore
from spacy.vectors import Vectors
import os, ja_ginza
P=os.path.join(os.path.dirname(ja_ginza.__file__),'ja_ginza-5.3.0','vocab')
t=time.time()
ss=StringStore().from_disk(P+'/strings.json')
v=Vectors(strings=ss).from_disk(P)
print('load s',time.time()-t)
print('shape',v.shape,'n_keys',v.n_keys,'mode',v.mode, 'dtype', v.data.dtype)
keys=list(v.keys())[:0]
import itertools
ks=[ss[k] for k,_ in itertools.islice(v.key2row.items(),0,40)]
print(ks)
for w in ['カード','かーど','紛失','なくす','無くす','無くし','なくし','盗む','盗ま','盗まれ','スマホ','スマートフォン','携帯','携帯電話','ケータイ','クレカ','iPhone','iphone','落とす','落とし','財布','サイフ','乗っ取る','乗っ取ら','不正','パクる','パクられ','やばい','ヤバい','した','ます','の','は','バカ','馬鹿','ばか','死ね','死ぬ','クズ','無能','まどか']:
    print(w, w in v, end='; ')
print()
from spacy.strings import hash_string
def has(w): return hash_string(w) in v.key2row
for w in ['カード','かーど','紛失','なくす','無くす','盗む','スマホ','スマートフォン','携帯','携帯電話','ケータイ','クレカ','iPhone','iphone','アイフォーン','落とす','財布','サイフ','乗っ取る','不正','パクる','やばい','ヤバい','為る','ます','の','は','バカ','馬鹿','ばか','死ぬ','クズ','無能','まどか','不正利用','クレジットカード','暗証番号','SIM','sim','ＳＩＭ','フィッシング','詐欺','身に覚え']:
    print(w, has(w), end='; ')
print()
# are rows distinct? how many keys per row
rows=np.array(list(v.key2row.values()))
print('unique rows used',len(set(rows.tolist())))
# neighbors sanity
d=v.data/np.linalg.norm(v.data,axis=1,keepdims=True)
def nn(w,k=8):
    r=v.key2row[hash_string(w)]; s=d@d[r]; idx=np.argsort(-s)[:k+1]
    inv={}
    return idx
print('row of 紛失', v.key2row.get(hash_string('紛失')), 'row of 無くす', v.key2row.get(hash_string('無くす')), '盗む', v.key2row.get(hash_string('盗む')), '落とす', v.key2row.get(hash_string('落とす')))
# row -> keys (first 5 per row) for a few rows
from collections import defaultdict
r2k=defaultdict(list)
for k,r in v.key2row.items():
    if len(r2k[r])<6: r2k[r].append(ss[k])
import pickle
for w in ['紛失','盗む','財布','馬鹿','詐欺','スマホ']:
    r=v.key2row.get(hash_string(w))
    if r is None: continue
    s=d@d[r]; idx=np.argsort(-s)[1:7]
    print(w,'row-mates',r2k[r],'| nn rows:',[r2k[i][:2] for i in idx])
