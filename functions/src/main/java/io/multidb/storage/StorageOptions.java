package io.multidb.storage;

import java.time.Duration;

/**
 * How database files are opened.
 *
 * @param busyTimeout   how long a statement waits for another connection's lock before SQLITE_BUSY
 * @param maxIdlePerDb  connections kept open per database between requests in one container: a Lambda container
 *                      serves one request at a time, the local runtime up to 32, and a request that finds no idle
 *                      connection opens one (about 100 µs against 14 µs pooled: docs/benchmarks.md)
 * @param maxIdleTotal  connections kept open in all, so that a container serving many tenants stays within its
 *                      file-descriptor and memory budget
 * @param maxSqlLength  SQLITE_LIMIT_SQL_LENGTH, bytes of one statement's text
 * @param maxValueLength SQLITE_LIMIT_LENGTH, bytes of one string or blob (bounds zeroblob/randomblob floods)
 * @param maxDatabaseBytes the size one database file may grow to ({@code PRAGMA max_page_count}); a write past it
 *                       fails with SQLITE_FULL, so one tenant cannot fill the shared file system
 */
public record StorageOptions(
        Duration busyTimeout,
        int maxIdlePerDb,
        int maxIdleTotal,
        int maxSqlLength,
        int maxValueLength,
        long maxDatabaseBytes) {

    public static StorageOptions defaults() {
        return new StorageOptions(Duration.ofSeconds(5), 16, 256, 1_000_000, 16 * 1024 * 1024, 4L << 30);
    }
}
