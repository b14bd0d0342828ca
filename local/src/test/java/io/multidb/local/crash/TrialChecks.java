package io.multidb.local.crash;

import static io.multidb.local.crash.CrashTrial.PARENT;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.local.crash.CrashTrial.Kind;
import io.multidb.local.crash.CrashTrial.Spec;
import io.multidb.local.crash.FamilyFiles.Row;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Checks (2)-(5) of a crash trial once its job has ended, against the files (read with sqlite-jdbc), the rows the
 * API acknowledged and the runtime's records. Each failed check adds one line to {@code failures}, tagged "(n)".
 */
final class TrialChecks {
    private final Spec spec;
    private final FamilyFiles files;
    private final List<String> children;
    private final Map<String, Map<Long, Row>> expected;
    private final Map<String, Map<Long, Row>> unsure;
    private final String odd;
    private final Random rnd;
    private final List<String> failures;
    /** Children a quarantining job left behind at the old version (empty for every other outcome). */
    private final java.util.Set<String> behind;

    TrialChecks(Spec spec, FamilyFiles files, List<String> children, Map<String, Map<Long, Row>> expected,
                Map<String, Map<Long, Row>> unsure, String odd, Random rnd, List<String> failures,
                java.util.Set<String> behind) {
        this.spec = spec;
        this.files = files;
        this.children = children;
        this.expected = expected;
        this.unsure = unsure;
        this.odd = odd;
        this.rnd = rnd;
        this.failures = failures;
        this.behind = behind;
    }

    private List<String> all() {
        List<String> all = new ArrayList<>(children);
        all.add(PARENT);
        return all;
    }



    /**
     * (2) One schema version across the family, read from the files: every child's version and schema = the
     * parent's; a child left behind by quarantine is at the old version instead.
     */
    Map<String, FamilyFiles.State> checkOneSchema(long fromVersion) throws Exception {
        Map<String, FamilyFiles.State> states = new LinkedHashMap<>();
        for (String db : all()) {
            states.put(db, files.state(db, false));
        }
        FamilyFiles.State parent = states.get(PARENT);
        List<String> off = new ArrayList<>();
        for (String child : children) {
            FamilyFiles.State s = states.get(child);
            if (behind.contains(child)) {
                if (s.version() != fromVersion || s.version() == parent.version()) {
                    off.add(child + " v" + s.version() + " (left behind: must stay at v" + fromVersion + ")");
                }
                continue;
            }
            if (s.version() != parent.version() || !s.schema().equals(parent.schema())) {
                off.add(child + " v" + s.version() + (s.schema().equals(parent.schema()) ? "" : " (other schema)"));
            }
        }
        if (!off.isEmpty()) {
            failures.add("(2) " + off.size() + " children differ from the parent (v" + parent.version() + "): " + first(off));
        }
        List<String> badColumns = new ArrayList<>();
        for (var e : states.entrySet()) {
            boolean migrated = e.getValue().version() == fromVersion + 1;
            boolean hasNote = e.getValue().columns().stream().anyMatch(col -> col.startsWith("note "));
            if (migrated != hasNote || e.getValue().columns().size() != (migrated ? 6 : 5)) {
                badColumns.add(e.getKey() + " v" + e.getValue().version() + " columns " + e.getValue().columns());
            }
        }
        if (!badColumns.isEmpty()) {
            failures.add("(2) columns of t do not match the file's version: " + first(badColumns));
        }
        return states;
    }

    /** (3) Every acknowledged row present and unchanged; no row that was never written. Returns the rows checked. */
    long checkRows() throws Exception {
        long checked = 0;
        List<String> lost = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String db : all()) {
            Map<Long, Row> actual = files.rows(db);
            for (Row want : expected.get(db).values()) {
                checked++;
                Row got = actual.get(want.id());
                if (got == null) {
                    lost.add(db + "#" + want.id());
                } else if (!got.equals(want)) {
                    changed.add(db + "#" + want.id() + " is " + got + ", was " + want);
                }
            }
            for (Long id : actual.keySet()) {
                if (!expected.get(db).containsKey(id) && !unsure.getOrDefault(db, Map.of()).containsKey(id)) {
                    unknown.add(db + "#" + id);
                }
            }
        }
        if (!lost.isEmpty()) {
            failures.add("(3) " + lost.size() + " acknowledged rows lost: " + first(lost));
        }
        if (!changed.isEmpty()) {
            failures.add("(3) " + changed.size() + " rows changed: " + first(changed));
        }
        if (!unknown.isEmpty()) {
            failures.add("(3) " + unknown.size() + " rows nobody wrote: " + first(unknown));
        }
        return checked;
    }

    /** (4) The job's status, its progress and the catalog's schema_version are true to the files. */
    void checkRecords(CrashClient c, JsonNode job, Map<String, FamilyFiles.State> states, long fromVersion)
            throws Exception {
        String status = job.path("status").asText();
        long from = job.path("from_version").asLong();
        long to = job.path("to_version").asLong();
        if (from != fromVersion || to != fromVersion + 1) {
            failures.add("(4) the job says v" + from + " -> v" + to + ", the family was at v" + fromVersion);
        }
        if (spec.kind() != Kind.SUCCEEDS && status.equals("succeeded")) {
            failures.add("(4) a " + spec.kind() + " migration ended succeeded");
        }
        if (status.equals("succeeded_with_quarantine") && (spec.kind() != Kind.QUARANTINED
                || !job.path("failed_children").findValuesAsText("database").equals(List.of(odd)))) {
            failures.add("(4) the job quarantined " + job.path("failed_children") + ", the odd child is " + odd);
        }
        boolean parentMoved = status.equals("succeeded") || status.equals("succeeded_with_quarantine");
        long want = parentMoved ? to : from;
        List<String> off = new ArrayList<>();
        states.forEach((db, s) -> {
            if (s.version() != (behind.contains(db) ? from : want)) {
                off.add(db + " v" + s.version());
            }
        });
        for (String db : behind) {
            JsonNode d = c.get(c.orgPath() + "/databases/" + db).body().path("database");
            if (!d.path("schema_status").asText().equals("behind")) {
                failures.add("(4) " + db + " was left behind but says " + d.path("schema_status"));
            }
        }
        if (!off.isEmpty()) {
            failures.add("(4) the job is " + status + " but " + off.size() + " files are not at v" + want + ": " + first(off));
        }
        List<String> catalog = new ArrayList<>();
        for (String db : all()) {
            long reported = c.schemaVersion(db);
            if (reported != states.get(db).version()) {
                catalog.add(db + " reports v" + reported + ", file v" + states.get(db).version());
            }
        }
        if (!catalog.isEmpty()) {
            failures.add("(4) " + catalog.size() + " databases' schema_version differ from their files: " + first(catalog));
        }
        List<String> progress = new ArrayList<>();
        Map<String, JsonNode> entries = new HashMap<>();
        job.path("progress").forEach(p -> entries.put(p.path("database").asText(), p));
        for (String db : all()) {
            JsonNode p = entries.get(db);
            if (p == null) {
                if (!entries.isEmpty()) { // a job that never got to prepare has no progress at all: nothing to be true to
                    progress.add(db + " missing");
                }
                continue;
            }
            long file = states.get(db).version();
            String st = p.path("status").asText();
            if (p.path("schema_version").asLong() != file || st.equals("applied") != (file == to)) {
                progress.add(db + " " + st + " v" + p.path("schema_version").asLong() + ", file v" + file);
            }
        }
        if (!progress.isEmpty()) {
            failures.add("(4) " + progress.size() + " progress entries differ from the files: " + first(progress));
        }
    }

    /** (5) The family is writable again: a row into a child, and a seed row into the parent (a migration of its own). */
    void checkWritable(CrashClient c, long version) throws Exception {
        String child = children.get(rnd.nextInt(children.size()));
        JsonNode r = c.pipeline(child, List.of("INSERT INTO t(id, tenant, k, v, body) VALUES (900000, '" + child
                + "', 'after', 0, 'after the crash')")).get(0);
        if (!r.path("type").asText().equals("ok")) {
            failures.add("(5) a write to child " + child + " was refused: " + r.path("error"));
        }
        // Its own k: after a UNIQUE index on k landed (kind QUARANTINED), the child's row above must not collide.
        JsonNode p = c.pipeline(PARENT, List.of("INSERT INTO t(id, tenant, k, v, body) VALUES (900001, 'seed', 'after-parent', 0, 'after the crash')"))
                .get(0);
        long want = version + 1;
        if (!p.path("type").asText().equals("ok")) {
            // Kind (c): the fault still fails the odd child's apply, so the parent's write (a migration) is accepted
            // and rolled back; that still shows the family takes writes again, and must leave every file as it was.
            String message = p.path("error").path("message").asText();
            if (spec.kind() == Kind.APPLY_FAILS && p.path("error").path("code").asText().equals("SCHEMA_MIGRATION_FAILED")
                    && message.contains(odd)) {
                want = version;
            } else {
                failures.add("(5) a write to the parent was refused: " + p.path("error"));
                return;
            }
        }
        List<String> off = new ArrayList<>();
        for (String db : all()) {
            // A child left behind is skipped by later migrations: it stays where it was.
            if (files.state(db, false).version() != (behind.contains(db) ? version - 1 : want)) {
                off.add(db);
            }
        }
        if (!off.isEmpty()) {
            failures.add("(5) the parent's write (a migration) left " + off.size() + " databases off v" + want + ": " + first(off));
        }
    }

    private static String first(List<String> items) {
        return String.join(", ", items.subList(0, Math.min(5, items.size()))) + (items.size() > 5 ? ", …" : "");
    }
}
