package io.multidb.sql;

import java.time.Duration;

/**
 * How long and how large an interactive transaction (a stream kept open across HTTP requests) may be.
 *
 * @param idleExpiry      a stream not continued within this time is gone (its transaction discarded). No lock
 *                        is held meanwhile, so a generous value costs only storage: 30 s covers a Lambda cold
 *                        start plus the client's own work between two statements (libSQL uses 10 s, where an
 *                        idle stream holds the write lock)
 * @param maxStatements   statements a stream's open transaction may hold; each request replays all of them
 * @param maxLogBytes     bytes of the transaction's SQL texts and arguments plus stored SQL (before compression)
 */
public record StreamOptions(Duration idleExpiry, int maxStatements, int maxLogBytes) {

    public static StreamOptions defaults() {
        return new StreamOptions(Duration.ofSeconds(30), 1_000, 1024 * 1024);
    }
}
