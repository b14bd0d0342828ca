package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 4, scale on paper: the time and the cost of migrating N children on AWS with the batch size and concurrency
 * the ASL uses, fed by the per-child figures measured in scenario 1. Writes docs/cost-model.md (formula, inputs with
 * their sources, result, and the knobs). Every AWS-side figure that is assumed rather than measured or published is
 * named as an assumption.
 */
final class CostModel {
    // ---------------------------------------------------------------------------------- prices (us-east-1, cited)
    static final double SFN_PER_TRANSITION = 0.025 / 1000;
    static final double LAMBDA_ARM_PER_GB_S = 0.0000133334;
    static final double LAMBDA_PER_REQUEST = 0.20 / 1_000_000;
    static final double DDB_PER_WRU = 0.625 / 1_000_000;
    static final double DDB_PER_RRU = 0.125 / 1_000_000;
    static final double EFS_READ_PER_GB = 0.03;
    static final double EFS_WRITE_PER_GB = 0.06;
    static final double GIB = 1024.0 * 1024 * 1024;
    /** Elastic throughput meters a data operation as at least 32 KiB and a metadata operation as at least 4 KiB. */
    static final double EFS_MIN_DATA_OP = 32 * 1024;
    static final double EFS_MIN_METADATA_OP = 4 * 1024;

    // ---------------------------------------------------------------------------------- assumptions (not measured)
    /** EFS Regional, Elastic: per-operation latency, reads and writes (the EFS performance table). */
    static final double EFS_READ_MS = 1.0;
    static final double EFS_WRITE_MS = 2.7;
    /** A DynamoDB call from a Lambda in the same Region through the gateway endpoint (assumed typical). */
    static final double DDB_CALL_MS = 5.0;
    /** Step Functions scheduling a Map iteration and invoking a warm Lambda (assumed). */
    static final double ITERATION_OVERHEAD_S = 0.1;
    /**
     * NFS operations of one child's dry-run: OPEN, GETATTR (hot-journal check), LOCK x2, LOCKU, CLOSE (metadata, 6)
     * and the pages the change reads (data, 2 for an ADD COLUMN: the header and the schema); it writes nothing.
     */
    static final int DRY_RUN_META_OPS = 6;
    static final int DRY_RUN_DATA_READS = 2;
    /**
     * The apply: OPEN, GETATTR, LOCK x3, the lock file's phase (LOCK, LOCKU), the journal's OPEN, LINK (the undo),
     * REMOVE (the journal), LOCKU, CLOSE (metadata, 12); three COMMITs (the journal twice, the file: metadata); the
     * pages read (data, 3 with the lock file's) and written (data, 2: the journal and the file's changed pages).
     */
    static final int APPLY_META_OPS = 15;
    static final int APPLY_DATA_READS = 3;
    static final int APPLY_DATA_WRITES = 2;
    /** The end of the job: the undo link removed (one REMOVE). */
    static final int FINISH_META_OPS = 1;
    /** Threads removing undo links at the end of a job (JobEnding). */
    static final int REMOVAL_THREADS = 32;

    /**
     * What a run of the migration scenarios measured, per child: CPU per phase (this JVM's, the runtime runs in it),
     * the workflow's DynamoDB calls and units, the bytes read and written through system calls (SQLite's pread and
     * pwrite), the execution's transitions.
     */
    record Measured(int n, long fileBytes, double cpuDryMs, double cpuApplyMs, double cpuPrepareMs, double cpuReleaseMs,
                    double wru, double rru, double workflowCalls, double readBytes, double writeBytes, int transitions,
                    int batches) {
        static Measured from(JsonNode run) {
            int n = run.get("n").asInt();
            JsonNode ph = run.get("phases");
            double wru = 0;
            double rru = 0;
            double calls = 0;
            for (var e : run.get("sdk_calls").properties()) {
                if (e.getKey().startsWith("workflow ") && e.getKey().contains("DynamoDb.")) {
                    wru += e.getValue().get("write_units").asDouble();
                    rru += e.getValue().get("read_units").asDouble();
                    calls += e.getValue().get("calls").asDouble();
                }
            }
            return new Measured(n, run.get("create").get("file_bytes").asLong(),
                    cpu(ph, "Dry-run on the children") / n, cpu(ph, "Apply to the children") / n,
                    cpu(ph, "Prepare the migration") / n, cpu(ph, "Release the family (succeeded)") / n,
                    wru / n, rru / n, calls / n, run.get("syscall_read_bytes").asDouble() / (n + 1),
                    run.get("syscall_write_bytes").asDouble() / (n + 1), ph.get("state_transitions").asInt(),
                    run.get("batches").asInt());
        }

        private static double cpu(JsonNode phases, String name) {
            return phases.path(name).path("jvm_cpu_ms").asDouble(0);
        }
    }

    /** The settings a deployment can change. */
    record Knobs(String name, int children, int maxConcurrency, int batchParallelism, int memoryMb,
                 boolean elasticThroughput) {
    }

    record Result(Knobs knobs, int batchSize, int batches, double prepareS, double dryRunS, double applyS,
                  double finishS, double totalS, double lambdaGbS, long lambdaRequests, long transitions,
                  double sfnCost, double lambdaCost, double ddbCost, double efsCost, double efsReadGiB,
                  double efsWriteGiB) {
        double totalCost() {
            return sfnCost + lambdaCost + ddbCost + efsCost;
        }
    }

    static Knobs baseline(int children) {
        // The ASL's and MigrationOptions' defaults, infra's memory and throughput mode.
        return new Knobs("as deployed (max_concurrency 10)", children, 10, 4, 1769, true);
    }

    static Result compute(Measured m, Knobs k) {
        int n = k.children();
        int batchSize = Math.max(100, (n + 499) / 500);
        int batches = (n + batchSize - 1) / batchSize;
        double vcpu = k.memoryMb() / 1769.0;
        double gb = k.memoryMb() / 1024.0;
        int waves = (batches + k.maxConcurrency() - 1) / k.maxConcurrency();

        // One batch: CPU does not overlap beyond the vCPUs; waits (EFS) overlap across the batch's threads. Metadata:
        // one read and one write of the batch's record per step, and the job read.
        double dryWaitMs = (DRY_RUN_META_OPS + DRY_RUN_DATA_READS) * EFS_READ_MS;
        double applyWaitMs = (APPLY_META_OPS + APPLY_DATA_READS) * EFS_READ_MS + APPLY_DATA_WRITES * EFS_WRITE_MS;
        double batchCallsMs = 4 * DDB_CALL_MS;
        double dryBatchS = (Math.max(batchSize * m.cpuDryMs() / vcpu,
                batchSize * (m.cpuDryMs() + dryWaitMs) / k.batchParallelism()) + batchCallsMs) / 1000;
        double applyBatchS = (Math.max(batchSize * m.cpuApplyMs() / vcpu,
                batchSize * (m.cpuApplyMs() + applyWaitMs) / k.batchParallelism()) + batchCallsMs) / 1000;
        double dryRunS = waves * (dryBatchS + ITERATION_OVERHEAD_S);
        double applyS = waves * (applyBatchS + ITERATION_OVERHEAD_S);

        // Prepare lists the children (Query pages of ~1 MB) and writes one record per batch (BatchWriteItem of 25).
        double prepareCalls = Math.ceil(n / 100.0) + Math.ceil(batches / 25.0) + 6;
        double prepareS = (n * m.cpuPrepareMs() / vcpu + prepareCalls * DDB_CALL_MS) / 1000;
        // Finish reads the batch records and removes each child's undo link (one REMOVE each, many at once).
        double finishS = (n * FINISH_META_OPS * EFS_WRITE_MS / REMOVAL_THREADS + n * m.cpuReleaseMs() / vcpu
                + (Math.ceil(batches / 50.0) + 5) * DDB_CALL_MS) / 1000;
        double parentsS = 2 * ((dryWaitMs + applyWaitMs) / 1000 + ITERATION_OVERHEAD_S);
        double totalS = prepareS + dryRunS + applyS + parentsS + finishS + 0.5;

        double lambdaS = prepareS + batches * (dryBatchS + applyBatchS) + parentsS + finishS;
        double lambdaGbS = lambdaS * gb;
        long requests = 2L * batches + 5;
        long transitions = 8 + 2L * batches;

        // Elastic throughput meters a data operation as at least 32 KiB and a metadata operation as at least 4 KiB.
        double readBytes = n * (Math.max(m.readBytes(), (DRY_RUN_DATA_READS + APPLY_DATA_READS) * EFS_MIN_DATA_OP)
                + (DRY_RUN_META_OPS + APPLY_META_OPS) * EFS_MIN_METADATA_OP);
        double writeBytes = n * (Math.max(m.writeBytes(), APPLY_DATA_WRITES * EFS_MIN_DATA_OP)
                + FINISH_META_OPS * EFS_MIN_METADATA_OP);
        double efsCost = k.elasticThroughput()
                ? readBytes / GIB * EFS_READ_PER_GB + writeBytes / GIB * EFS_WRITE_PER_GB : 0;
        return new Result(k, batchSize, batches, prepareS, dryRunS, applyS, finishS, totalS, lambdaGbS, requests,
                transitions, transitions * SFN_PER_TRANSITION,
                lambdaGbS * LAMBDA_ARM_PER_GB_S + requests * LAMBDA_PER_REQUEST,
                n * (m.wru() * DDB_PER_WRU + m.rru() * DDB_PER_RRU), efsCost, readBytes / GIB, writeBytes / GIB);
    }

    /** The baseline and one change at a time; the last row combines the two time knobs a caller can set. */
    static List<Result> scenarios(Measured m, int children) {
        int n = children;
        List<Result> out = new ArrayList<>();
        out.add(compute(m, baseline(n)));
        out.add(compute(m, new Knobs("max_concurrency 40 (the ASL's maximum)", n, 40, 4, 1769, true)));
        out.add(compute(m, new Knobs("batch parallelism 16 (MigrationOptions)", n, 10, 16, 1769, true)));
        out.add(compute(m, new Knobs("task memory 3538 MB (2 vCPU)", n, 10, 4, 3538, true)));
        out.add(compute(m, new Knobs("EFS Bursting instead of Elastic throughput", n, 10, 4, 1769, false)));
        out.add(compute(m, new Knobs("max_concurrency 40 + batch parallelism 16", n, 40, 16, 1769, true)));
        return out;
    }

    static ObjectNode json(Measured m, List<Result> results) {
        ObjectNode out = Api.JSON.createObjectNode();
        out.set("measured", Api.JSON.valueToTree(m));
        var arr = out.putArray("scenarios");
        for (Result r : results) {
            ObjectNode n = arr.addObject();
            n.put("knobs", r.knobs().name());
            n.put("children", r.knobs().children());
            n.put("batch_size", r.batchSize());
            n.put("batches", r.batches());
            n.put("total_s", Stats.round(r.totalS(), 0));
            n.put("prepare_s", Stats.round(r.prepareS(), 1));
            n.put("dry_run_s", Stats.round(r.dryRunS(), 1));
            n.put("apply_s", Stats.round(r.applyS(), 1));
            n.put("finish_s", Stats.round(r.finishS(), 1));
            n.put("lambda_gb_s", Stats.round(r.lambdaGbS(), 0));
            n.put("transitions", r.transitions());
            n.put("cost_usd", Stats.round(r.totalCost(), 3));
            n.put("sfn_usd", Stats.round(r.sfnCost(), 4));
            n.put("lambda_usd", Stats.round(r.lambdaCost(), 4));
            n.put("dynamodb_usd", Stats.round(r.ddbCost(), 4));
            n.put("efs_usd", Stats.round(r.efsCost(), 4));
        }
        return out;
    }

    private static String f(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /** One tenant size: the figures measured for it and the model's rows. */
    record Case(String label, Measured measured, List<Result> results) {
    }

    /** docs/cost-model.md, from the measured inputs of this run (bin/bench --migrations). */
    static String markdown(List<Case> cases, String runNote) {
        StringBuilder s = new StringBuilder();
        s.append("# What an ADD COLUMN across 100,000 children costs on AWS, and how long it takes\n\n");
        s.append("Generated by `bin/bench --migrations` (").append(runNote).append(") from the per-child figures measured on\n")
                .append("the local runtime for tenants of two sizes, the batch size and concurrency of\n")
                .append("`statemachines/schema-migration.asl.json` and `MigrationOptions`, the functions' settings in `infra/`, and\n")
                .append("AWS's public us-east-1 prices. It is a model: the local runtime has no EFS and no real DynamoDB, so the\n")
                .append("AWS-side latencies and the EFS metering per child are stated assumptions (marked *assumed*).\n\n");
        s.append("## Result\n\n");
        s.append("| tenants | as deployed: time | as deployed: cost | max_concurrency 40: time | EFS | DynamoDB | Lambda | Step Functions |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Case c : cases) {
            Result b = c.results().get(0);
            Result wide = c.results().get(1);
            s.append(f("| %s | %.0f s | $%.3f | %.0f s | $%.3f | $%.4f | $%.4f | $%.4f |\n", c.label(), b.totalS(),
                    b.totalCost(), wide.totalS(), b.efsCost(), b.ddbCost(), b.lambdaCost(), b.sfnCost()));
        }
        s.append("\nTargets (issue 11): ≤ $0.25 whatever the tenants' size, ≤ 5 minutes as deployed, ≤ 2 minutes at the ASL's "
                + "maximum concurrency.\n");
        for (Case c : cases) {
            Result b = c.results().get(0);
            Result wide = c.results().get(1);
            s.append(f("- %s: cost %s ($%.3f), time as deployed %s (%.0f s), at max_concurrency 40 %s (%.0f s).\n",
                    c.label(), b.totalCost() <= 0.25 ? "met" : "not met", b.totalCost(), b.totalS() <= 300 ? "met" : "not met",
                    b.totalS(), wide.totalS() <= 120 ? "met" : "not met", wide.totalS()));
        }
        Case big = cases.get(cases.size() - 1);
        Result bb = big.results().get(0);
        s.append(f("%nWhat is left is EFS's metering per operation rather than per byte: a child's migration is about %d "
                        + "NFS operations (opens, locks, commits, the link), each metered as at least 4 KiB, and %d data "
                        + "operations, each metered as at least 32 KiB, whatever the tenant's size. The bytes themselves "
                        + "(%,.0f read and %,.0f written per child, measured) are below those minimums. Before this engine "
                        + "every child was read three times and written twice whole (a 10 MB tenant: about 30 MB read and 20 MB "
                        + "written, $0.0021 of EFS per child, $210 for 100,000 children).%n%n",
                DRY_RUN_META_OPS + APPLY_META_OPS + FINISH_META_OPS, DRY_RUN_DATA_READS + APPLY_DATA_READS + APPLY_DATA_WRITES,
                big.measured().readBytes(), big.measured().writeBytes()));

        s.append("## Which knob moves it most\n\n");
        for (Case c : cases) {
            s.append("### ").append(c.label()).append("\n\n");
            s.append("| change | time (s) | cost (USD) | Lambda GB-s | EFS | DynamoDB |\n|---|---:|---:|---:|---:|---:|\n");
            for (Result r : c.results()) {
                s.append(f("| %s | %.0f | %.3f | %,.0f | %.3f | %.4f |\n", r.knobs().name(), r.totalS(), r.totalCost(),
                        r.lambdaGbS(), r.efsCost(), r.ddbCost()));
            }
            s.append("\n");
        }
        s.append(f("Step by step for the big tenants as deployed: prepare %.0f s, dry-run Map %.0f s, apply Map %.0f s, finish "
                        + "%.0f s (%,d undo links removed by %d threads); %,d state transitions.%n%n",
                bb.prepareS(), bb.dryRunS(), bb.applyS(), bb.finishS(), bb.knobs().children(), REMOVAL_THREADS, bb.transitions()));

        s.append("## Formula\n\n```\n");
        s.append("batch_size  = max(100, ceil(N / 500))         batches B = ceil(N / batch_size)       (MigrationOptions)\n");
        s.append("waves       = ceil(B / max_concurrency)                                              (ASL MaxConcurrencyPath)\n");
        s.append("vcpu        = memory_mb / 1769                                                       (Lambda: 1 vCPU at 1769 MB)\n");
        s.append("batch_time  = max(batch_size * cpu_child / vcpu,\n");
        s.append("                  batch_size * (cpu_child + wait_child) / parallelism) + 4 * t_ddb\n");
        s.append("wait_child  = metadata and data reads * t_efs_read + data writes * t_efs_write\n");
        s.append("map_time    = waves * (batch_time + t_iteration)           for the dry-run Map and the apply Map\n");
        s.append("prepare     = N * cpu_prepare + (N/100 + B/25) * t_ddb     (listing; one record per batch, BatchWriteItem of 25)\n");
        s.append("finish      = N * t_efs_write / 32 + B/50 * t_ddb          (one REMOVE per undo link, 32 at once)\n");
        s.append("time        = prepare + dry-run map + apply map + 2 parent steps + finish\n");
        s.append("transitions = 8 + 2B\n");
        s.append("GB-s        = memory_gb * (prepare + B * (dry batch_time + apply batch_time) + parents + finish)\n");
        s.append("dynamodb    = N * (wru_child * $/WRU + rru_child * $/RRU)\n");
        s.append("efs_read    = N * (max(read_bytes, data_reads * 32 KiB) + metadata_ops * 4 KiB)\n");
        s.append("efs_write   = N * (max(written_bytes, data_writes * 32 KiB) + 1 * 4 KiB)\n");
        s.append("cost        = transitions * $/transition + GB-s * $/GB-s + reqs * $/req + dynamodb + efs_read * $/GB + efs_write * $/GB\n");
        s.append("```\n\n");

        s.append("## Inputs\n\nMeasured (per child) by `bin/bench --migrations`, ADD COLUMN:\n\n");
        s.append("| input | ").append(String.join(" | ", cases.stream().map(Case::label).toList())).append(" | how |\n");
        s.append("|---|").append("---:|".repeat(cases.size())).append("---|\n");
        row(s, cases, "file size (bytes)", m -> f("%,d", m.fileBytes()), "the child's file");
        row(s, cases, "cpu, dry-run (ms)", m -> f("%.2f", m.cpuDryMs()), "the JVM's CPU during the dry-run Map / N of the 1,000-child run (ADD COLUMN + CREATE INDEX: heavier)");
        row(s, cases, "cpu, apply (ms)", m -> f("%.2f", m.cpuApplyMs()), "the same during the apply Map");
        row(s, cases, "bytes read", m -> f("%,.0f", m.readBytes()), "/proc/self/io rchar during the migration / (N + 1)");
        row(s, cases, "bytes written", m -> f("%,.0f", m.writeBytes()), "/proc/self/io wchar during the migration / (N + 1)");
        row(s, cases, "DynamoDB calls", m -> f("%.3f", m.workflowCalls()), "SDK interceptor on the task function's calls / N");
        row(s, cases, "DynamoDB write units", m -> f("%.3f", m.wru()), "same");
        row(s, cases, "DynamoDB read units", m -> f("%.3f", m.rru()), "same (strongly consistent: 1 unit per 4 KB)");
        s.append("\nPrices, us-east-1:\n\n| price | value | source |\n|---|---:|---|\n");
        s.append("| Step Functions Standard | $0.025 per 1,000 state transitions | https://aws.amazon.com/step-functions/pricing/ |\n");
        s.append("| Lambda Arm duration | $0.0000133334 per GB-s | https://aws.amazon.com/lambda/pricing/ |\n");
        s.append("| Lambda requests | $0.20 per million | https://aws.amazon.com/lambda/pricing/ |\n");
        s.append("| DynamoDB on-demand | $0.625 per million write request units, $0.125 per million read request units | https://aws.amazon.com/dynamodb/pricing/on-demand/ |\n");
        s.append("| EFS Elastic throughput | reads $0.03/GB, writes $0.06/GB; data operations metered at ≥ 32 KiB, metadata at ≥ 4 KiB | https://aws.amazon.com/efs/pricing/ ; https://repost.aws/articles/ARLxw4PqmeQK6VVrpGL4-jzA |\n\n");
        s.append("Assumed (no AWS here to measure them):\n\n| assumption | value | basis |\n|---|---:|---|\n");
        s.append(f("| EFS latency per operation | read %.1f ms, write %.1f ms | Regional + Elastic row of https://docs.aws.amazon.com/efs/latest/ug/performance.html |\n",
                EFS_READ_MS, EFS_WRITE_MS));
        s.append(f("| NFS operations per child | dry-run %d metadata + %d data reads; apply %d metadata + %d data reads + %d data writes; finish %d | SQLite's open, lock, read, journal, link, commit, remove, unlock sequence on NFSv4.1 (CostModel.java) |\n",
                DRY_RUN_META_OPS, DRY_RUN_DATA_READS, APPLY_META_OPS, APPLY_DATA_READS, APPLY_DATA_WRITES, FINISH_META_OPS));
        s.append(f("| DynamoDB call latency | %.0f ms | typical single-digit milliseconds in-Region |\n", DDB_CALL_MS));
        s.append(f("| Map iteration overhead | %.1f s | scheduling plus a warm invoke |\n", ITERATION_OVERHEAD_S));
        s.append("| CPU per child on Graviton | = the local core's | arm64 1 vCPU at 1769 MB; this machine's core is x86 |\n");
        s.append("| tenants of 100 KB and 10 MB | the figures measured at ~30 KB and ~25 MB | an ADD COLUMN touches the same pages whatever the size (the measurement shows it) |\n\n");
        s.append("Not counted: Lambda cold starts of the task function, retries, CloudWatch Logs, the API function's calls "
                + "while a client waits. A failed migration adds a restore Map of the apply's shape, touching only the "
                + "pages the change touched.\n");
        return s.toString();
    }

    private static void row(StringBuilder s, List<Case> cases, String name, java.util.function.Function<Measured, String> v,
                            String how) {
        s.append("| ").append(name).append(" | ");
        for (Case c : cases) {
            s.append(v.apply(c.measured())).append(" | ");
        }
        s.append(how).append(" |\n");
    }
}
