package io.multidb.drift;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a scan found in one batch of children: the counts per class and the children out of sync, in name order.
 * Kept as one metadata item, so its details are capped ({@link #capped}): well under DynamoDB's 400 KB.
 */
public record DriftResult(String scanId, int batch, DriftCounts counts, List<ChildDrift> children) {
    /** Details kept per child. */
    public static final int MAX_DETAILS = 20;
    /** Characters kept per detail. */
    public static final int MAX_DETAIL_CHARS = 300;
    /** UTF-8 bytes of details kept per batch; beyond it a child keeps only a note saying so. */
    public static final int MAX_BATCH_DETAIL_BYTES = 200 * 1024;

    public DriftResult {
        children = List.copyOf(children);
    }

    /** The result with every child's details cut to the caps above, in order. */
    public static DriftResult capped(String scanId, int batch, DriftCounts counts, List<ChildDrift> children) {
        List<ChildDrift> out = new ArrayList<>(children.size());
        long budget = MAX_BATCH_DETAIL_BYTES;
        for (ChildDrift c : children) {
            List<String> kept = new ArrayList<>();
            for (String d : c.details()) {
                if (kept.size() == MAX_DETAILS) {
                    kept.add("… " + (c.details().size() - MAX_DETAILS) + " more difference(s) left out");
                    break;
                }
                String t = d.length() <= MAX_DETAIL_CHARS ? d : d.substring(0, MAX_DETAIL_CHARS) + "…";
                long bytes = t.getBytes(StandardCharsets.UTF_8).length;
                if (bytes > budget) {
                    kept.add("… details left out (the report keeps " + MAX_BATCH_DETAIL_BYTES / 1024
                            + " KB of details per " + "batch of children)");
                    break;
                }
                budget -= bytes;
                kept.add(t);
            }
            out.add(new ChildDrift(c.database(), c.status(), c.schemaVersion(), kept));
        }
        return new DriftResult(scanId, batch, counts, out);
    }
}
