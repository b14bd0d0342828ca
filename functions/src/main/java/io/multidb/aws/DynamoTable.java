package io.multidb.aws;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * What the adapters on the one metadata table share: SDK exceptions turned into domain errors, and batched reads
 * and writes with DynamoDB's per-request limits and its documented remedy for unprocessed items (retry after a
 * growing pause).
 */
final class DynamoTable {
    /** BatchGetItem requests of one call in flight at once. */
    static final int PARALLEL_GETS = 8;
    /** Shared by every call (each runs at most PARALLEL_GETS workers): daemon threads made as needed, idle ones retire. */
    private static final java.util.concurrent.ExecutorService GETS = new java.util.concurrent.ThreadPoolExecutor(0,
            64, 30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "dynamo-batch-get");
                t.setDaemon(true);
                return t;
            }, new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
    static final int BATCH_GET_LIMIT = 100;
    static final int BATCH_WRITE_LIMIT = 25;
    static final int BATCH_ATTEMPTS = 10;

    private DynamoTable() {
    }

    /** Runs one SDK call; a missing table or an outage is UNAVAILABLE, a failed condition that escapes CONFLICT. */
    static <T> T call(String table, String what, Supplier<T> op) {
        try {
            return op.get();
        } catch (ResourceNotFoundException e) {
            throw new MultidbException(ErrorKind.UNAVAILABLE, null, "the metadata table " + table
                    + " does not exist (while " + what + "): create it or fix the configuration", e);
        } catch (ConditionalCheckFailedException e) {
            throw new MultidbException(ErrorKind.CONFLICT, null,
                    what + " collided with a concurrent change; try again", e);
        } catch (SdkException e) {
            throw MultidbException.unavailable(
                    "the metadata store is unavailable (while " + what + "); try again", e);
        }
    }

    /** The items with these keys, read consistently, in no particular order; absent ones are missing. */
    /**
     * Consistent reads of many keys, 100 per BatchGetItem, unprocessed keys retried with backoff. Several requests
     * run at once ({@link #PARALLEL_GETS}): a family of 100,000 children is 1,000 requests, which one after another
     * would cost a migration's prepare seconds of round trips.
     */
    static List<Map<String, AttributeValue>> batchGet(DynamoDbClient client, String table, String what,
                                                      List<Map<String, AttributeValue>> keys) {
        List<Map<String, AttributeValue>> distinct = keys.stream().distinct().toList();
        List<List<Map<String, AttributeValue>>> chunks = new ArrayList<>();
        for (int from = 0; from < distinct.size(); from += BATCH_GET_LIMIT) {
            chunks.add(distinct.subList(from, Math.min(distinct.size(), from + BATCH_GET_LIMIT)));
        }
        if (chunks.size() <= 1) {
            return chunks.isEmpty() ? List.of() : batchGetChunk(client, table, what, chunks.get(0));
        }
        // A few workers take the chunks in turn.
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        List<java.util.concurrent.Future<List<Map<String, AttributeValue>>>> futures = new ArrayList<>();
        for (int w = 0; w < Math.min(PARALLEL_GETS, chunks.size()); w++) {
            futures.add(GETS.submit(() -> {
                List<Map<String, AttributeValue>> mine = new ArrayList<>();
                for (int i = next.getAndIncrement(); i < chunks.size(); i = next.getAndIncrement()) {
                    mine.addAll(batchGetChunk(client, table, what, chunks.get(i)));
                }
                return mine;
            }));
        }
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        RuntimeException failed = null;
        for (var f : futures) {
            try {
                found.addAll(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                failed = failed != null ? failed : e.getCause() instanceof RuntimeException re ? re
                        : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw busy(what);
            }
        }
        if (failed != null) {
            throw failed;
        }
        return found;
    }

    private static List<Map<String, AttributeValue>> batchGetChunk(DynamoDbClient client, String table, String what,
                                                                   List<Map<String, AttributeValue>> chunk) {
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder()
                .keys(chunk).consistentRead(true).build());
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
            if (attempt == BATCH_ATTEMPTS) {
                throw busy(what);
            }
            Map<String, KeysAndAttributes> request = pending;
            BatchGetItemResponse response = call(table, what, () -> client.batchGetItem(b -> b.requestItems(request)));
            found.addAll(response.responses().getOrDefault(table, List.of()));
            pending = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            if (!pending.isEmpty()) {
                backOff(attempt);
            }
        }
        return found;
    }

    /** Unconditional puts, 25 per request, unprocessed items retried with backoff. */
    static void batchPut(DynamoDbClient client, String table, String what, Collection<Map<String, AttributeValue>> items) {
        List<WriteRequest> writes = items.stream()
                .map(item -> WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build())
                .toList();
        for (int from = 0; from < writes.size(); from += BATCH_WRITE_LIMIT) {
            Map<String, List<WriteRequest>> pending =
                    Map.of(table, writes.subList(from, Math.min(writes.size(), from + BATCH_WRITE_LIMIT)));
            for (int attempt = 0; !pending.isEmpty(); attempt++) {
                if (attempt == BATCH_ATTEMPTS) {
                    throw busy(what);
                }
                Map<String, List<WriteRequest>> request = pending;
                BatchWriteItemResponse response = call(table, what, () -> client.batchWriteItem(b -> b.requestItems(request)));
                pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
                pending = pending.values().stream().allMatch(List::isEmpty) ? Map.of() : pending;
                if (!pending.isEmpty()) {
                    backOff(attempt);
                }
            }
        }
    }

    private static MultidbException busy(String what) {
        return MultidbException.unavailable("the metadata store is busy (while " + what + "); try again", null);
    }

    private static void backOff(int attempt) {
        try {
            // Unprocessed items mean the table is throttling: the documented remedy is to retry after a pause.
            Thread.sleep(Math.min(1000, 20L << attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw MultidbException.unavailable("interrupted while using the metadata store", e);
        }
    }
}
