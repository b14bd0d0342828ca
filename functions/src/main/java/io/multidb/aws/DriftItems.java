package io.multidb.aws;

import static io.multidb.aws.CatalogItems.STATUS;
import static io.multidb.aws.CatalogItems.TYPE;
import static io.multidb.aws.CatalogItems.key;
import static io.multidb.aws.CatalogItems.n;
import static io.multidb.aws.CatalogItems.optStr;
import static io.multidb.aws.CatalogItems.orgPk;
import static io.multidb.aws.CatalogItems.s;
import static io.multidb.aws.CatalogItems.str;
import static io.multidb.aws.MigrationItems.num;

import io.multidb.common.Names;
import io.multidb.drift.ChildDrift;
import io.multidb.drift.DriftClass;
import io.multidb.drift.DriftCounts;
import io.multidb.drift.DriftReport;
import io.multidb.drift.DriftResult;
import io.multidb.drift.ScanStatus;
import io.multidb.migrations.MigrationJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Keys and attributes of the drift report items (docs/metadata-table.md, "Drift reports"):
 * <pre>
 * pk                          sk                type           what
 * ORG#{org}#DRIFT#{schema db} REPORT            drift_report   the latest scan's header (one per schema database)
 * DRIFT#{scan id}             NAMES#{n, 7 digits}   drift_names    the children batch n compares
 * DRIFT#{scan id}             RESULT#{n, 7 digits}  drift_result   what batch n found: counts, children out of sync
 * </pre>
 * Scan ids pass {@link MigrationJob#isValidId} (they name workflow executions too) and cannot contain {@code #}.
 */
final class DriftItems {
    static final String TYPE_REPORT = "drift_report";
    static final String TYPE_NAMES = "drift_names";
    static final String TYPE_RESULT = "drift_result";
    static final String REPORT_SK = "REPORT";
    static final String NAMES_PREFIX = "NAMES#";
    static final String RESULT_PREFIX = "RESULT#";

    static final String SCAN_ID = "scan_id";
    static final String ORG = "org";
    static final String SCHEMA_DB = "schema_db";
    static final String SCHEMA_VERSION = "schema_version";
    static final String STARTED_AT = "started_at";
    static final String FINISHED_AT = "finished_at";
    static final String IN_SYNC = "in_sync";
    static final String BEHIND = "behind";
    static final String DIVERGED = "diverged";
    static final String UNREADABLE = "unreadable";
    static final String CHILDREN_SCANNED = "children_scanned";
    static final String BATCH_COUNT = "batch_count";
    static final String MAX_CONCURRENCY = "max_concurrency";
    static final String INLINE = "inline";
    static final String ERROR = "error";
    static final String BATCH = "batch";
    static final String NAMES = "names";
    static final String CHILDREN = "children";
    /** Per child in a result: short names, as in a migration batch. */
    private static final String C_DATABASE = "d";
    private static final String C_STATUS = "s";
    private static final String C_VERSION = "v";
    private static final String C_DETAILS = "x";

    private DriftItems() {
    }

    static String scanId(String id) {
        if (!MigrationJob.isValidId(id)) {
            throw new IllegalArgumentException("not a drift scan id");
        }
        return id;
    }

    static Map<String, AttributeValue> reportKey(String org, String schemaDb) {
        return key(orgPk(org) + "#DRIFT#" + Names.database(schemaDb), REPORT_SK);
    }

    static String scanPk(String scanId) {
        return "DRIFT#" + scanId(scanId);
    }

    static Map<String, AttributeValue> namesKey(String scanId, int batch) {
        return key(scanPk(scanId), String.format("%s%07d", NAMES_PREFIX, batch));
    }

    static Map<String, AttributeValue> resultKey(String scanId, int batch) {
        return key(scanPk(scanId), String.format("%s%07d", RESULT_PREFIX, batch));
    }

    static Map<String, AttributeValue> reportItem(DriftReport r) {
        Map<String, AttributeValue> item = new HashMap<>(reportKey(r.org(), r.schemaDb()));
        item.put(TYPE, s(TYPE_REPORT));
        item.put(SCAN_ID, s(scanId(r.scanId())));
        item.put(ORG, s(r.org()));
        item.put(SCHEMA_DB, s(r.schemaDb()));
        item.put(STATUS, s(r.status().wire()));
        item.put(SCHEMA_VERSION, n(r.schemaVersion()));
        item.put(STARTED_AT, s(r.startedAt().toString()));
        if (r.finishedAt() != null) {
            item.put(FINISHED_AT, s(r.finishedAt().toString()));
        }
        counts(item, r.counts());
        item.put(CHILDREN_SCANNED, n(r.childrenScanned()));
        item.put(BATCH_COUNT, n(r.batchCount()));
        item.put(MAX_CONCURRENCY, n(r.maxConcurrency()));
        item.put(INLINE, AttributeValue.fromBool(r.inline()));
        if (r.error() != null) {
            item.put(ERROR, s(r.error().length() <= 2000 ? r.error() : r.error().substring(0, 2000) + "…"));
        }
        return item;
    }

    static DriftReport toReport(Map<String, AttributeValue> item) {
        String finished = optStr(item, FINISHED_AT);
        AttributeValue inline = item.get(INLINE);
        return new DriftReport(str(item, SCAN_ID), str(item, ORG), str(item, SCHEMA_DB),
                ScanStatus.fromWire(str(item, STATUS)), num(item, SCHEMA_VERSION), Instant.parse(str(item, STARTED_AT)),
                finished == null ? null : Instant.parse(finished), toCounts(item), num(item, CHILDREN_SCANNED),
                (int) num(item, BATCH_COUNT), (int) num(item, MAX_CONCURRENCY),
                inline != null && Boolean.TRUE.equals(inline.bool()), optStr(item, ERROR));
    }

    static Map<String, AttributeValue> namesItem(String scanId, int batch, List<String> names) {
        Map<String, AttributeValue> item = new HashMap<>(namesKey(scanId, batch));
        item.put(TYPE, s(TYPE_NAMES));
        item.put(BATCH, n(batch));
        item.put(NAMES, AttributeValue.fromL(names.stream().map(nm -> s(Names.database(nm))).toList()));
        return item;
    }

    static List<String> toNames(Map<String, AttributeValue> item) {
        return item.get(NAMES).l().stream().map(AttributeValue::s).toList();
    }

    static Map<String, AttributeValue> resultItem(DriftResult r) {
        Map<String, AttributeValue> item = new HashMap<>(resultKey(r.scanId(), r.batch()));
        item.put(TYPE, s(TYPE_RESULT));
        item.put(SCAN_ID, s(r.scanId()));
        item.put(BATCH, n(r.batch()));
        counts(item, r.counts());
        List<AttributeValue> children = new ArrayList<>(r.children().size());
        for (ChildDrift c : r.children()) {
            Map<String, AttributeValue> m = new HashMap<>();
            m.put(C_DATABASE, s(Names.database(c.database())));
            m.put(C_STATUS, s(c.status().wire()));
            m.put(C_VERSION, n(c.schemaVersion()));
            m.put(C_DETAILS, AttributeValue.fromL(c.details().stream().map(CatalogItems::s).toList()));
            children.add(AttributeValue.fromM(m));
        }
        item.put(CHILDREN, AttributeValue.fromL(children));
        return item;
    }

    static DriftResult toResult(Map<String, AttributeValue> item) {
        List<ChildDrift> children = item.get(CHILDREN).l().stream().map(v -> {
            Map<String, AttributeValue> m = v.m();
            return new ChildDrift(str(m, C_DATABASE), DriftClass.fromWire(str(m, C_STATUS)), num(m, C_VERSION),
                    m.get(C_DETAILS).l().stream().map(AttributeValue::s).toList());
        }).toList();
        return new DriftResult(str(item, SCAN_ID), (int) num(item, BATCH), toCounts(item), children);
    }

    private static void counts(Map<String, AttributeValue> item, DriftCounts c) {
        item.put(IN_SYNC, n(c.inSync()));
        item.put(BEHIND, n(c.behind()));
        item.put(DIVERGED, n(c.diverged()));
        item.put(UNREADABLE, n(c.unreadable()));
    }

    private static DriftCounts toCounts(Map<String, AttributeValue> item) {
        return new DriftCounts(num(item, IN_SYNC), num(item, BEHIND), num(item, DIVERGED), num(item, UNREADABLE));
    }
}
