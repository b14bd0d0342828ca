package io.multidb.auth;

import io.multidb.common.MultidbException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A fake of the counter store, shared by the "function instances" of a test; counts reads and can fail. */
public final class InMemoryTokenGenerations implements TokenGenerations {
    private final ConcurrentHashMap<String, Long> counters = new ConcurrentHashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private volatile boolean down;

    private static String key(String org, Scope scope, String name) {
        return org + "/" + scope + "/" + name;
    }

    @Override
    public long current(String org, Scope scope, String name) {
        reads.incrementAndGet();
        if (down) {
            throw MultidbException.unavailable("the metadata store is unavailable (fake)", null);
        }
        return counters.getOrDefault(key(org, scope, name), 0L);
    }

    @Override
    public long bump(String org, Scope scope, String name) {
        if (down) {
            throw MultidbException.unavailable("the metadata store is unavailable (fake)", null);
        }
        return counters.merge(key(org, scope, name), 1L, Long::sum);
    }

    public int reads() {
        return reads.get();
    }

    public void down(boolean down) {
        this.down = down;
    }
}
