package io.multidb.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Counts every AWS SDK call the product makes in this JVM, by caller (the API front's threads, the workflow's task
 * threads, the bench itself) and operation, with DynamoDB's billed request units estimated from item sizes. Loaded
 * by the SDK for every client through the classpath file
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors}: the product's clients are counted without
 * a change to them. Feeds the AWS cost model (docs/cost-model.md).
 */
public final class SdkCallCounter implements ExecutionInterceptor {
    /** "caller service.Operation" → calls, write units, read units (DynamoDB; on-demand rounding). */
    private static final Map<String, LongAdder[]> COUNTS = new ConcurrentHashMap<>();
    private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("bench.started");

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        SdkRequest r = context.request();
        String key = key(attributes);
        LongAdder[] a = COUNTS.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder(),
                new LongAdder()});
        attributes.putAttribute(STARTED, System.nanoTime());
        a[0].increment();
        a[1].add(writeUnits(r));
        if (r instanceof GetItemRequest g) {
            // Items here are far below 4 KB: one read unit, half when eventually consistent.
            a[2].add(Boolean.TRUE.equals(g.consistentRead()) ? 2 : 1);
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        elapsed(attributes);
        if (context.response() instanceof QueryResponse q && context.request() instanceof QueryRequest qr) {
            long bytes = 0;
            for (Map<String, AttributeValue> item : q.items()) {
                bytes += size(item);
            }
            // Half units: a query is billed on the total size read, 4 KB per unit, halved when eventually consistent.
            long units = Math.max(1, (bytes + 4095) / 4096);
            COUNTS.get(key(attributes))[2].add(Boolean.TRUE.equals(qr.consistentRead()) ? 2 * units : units);
        }
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        elapsed(attributes);
    }

    private static void elapsed(ExecutionAttributes attributes) {
        Long started = attributes.getAttribute(STARTED);
        LongAdder[] a = COUNTS.get(key(attributes));
        if (started != null && a != null) {
            a[3].add(System.nanoTime() - started);
        }
    }

    private static String key(ExecutionAttributes attributes) {
        return caller() + " " + attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "."
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    }

    private static long writeUnits(SdkRequest r) {
        if (r instanceof PutItemRequest p) {
            return kb(size(p.item()));
        }
        if (r instanceof BatchWriteItemRequest b) {
            long units = 0;
            for (var list : b.requestItems().values()) {
                for (WriteRequest w : list) {
                    units += w.putRequest() != null ? kb(size(w.putRequest().item())) : 1;
                }
            }
            return units;
        }
        String name = r.getClass().getSimpleName();
        // Updates and deletes of these small items: one unit each (an update is billed on the larger of the item's
        // sizes before and after, under 1 KB here).
        return name.equals("UpdateItemRequest") || name.equals("DeleteItemRequest") ? 1 : 0;
    }

    private static long kb(long bytes) {
        return Math.max(1, (bytes + 1023) / 1024);
    }

    /** DynamoDB's item size: attribute names plus values (strings and numbers by length; nested summed). */
    static long size(Map<String, AttributeValue> item) {
        long n = 0;
        for (var e : item.entrySet()) {
            n += e.getKey().length() + size(e.getValue());
        }
        return n;
    }

    private static long size(AttributeValue v) {
        if (v.s() != null) {
            return v.s().length();
        }
        if (v.n() != null) {
            return (v.n().length() + 1) / 2 + 1;
        }
        if (v.b() != null) {
            return v.b().asByteArray().length;
        }
        if (v.hasM()) {
            return 3 + size(v.m());
        }
        if (v.hasL()) {
            long n = 3;
            for (AttributeValue x : v.l()) {
                n += 1 + size(x);
            }
            return n;
        }
        if (v.hasSs()) {
            return v.ss().stream().mapToLong(String::length).sum();
        }
        return 1;
    }

    private static String caller() {
        String t = Thread.currentThread().getName();
        if (t.startsWith("api-gateway-front")) {
            return "api";
        }
        if (t.equals("main")) {
            return "bench";
        }
        return "workflow";
    }

    /**
     * Counts so far: key → {calls, write units, read units in halves (2 = one strongly consistent unit), nanoseconds
     * spent in the calls (summed over threads)}.
     */
    static Map<String, long[]> snapshot() {
        Map<String, long[]> out = new TreeMap<>();
        COUNTS.forEach((k, v) -> out.put(k, new long[] {v[0].sum(), v[1].sum(), v[2].sum(), v[3].sum()}));
        return out;
    }

    /** after − before, dropping keys that did not change. */
    static Map<String, long[]> delta(Map<String, long[]> before, Map<String, long[]> after) {
        Map<String, long[]> out = new TreeMap<>();
        after.forEach((k, v) -> {
            long[] b = before.getOrDefault(k, new long[4]);
            long[] d = {v[0] - b[0], v[1] - b[1], v[2] - b[2], v[3] - b[3]};
            if (d[0] != 0) {
                out.put(k, d);
            }
        });
        return out;
    }
}
