package io.multidb.sql;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The stream store as a map, with the same conditional semantics as the DynamoDB adapter. */
public final class InMemoryStreamStore implements StreamStore {
    private final Map<String, StoredStream> items = new ConcurrentHashMap<>();
    final AtomicInteger writes = new AtomicInteger();

    private static String key(String org, String id) {
        return org + "\u0000" + id;
    }

    @Override
    public Optional<StoredStream> get(String org, String id) {
        return Optional.ofNullable(items.get(key(org, id)));
    }

    @Override
    public boolean create(StoredStream s) {
        writes.incrementAndGet();
        return items.putIfAbsent(key(s.org(), s.id()), s) == null;
    }

    @Override
    public boolean replace(StoredStream next, long expectedSeq) {
        writes.incrementAndGet();
        boolean[] done = {false};
        items.computeIfPresent(key(next.org(), next.id()), (k, old) -> {
            if (old.seq() != expectedSeq) {
                return old;
            }
            done[0] = true;
            return next;
        });
        return done[0];
    }

    @Override
    public boolean delete(String org, String id, long expectedSeq) {
        writes.incrementAndGet();
        boolean[] done = {false};
        items.computeIfPresent(key(org, id), (k, old) -> {
            if (old.seq() != expectedSeq) {
                return old;
            }
            done[0] = true;
            return null;
        });
        return done[0];
    }

    int size() {
        return items.size();
    }
}
