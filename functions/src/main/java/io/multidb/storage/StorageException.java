package io.multidb.storage;

/** A file-system or SQLite failure on our own operations (not a tenant's SQL): a bug or an outage, never the client's fault. */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
