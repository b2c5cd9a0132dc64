"""umap-learn is imported by one thread at a time (the app's warm-up thread and a page may both ask
for it; a second thread inside a package's import cycle can see it half-initialised)."""

import threading
import time

from aecore.maps import knn


def test_two_threads_asking_for_umap_import_it_one_after_the_other(monkeypatch):
    inside, most = [0], [0]
    lock = threading.Lock()

    def slow_prepare():
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.2)  # long enough for the other thread to arrive while this one is inside
        with lock:
            inside[0] -= 1

    monkeypatch.setattr(knn, "_import_umap_without_parametric", slow_prepare)
    threads = [threading.Thread(target=knn.import_umap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert most[0] == 1
