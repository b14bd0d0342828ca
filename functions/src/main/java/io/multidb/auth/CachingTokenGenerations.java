package io.multidb.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps each generation read for a short time so that verifying a token does not read the metadata store on
 * every request.
 *
 * <p><b>Staleness bound.</b> An entry is stamped with the time its read <em>started</em> and used until
 * {@code ttl} after that. The store's reads are strongly consistent, so a read that starts after a bump
 * completed sees it; hence every container refuses the tokens of a rotation at most {@code ttl} (default
 * {@link #DEFAULT_TTL}, 5 s) after the rotation returned. A bump made through this instance takes effect here
 * at once. If the clock steps backwards an entry is treated as stale. If the store fails, so does the read:
 * verification fails closed (UNAVAILABLE), it never falls back to a stale value.
 */
public final class CachingTokenGenerations implements TokenGenerations {
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);
    /** Past this many names the cache is emptied: bounded memory whatever names requests carry. */
    static final int MAX_ENTRIES = 10_000;

    private record Key(String org, Scope scope, String name) {
    }

    private record Entry(long generation, Instant readStarted) {
    }

    private final TokenGenerations store;
    private final Duration ttl;
    private final Clock clock;
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, CompletableFuture<Long>> reading = new ConcurrentHashMap<>();

    public CachingTokenGenerations(TokenGenerations store, Duration ttl, Clock clock) {
        this.store = Objects.requireNonNull(store);
        this.ttl = Objects.requireNonNull(ttl);
        this.clock = Objects.requireNonNull(clock);
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("the cache time must not be negative");
        }
    }

    public Duration ttl() {
        return ttl;
    }

    /** The generation, from the cache while the entry is younger than the time to live, else from the store. */
    @Override
    public long current(String org, Scope scope, String name) {
        Key key = new Key(org, scope, name);
        Entry e = entries.get(key);
        Instant now = clock.instant();
        if (e != null && !now.isBefore(e.readStarted()) && now.isBefore(e.readStarted().plus(ttl))) {
            return e.generation();
        }
        return readShared(key, now);
    }

    /** Always reads the store (and refreshes the cache): for issuing, where a stale value would mint a dead token. */
    public long fresh(String org, Scope scope, String name) {
        return read(new Key(org, scope, name), clock.instant());
    }

    @Override
    public long bump(String org, Scope scope, String name) {
        Instant started = clock.instant();
        long g = store.bump(org, scope, name);
        put(new Key(org, scope, name), new Entry(g, started));
        return g;
    }

    /**
     * One read per name at a time: requests that find the entry expired together share the read in flight (its
     * start is before theirs, so the staleness bound above holds for them too); a failure fails them all.
     */
    private long readShared(Key key, Instant started) {
        CompletableFuture<Long> mine = new CompletableFuture<>();
        CompletableFuture<Long> running = reading.putIfAbsent(key, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
        }
        try {
            long g = read(key, started);
            mine.complete(g);
            return g;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            reading.remove(key, mine);
        }
    }

    private long read(Key key, Instant started) {
        long g = store.current(key.org(), key.scope(), key.name());
        put(key, new Entry(g, started));
        return g;
    }

    private void put(Key key, Entry e) {
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        // Generations only grow: a slow read that started before a bump must not put an older value back.
        entries.merge(key, e, (old, neu) -> old.generation() > neu.generation() ? old : neu);
    }
}
