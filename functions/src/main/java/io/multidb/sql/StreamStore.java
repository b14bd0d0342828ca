package io.multidb.sql;

import java.util.Objects;
import java.util.Optional;

/**
 * Where open streams live between HTTP requests, shared by every instance (the DynamoDB metadata table in AWS
 * and locally; an in-memory map in unit tests). Every write is a single-item conditional write: of several
 * requests carrying the same baton, exactly one can move its stream on from a sequence number.
 * Adapters throw {@code MultidbException} (UNAVAILABLE when the store cannot be reached, LIMIT_EXCEEDED when a
 * payload is too large for the store).
 */
public interface StreamStore {

    /**
     * One open stream.
     *
     * @param org             the organization (part of the key: a stream is only ever looked up within it)
     * @param id              random, URL-safe base64 of 16 bytes
     * @param seq             the sequence number of the one baton that may continue it
     * @param database        the database's name
     * @param databaseId      the database's incarnation id: a database deleted and created again under the same
     *                        name is another database
     * @param expiresAtMillis when the stream expires if no request continues it (epoch milliseconds)
     * @param payload         the stream's state, opaque to the store (compressed; see StreamState)
     */
    record StoredStream(String org, String id, long seq, String database, String databaseId, long expiresAtMillis,
                        byte[] payload) {
        public StoredStream {
            Objects.requireNonNull(org);
            Objects.requireNonNull(id);
            Objects.requireNonNull(database);
            Objects.requireNonNull(databaseId);
            payload = payload.clone();
        }

        @Override
        public byte[] payload() {
            return payload.clone();
        }
    }

    /** The stream, read strongly consistently; empty if it does not exist (never made, ended, or cleaned up). */
    Optional<StoredStream> get(String org, String id);

    /** Stores a new stream; false if one with this id exists. */
    boolean create(StoredStream stream);

    /** Replaces the stream {@code next.id()} if its sequence number is {@code expectedSeq}; false otherwise. */
    boolean replace(StoredStream next, long expectedSeq);

    /** Deletes the stream if its sequence number is {@code expectedSeq}; false if absent or at another number. */
    boolean delete(String org, String id, long expectedSeq);
}
