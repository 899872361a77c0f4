import sys, numpy as np
from pathlib import Path
sys.path.insert(0, 'bench')
from tune import prepared, feature_tables
from index.store import Store
from index.embed import Embedder
import tune
tune.SAMPLE = 300
for d in sys.argv[2:]:
    store = Store.open(Path(d)); emb = Embedder(store.model)
    items = prepared(emb, Path(sys.argv[1]))
    tables = feature_tables(store, items, 0.4)
    right = np.concatenate([f[r, 0] for f, r in tables if r.any()])
    wrong = np.concatenate([f[~r, 0] for f, r in tables])
    print(d, 'right', np.percentile(right, [10, 50, 90]).round(3), 'wrong', np.percentile(wrong, [10, 50, 90]).round(3), flush=True)
