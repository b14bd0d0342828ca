package io.multidb.sql;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.sql.BatonKeys.SigningKey;
import io.multidb.sql.StreamStore.StoredStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Streams that outlive an HTTP request: batons (signed, single-use, expiring, bound to one organization and
 * database) and the stream store protocol. See the package documentation ("Interactive transactions").
 *
 * <p>A baton is URL-safe base64 of 69 bytes: format (1), key id (4), stream id (16), sequence number (8), expiry
 * in epoch milliseconds (8), then HMAC-SHA256 over the organization, the database name and those 37 bytes. It
 * names the stream and the one sequence number that may continue it; the store holds the rest.
 */
public final class Streams {
    private static final byte FORMAT = 1;
    private static final int BODY = 1 + 4 + 16 + 8 + 8;
    private static final int LENGTH = BODY + 32;
    private static final int MAX_TEXT = 120;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final StreamStore store;
    private final BatonKeys keys;
    private final StreamOptions options;
    private final Clock clock;

    public Streams(StreamStore store, BatonKeys keys, StreamOptions options, Clock clock) {
        this.store = Objects.requireNonNull(store);
        this.keys = Objects.requireNonNull(keys);
        this.options = Objects.requireNonNull(options);
        this.clock = Objects.requireNonNull(clock);
    }

    public StreamOptions options() {
        return options;
    }

    /** A stream continued by a valid baton: its stored item and its decoded state. */
    record Resumed(StoredStream stored, StreamState state) {
    }

    /** The parts of a baton. */
    private record Baton(int keyId, byte[] streamId, long seq, long expiresAt) {
    }

    /**
     * Checks a baton and loads its stream. Every failure is STREAM_INVALID (HTTP 400) and reveals nothing of any
     * stream: the signature is checked before the store is read, and it covers the organization and database.
     */
    Resumed resume(String baton, StreamScope scope) {
        Baton b = verify(baton, scope);
        String id = encodeId(b.streamId());
        if (clock.millis() >= b.expiresAt()) {
            // Best effort: the store's TTL removes it anyway.
            try {
                store.delete(scope.org(), id, b.seq());
            } catch (RuntimeException ignored) {
                // the answer is the same either way
            }
            throw invalid(SqlErrorCodes.STREAM_EXPIRED, "The transaction on database '" + scope.database()
                    + "' was idle for more than " + options.idleExpiry().toSeconds() + " s and has been rolled "
                    + "back (streams expire when idle). Start the transaction again.");
        }
        StoredStream stored = store.get(scope.org(), id).orElseThrow(() -> invalid(
                SqlErrorCodes.BATON_STREAM_CLOSED, "The stream of this baton has ended (committed, rolled back, "
                        + "closed, or failed), so the baton cannot be used again. Start a new transaction."));
        if (stored.seq() != b.seq()) {
            throw invalid(SqlErrorCodes.BATON_REUSED, "This baton was already used: each baton is good for one "
                    + "request. Send the baton from the latest response of this stream.");
        }
        if (!stored.database().equals(scope.database()) || !stored.databaseId().equals(scope.databaseId())) {
            throw invalid(SqlErrorCodes.BATON_INVALID, "Database '" + scope.database() + "' was deleted and "
                    + "created again since this transaction began; start a new transaction.");
        }
        StreamState state;
        try {
            state = StreamState.decode(stored.payload());
        } catch (IllegalArgumentException e) {
            throw invalid(SqlErrorCodes.BATON_STREAM_CLOSED, "The state of this stream cannot be read (written by "
                    + "another version of the server?); start a new transaction.");
        }
        return new Resumed(stored, state);
    }

    /**
     * Keeps a stream open for one more request and answers its next baton. {@code previous} null: a new stream;
     * {@code claimed}: previous's item was already deleted by {@link #claim} (this request committed), so the
     * stream goes on under a new id.
     *
     * @throws MultidbException LIMIT_EXCEEDED if the state is over the limits; STREAM_INVALID/BATON_REUSED if
     *                          another request moved the stream on first
     */
    String save(StreamScope scope, Resumed previous, boolean claimed, StreamState state) {
        if (state.log().size() > options.maxStatements()) {
            throw new MultidbException(ErrorKind.LIMIT_EXCEEDED, SqlErrorCodes.LIMIT_EXCEEDED, "This transaction "
                    + "holds " + state.log().size() + " statements; a transaction that spans HTTP requests may "
                    + "hold at most " + options.maxStatements() + " (each request replays them). It was rolled "
                    + "back. Send large work as one batch(), or commit in smaller transactions.");
        }
        long bytes = state.logBytes();
        if (bytes > options.maxLogBytes()) {
            throw new MultidbException(ErrorKind.LIMIT_EXCEEDED, SqlErrorCodes.LIMIT_EXCEEDED, "This transaction's "
                    + "statements and arguments take " + bytes + " bytes; a transaction that spans HTTP requests "
                    + "may take at most " + options.maxLogBytes() + ". It was rolled back. Send large work as one "
                    + "batch(), or commit in smaller transactions.");
        }
        long expiresAt = clock.millis() + options.idleExpiry().toMillis();
        byte[] payload = state.encode();
        if (previous != null && !claimed) {
            StoredStream p = previous.stored();
            StoredStream next = new StoredStream(p.org(), p.id(), p.seq() + 1, p.database(), p.databaseId(),
                    expiresAt, payload);
            if (!store.replace(next, p.seq())) {
                throw reused();
            }
            return sign(scope, decodeId(next.id()), next.seq(), expiresAt);
        }
        for (int attempt = 0; ; attempt++) {
            byte[] raw = new byte[16];
            RANDOM.nextBytes(raw);
            StoredStream s = new StoredStream(scope.org(), encodeId(raw), 1, scope.database(), scope.databaseId(),
                    expiresAt, payload);
            if (store.create(s)) {
                return sign(scope, raw, s.seq(), expiresAt);
            }
            if (attempt == 2) {
                // 128 random bits do not collide: a store that keeps saying so is broken.
                throw MultidbException.unavailable("the stream store refused three new stream ids", null);
            }
        }
    }

    /**
     * Takes the stream out of the store: before the request does something that cannot be undone (a COMMIT, or a
     * statement outside the stream's transaction), or when the request ends the stream. Of two requests with the
     * same baton, only one gets past this.
     *
     * @throws MultidbException BATON_REUSED if another request moved the stream on first
     */
    void claim(Resumed r) {
        if (!store.delete(r.stored().org(), r.stored().id(), r.stored().seq())) {
            throw reused();
        }
    }

    /** Ends a stream after a failure; the failure is what the client hears about. */
    void endQuietly(Resumed r) {
        try {
            store.delete(r.stored().org(), r.stored().id(), r.stored().seq());
        } catch (RuntimeException ignored) {
            // the store's TTL removes it; the request's own failure is reported
        }
    }

    private static MultidbException reused() {
        return invalid(SqlErrorCodes.BATON_REUSED, "This baton was used by another request at the same time: "
                + "each baton is good for one request. Send the baton from the latest response of this stream.");
    }

    // ---- batons ----

    private String sign(StreamScope scope, byte[] streamId, long seq, long expiresAt) {
        SigningKey key = keys.current();
        ByteBuffer buf = ByteBuffer.allocate(LENGTH);
        buf.put(FORMAT).putInt(key.id()).put(streamId).putLong(seq).putLong(expiresAt);
        byte[] body = java.util.Arrays.copyOf(buf.array(), BODY);
        buf.put(mac(key, scope, body));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buf.array());
    }

    private Baton verify(String text, StreamScope scope) {
        byte[] raw;
        try {
            raw = text.length() <= MAX_TEXT ? Base64.getUrlDecoder().decode(text) : null;
        } catch (IllegalArgumentException e) {
            raw = null;
        }
        if (raw == null || raw.length != LENGTH || raw[0] != FORMAT) {
            throw forged(scope);
        }
        ByteBuffer buf = ByteBuffer.wrap(raw);
        buf.get();
        int keyId = buf.getInt();
        byte[] streamId = new byte[16];
        buf.get(streamId);
        long seq = buf.getLong();
        long expiresAt = buf.getLong();
        byte[] given = new byte[32];
        buf.get(given);
        Optional<SigningKey> key = keys.find(keyId);
        if (key.isEmpty() || !MessageDigest.isEqual(given, mac(key.get(), scope, java.util.Arrays.copyOf(raw, BODY)))) {
            throw forged(scope);
        }
        return new Baton(keyId, streamId, seq, expiresAt);
    }

    private static byte[] mac(SigningKey key, StreamScope scope, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
            mac.update("multidb-baton\0".getBytes(StandardCharsets.US_ASCII));
            mac.update(scope.org().getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(scope.database().getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private static MultidbException forged(StreamScope scope) {
        return invalid(SqlErrorCodes.BATON_INVALID, "This baton was not issued for database '" + scope.database()
                + "' by this server: it is malformed, altered, signed with a retired key, or belongs to another "
                + "database or organization. Start a new transaction.");
    }

    private static MultidbException invalid(String code, String message) {
        return new MultidbException(ErrorKind.STREAM_INVALID, code, message);
    }

    private static String encodeId(byte[] raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    private static byte[] decodeId(String id) {
        return Base64.getUrlDecoder().decode(id);
    }
}
